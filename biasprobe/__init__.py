"""biasprobe: audit text classifiers for bias.

>>> import biasprobe
>>> "country" in biasprobe.shipped_sets()
True
"""

from __future__ import annotations

from importlib import metadata as _metadata
from typing import TYPE_CHECKING

from biasprobe._errors import (
    BiasprobeError,
    CacheError,
    DataError,
    LexiconError,
    ModelError,
    TemplateError,
    ThresholdFailure,
    UsageError,
)

try:
    __version__ = _metadata.version("biasprobe")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

# Every stage is imported on first use, so that `import biasprobe` (and the pytest plugin,
# and the CLI's start-up) costs milliseconds: pandas, torch, matplotlib and geopandas load
# only when a function that needs them is called.
_LAZY = {
    "audit": "biasprobe._audit",
    "ScoreCache": "biasprobe._cache",
    "default_cache_path": "biasprobe._cache",
    "bind": "biasprobe._expand",
    "expand": "biasprobe._expand",
    "iter_probes": "biasprobe._expand",
    "Lexicon": "biasprobe._lexicon",
    "load_lexicon": "biasprobe._lexicon",
    "shipped_lexicons": "biasprobe._lexicon",
    "AuditResult": "biasprobe._result",
    "Estimate": "biasprobe._result",
    "load_audit": "biasprobe._result",
    "DEFAULT_MODEL": "biasprobe._scorer",
    "CallableScorer": "biasprobe._scorer",
    "Scorer": "biasprobe._scorer",
    "load_scorer": "biasprobe._scorer",
    "score_texts": "biasprobe._scoring",
    "TemplateSet": "biasprobe._templates",
    "load_template_set": "biasprobe._templates",
    "shipped_sets": "biasprobe._templates",
    # maps (matplotlib, geopandas)
    "country_map_svg": "biasprobe._maps_svg",
    "country_table": "biasprobe._maps",
    "load_world": "biasprobe._geometry",
    "plot_country_map": "biasprobe._maps",
    "plot_region_means": "biasprobe._maps_regions",
    "plot_small_multiples": "biasprobe._maps",
    "region_means": "biasprobe._maps_regions",
    "save_figure": "biasprobe._maps_svg",
    # threshold checks (pytest plugin, biasprobe check)
    "CheckedAudit": "biasprobe._expect",
    "expect": "biasprobe._expect",
    "load_baseline": "biasprobe._checks",
    "save_baseline": "biasprobe._checks",
    # HTML report and model-card section (jinja2, maps)
    "build_card": "biasprobe._card",
    "build_report": "biasprobe._report",
    # benchmark comparisons (WinoBias, StereoSet, CrowS-Pairs) and paired statistics
    "ComparisonResult": "biasprobe._compare",
    "compare": "biasprobe._compare",
    "load_pairs": "biasprobe._pairs",
    "paired_stats": "biasprobe._paired_stats",
    "load_sst2": "biasprobe._utility",
    "classification_metrics": "biasprobe._utility",
}


if TYPE_CHECKING:  # static type checkers see the real objects
    from biasprobe._audit import audit
    from biasprobe._cache import ScoreCache, default_cache_path
    from biasprobe._expand import bind, expand, iter_probes
    from biasprobe._lexicon import Lexicon, load_lexicon, shipped_lexicons
    from biasprobe._result import AuditResult, Estimate, load_audit
    from biasprobe._scorer import DEFAULT_MODEL, CallableScorer, Scorer, load_scorer
    from biasprobe._scoring import score_texts
    from biasprobe._templates import TemplateSet, load_template_set, shipped_sets


def __dir__() -> list[str]:
    return sorted(__all__)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'biasprobe' has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODEL",
    "AuditResult",
    "BiasprobeError",
    "CacheError",
    "CallableScorer",
    "CheckedAudit",
    "ComparisonResult",
    "DataError",
    "Estimate",
    "Lexicon",
    "LexiconError",
    "ModelError",
    "ScoreCache",
    "Scorer",
    "TemplateError",
    "TemplateSet",
    "ThresholdFailure",
    "UsageError",
    "__version__",
    "audit",
    "bind",
    "build_card",
    "build_report",
    "classification_metrics",
    "compare",
    "country_map_svg",
    "country_table",
    "default_cache_path",
    "expand",
    "expect",
    "iter_probes",
    "load_audit",
    "load_baseline",
    "load_lexicon",
    "load_pairs",
    "load_scorer",
    "load_sst2",
    "load_template_set",
    "load_world",
    "paired_stats",
    "plot_country_map",
    "plot_region_means",
    "plot_small_multiples",
    "region_means",
    "save_baseline",
    "save_figure",
    "score_texts",
    "shipped_lexicons",
    "shipped_sets",
]
