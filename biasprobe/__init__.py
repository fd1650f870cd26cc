"""biasprobe: audit text classifiers for bias.

>>> import biasprobe
>>> "country" in biasprobe.shipped_sets()
True
"""

from __future__ import annotations

from importlib import metadata as _metadata

from biasprobe._audit import audit
from biasprobe._cache import ScoreCache, default_cache_path
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
from biasprobe._expand import bind, expand, iter_probes
from biasprobe._lexicon import Lexicon, load_lexicon, shipped_lexicons
from biasprobe._result import AuditResult, Estimate, load_audit
from biasprobe._scorer import DEFAULT_MODEL, CallableScorer, Scorer, load_scorer
from biasprobe._scoring import score_texts
from biasprobe._templates import TemplateSet, load_template_set, shipped_sets

try:
    __version__ = _metadata.version("biasprobe")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "DEFAULT_MODEL",
    "AuditResult",
    "BiasprobeError",
    "CacheError",
    "CallableScorer",
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
    "default_cache_path",
    "expand",
    "iter_probes",
    "load_audit",
    "load_lexicon",
    "load_scorer",
    "load_template_set",
    "score_texts",
    "shipped_lexicons",
    "shipped_sets",
]
