"""Error types. Every error a user can cause is a ``BiasprobeError`` subclass."""

from __future__ import annotations

from typing import Any


class BiasprobeError(Exception):
    """Base class of every error biasprobe raises on bad input or configuration."""


class TemplateError(BiasprobeError):
    """A template set file is malformed (YAML, slots, ids)."""


class LexiconError(BiasprobeError):
    """A lexicon file is malformed or unknown."""


class ModelError(BiasprobeError):
    """A model cannot be loaded or its labels cannot be mapped to a score."""


class HubUnreachableError(ModelError):
    """The Hugging Face Hub cannot be reached and the model is not in the local Hub cache.

    ``option`` is how the entry point takes a local model folder (``--model`` for the CLI,
    ``--biasprobe-model`` for the pytest plugin); ``for_option`` rewords the hint.
    """

    def __init__(self, model: str, *, option: str = "--model") -> None:
        self.model = model
        super().__init__(
            f"cannot reach the Hugging Face Hub for {model!r} (or it is not cached); where "
            f"you have internet run `hf download {model} --local-dir DIR`, then pass {option} DIR"
        )

    def for_option(self, option: str) -> HubUnreachableError:
        """The same error, its hint naming ``option``."""
        return HubUnreachableError(self.model, option=option)


class DataError(BiasprobeError):
    """A dataset or audit directory is missing, malformed or inconsistent."""


class UsageError(BiasprobeError):
    """Options that cannot work together, or an invalid value for an option."""


class CacheError(BiasprobeError):
    """The score cache cannot be opened or written."""


class ThresholdFailure(AssertionError):
    """A bias threshold check failed; ``failure_cases`` holds the offending rows."""

    def __init__(self, message: str, *, failure_cases: Any = None) -> None:
        super().__init__(message)
        self.failure_cases = failure_cases
