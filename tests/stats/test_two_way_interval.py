"""Region means: a two-way cluster interval (units x wordings) that covers its estimand."""

from __future__ import annotations

import numpy as np

from biasprobe.stats._design import two_way_mean_interval


def test_estimate_is_the_mean_of_the_cells_and_sits_in_its_interval() -> None:
    table = np.array([[0.2, 0.4, np.nan], [0.6, 0.8, 0.7], [0.1, 0.3, 0.2]])
    est, lo, hi = two_way_mean_interval(
        table, n_resamples=400, confidence=0.95, seed=1, key="t", probability=True
    )
    assert est == np.nanmean(table)
    assert 0 < lo <= est <= hi < 1


def test_one_unit_or_one_cell_has_no_interval() -> None:
    est, lo, hi = two_way_mean_interval(
        np.array([[0.4, 0.6]]), n_resamples=100, confidence=0.95, seed=0, key="t"
    )
    assert est == 0.5 and np.isnan(lo) and np.isnan(hi)


def test_covers_the_mean_over_units_and_wordings_like_these() -> None:
    # Units and wordings are random draws (crossed random effects + noise): the interval
    # must cover the population mean (0) about 95% of the time; wide tolerance, few reps.
    rng = np.random.default_rng(7)
    hits = 0
    reps = 200
    for r in range(reps):
        units = rng.normal(0, 0.5, size=(12, 1))
        words = rng.normal(0, 0.5, size=(1, 8))
        table = units + words + rng.normal(0, 0.3, size=(12, 8))
        _, lo, hi = two_way_mean_interval(
            table, n_resamples=300, confidence=0.95, seed=r, key="sim"
        )
        hits += lo <= 0 <= hi
    assert 0.88 <= hits / reps <= 1.0
