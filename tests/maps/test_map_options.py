"""The map options are defined once and taken alike by every country map."""

from __future__ import annotations

import inspect
from typing import get_type_hints

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from biasprobe import UsageError, plot_country_map, plot_small_multiples
from biasprobe.maps._options import MapOptions, MapStyle


def test_style_keywords_and_options_fields_agree() -> None:
    assert set(get_type_hints(MapStyle)) == set(MapOptions.__dataclass_fields__)
    for fn in (plot_country_map, plot_small_multiples):
        params = inspect.signature(fn).parameters
        assert params["style"].kind is inspect.Parameter.VAR_KEYWORD
        assert not set(params) & set(MapOptions.__dataclass_fields__)


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {"value": ["France", "Niger"], "iso3": ["FRA", "NER"], "mean": [0.9, np.nan]}
    )


@pytest.mark.parametrize("fn", [plot_country_map])
def test_unknown_map_option_is_a_usage_error(fn: object) -> None:
    with pytest.raises(UsageError, match="unknown map option 'colour'; valid: stat"):
        fn(table(), colour="red")  # type: ignore[operator]


def test_style_options_reach_the_drawing() -> None:
    fig = plot_country_map(table(), title="my title", limits=(0.0, 1.0), center=0.5)
    texts = [t.get_text() for t in fig.texts]
    assert "my title" in texts
    plt.close("all")
