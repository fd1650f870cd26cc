"""Default settings shared by the library and the CLI (one definition each).

Imports nothing, so that the CLI can show library defaults in ``--help`` without loading
pandas or torch.
"""

from __future__ import annotations

DEFAULT_MODEL = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
DEFAULT_DEVICE = "auto"
DEFAULT_BATCH_SIZE = 64
DEFAULT_DTYPE = "float32"
DEFAULT_SEED = 0
DEFAULT_N_BOOTSTRAP = 2000
DEFAULT_CONFIDENCE = 0.95
DEFAULT_MAX_PROBES = 5_000_000
