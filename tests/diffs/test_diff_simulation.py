"""Coverage of the paired group-change intervals, by simulation with known truth.

Model B = model A + a true change per group + a wording effect shared by the groups +
probe noise; wordings are a random factor, so the estimand is the group's change over
wordings like these (its true value: the group's change).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biasprobe.diffs._diff_stats import slot_diff
from biasprobe.stats._slots import Options

CHANGE = np.array([0.0, 0.05, -0.03, 0.1])


def _rows(rng: np.random.Generator, n_wordings: int = 10, per_cell: int = 3) -> pd.DataFrame:
    wording = rng.normal(0, 0.03, n_wordings)
    g, t = np.meshgrid(np.arange(len(CHANGE)), np.arange(n_wordings), indexing="ij")
    g, t = np.repeat(g.ravel(), per_cell), np.repeat(t.ravel(), per_cell)
    a = rng.random(len(g))
    d = CHANGE[g] + wording[t] + rng.normal(0, 0.02, len(g))
    return pd.DataFrame(
        {"grp": [f"g{i}" for i in g], "template_id": [f"t{i}" for i in t], "score_a": a}
    ).assign(score_b=a + d, diff=d)


@pytest.mark.slow
def test_group_change_intervals_cover_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(0)
    n_sims, hits = 200, np.zeros(len(CHANGE))
    for seed in range(n_sims):
        table = slot_diff(_rows(rng), "grp", [], Options(400, 0.95, seed, False)).groups
        table = table.set_index("value").loc[[f"g{i}" for i in range(len(CHANGE))]]
        hits += (table["ci_low"].to_numpy() <= CHANGE) & (table["ci_high"].to_numpy() >= CHANGE)
    coverage = hits.sum() / (n_sims * len(CHANGE))
    # 800 intervals: a binomial 95% band around 0.95 is about +/- 0.015
    assert 0.925 <= coverage <= 0.975
