"""biasprobe: audit text classifiers for bias.

>>> import biasprobe
>>> "country" in biasprobe.shipped_sets()
True
"""

from __future__ import annotations

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
from biasprobe._provenance import biasprobe_version

__version__ = biasprobe_version()

# Every stage is imported on first use, so that `import biasprobe` (and the pytest plugin,
# and the CLI's start-up) costs milliseconds: pandas, torch, matplotlib and geopandas load
# only when a function that needs them is called.
_LAZY = {
    "audit": "biasprobe.audits._audit",
    "ScoreCache": "biasprobe.scoring._cache",
    "default_cache_path": "biasprobe.scoring._cache",
    "bind": "biasprobe.probes._expand",
    "expand": "biasprobe.probes._expand",
    "iter_probes": "biasprobe.probes._expand",
    "Lexicon": "biasprobe.probes._lexicon",
    "load_lexicon": "biasprobe.probes._lexicon_refs",
    "shipped_lexicons": "biasprobe.probes._lexicon_refs",
    "AuditResult": "biasprobe.audits._result",
    "Estimate": "biasprobe.audits._result",
    "load_audit": "biasprobe.audits._result",
    # several models: paired diffs of audits of the same probes
    "DiffResult": "biasprobe.diffs._diff",
    "diff_audits": "biasprobe.diffs._diff",
    "load_diff": "biasprobe.diffs._diff",
    "diff_folders": "biasprobe.diffs._diff_folders",
    "ModelSpec": "biasprobe.diffs._model_spec",
    "MultiAudit": "biasprobe.diffs._multi",
    "audit_models": "biasprobe.diffs._multi",
    "load_multi": "biasprobe.diffs._multi",
    "DEFAULT_MODEL": "biasprobe._defaults",
    "ScorerOptions": "biasprobe.scoring._options",
    "CallableScorer": "biasprobe.scoring._scorer",
    "Scorer": "biasprobe.scoring._scorer",
    "load_scorer": "biasprobe.scoring._scorer",
    "score_texts": "biasprobe.scoring._score_texts",
    "TemplateSet": "biasprobe.probes._template_set",
    "load_template_set": "biasprobe.probes._template_set",
    "shipped_sets": "biasprobe.probes._template_set",
    # maps (matplotlib, geopandas)
    "country_map_svg": "biasprobe.maps._svg",
    "country_table": "biasprobe.maps._choropleth",
    "load_world": "biasprobe.maps._geometry",
    "plot_country_map": "biasprobe.maps._choropleth",
    "plot_region_means": "biasprobe.maps._regions",
    "plot_small_multiples": "biasprobe.maps._choropleth",
    "plot_diff_map": "biasprobe.maps._diff_maps",
    "plot_model_multiples": "biasprobe.maps._diff_maps",
    "region_means": "biasprobe.maps._regions",
    "save_figure": "biasprobe.maps._svg",
    # threshold checks (pytest plugin, biasprobe check)
    "CheckedAudit": "biasprobe.checks._expect",
    "expect": "biasprobe.checks._expect",
    "load_baseline": "biasprobe.checks._verdicts",
    "save_baseline": "biasprobe.checks._verdicts",
    # HTML report and model-card section (jinja2, maps)
    "build_card": "biasprobe.report._card",
    "build_report": "biasprobe.report._html",
    # benchmark comparisons (WinoBias, StereoSet, CrowS-Pairs) and paired statistics
    "ComparisonResult": "biasprobe.comparisons._comparison",
    "load_comparison": "biasprobe.comparisons._comparison",
    "compare": "biasprobe.comparisons._compare",
    "load_pairs": "biasprobe.comparisons._pairs",
    "paired_stats": "biasprobe.stats._paired",
    "load_sst2": "biasprobe.comparisons._sst2",
    "classification_metrics": "biasprobe.comparisons._sst2",
    # real-text counterfactual audits and your own pair sets
    "counterfactual": "biasprobe.audits._counterfactual",
    "CounterfactualResult": "biasprobe.audits._counterfactual",
    "load_counterfactual": "biasprobe.audits._counterfactual",
    "compare_pairs": "biasprobe.comparisons._own_pairs",
    "load_own_pairs": "biasprobe.comparisons._own_pairs",
}


if TYPE_CHECKING:  # static type checkers and IDEs see every public name's real object
    from biasprobe._defaults import DEFAULT_MODEL
    from biasprobe.audits._audit import audit
    from biasprobe.audits._counterfactual import (
        CounterfactualResult,
        counterfactual,
        load_counterfactual,
    )
    from biasprobe.audits._result import AuditResult, Estimate, load_audit
    from biasprobe.checks._expect import CheckedAudit, expect
    from biasprobe.checks._verdicts import load_baseline, save_baseline
    from biasprobe.comparisons._compare import compare
    from biasprobe.comparisons._comparison import ComparisonResult, load_comparison
    from biasprobe.comparisons._own_pairs import compare_pairs, load_own_pairs
    from biasprobe.comparisons._pairs import load_pairs
    from biasprobe.comparisons._sst2 import classification_metrics, load_sst2
    from biasprobe.diffs._diff import DiffResult, diff_audits, load_diff
    from biasprobe.diffs._diff_folders import diff_folders
    from biasprobe.diffs._model_spec import ModelSpec
    from biasprobe.diffs._multi import MultiAudit, audit_models, load_multi
    from biasprobe.maps._choropleth import country_table, plot_country_map, plot_small_multiples
    from biasprobe.maps._diff_maps import plot_diff_map, plot_model_multiples
    from biasprobe.maps._geometry import load_world
    from biasprobe.maps._regions import plot_region_means, region_means
    from biasprobe.maps._svg import country_map_svg, save_figure
    from biasprobe.probes._expand import bind, expand, iter_probes
    from biasprobe.probes._lexicon import Lexicon
    from biasprobe.probes._lexicon_refs import load_lexicon, shipped_lexicons
    from biasprobe.probes._template_set import TemplateSet, load_template_set, shipped_sets
    from biasprobe.report._card import build_card
    from biasprobe.report._html import build_report
    from biasprobe.scoring._cache import ScoreCache, default_cache_path
    from biasprobe.scoring._options import ScorerOptions
    from biasprobe.scoring._score_texts import score_texts
    from biasprobe.scoring._scorer import CallableScorer, Scorer, load_scorer
    from biasprobe.stats._paired import paired_stats


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
    "CounterfactualResult",
    "DataError",
    "DiffResult",
    "Estimate",
    "Lexicon",
    "LexiconError",
    "ModelError",
    "ModelSpec",
    "MultiAudit",
    "ScoreCache",
    "Scorer",
    "ScorerOptions",
    "TemplateError",
    "TemplateSet",
    "ThresholdFailure",
    "UsageError",
    "__version__",
    "audit",
    "audit_models",
    "bind",
    "build_card",
    "build_report",
    "classification_metrics",
    "compare",
    "compare_pairs",
    "counterfactual",
    "country_map_svg",
    "country_table",
    "default_cache_path",
    "diff_audits",
    "diff_folders",
    "expand",
    "expect",
    "iter_probes",
    "load_audit",
    "load_baseline",
    "load_comparison",
    "load_counterfactual",
    "load_diff",
    "load_lexicon",
    "load_multi",
    "load_own_pairs",
    "load_pairs",
    "load_scorer",
    "load_sst2",
    "load_template_set",
    "load_world",
    "paired_stats",
    "plot_country_map",
    "plot_diff_map",
    "plot_model_multiples",
    "plot_region_means",
    "plot_small_multiples",
    "region_means",
    "save_baseline",
    "save_figure",
    "score_texts",
    "shipped_lexicons",
    "shipped_sets",
]
