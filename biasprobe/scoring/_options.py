"""The options that turn a model reference into a scorer, defined once.

``load_scorer``, ``audit`` and ``compare`` take them the same way: either one
``ScorerOptions`` object (``options=``) or the same names as keywords. Light: no torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, TypedDict

from biasprobe._defaults import DEFAULT_BATCH_SIZE, DEFAULT_DEVICE, DEFAULT_DTYPE
from biasprobe._errors import UsageError


class ScorerKwargs(TypedDict, total=False):
    """The keyword form of ``ScorerOptions`` (for ``**options`` pass-through)."""

    device: str
    batch_size: int
    score_label: str | int | None
    revision: str | None
    dtype: str
    trust_remote_code: bool


@dataclass(frozen=True, kw_only=True)
class ScorerOptions:
    """How to load and run a model: device, batch size, score label, revision, dtype.

    Parameters
    ----------
    device
        ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
    batch_size
        Texts per forward pass (``>= 1``).
    score_label
        The label whose probability is the score (name or index); found by itself for
        POSITIVE / LABEL_1 models.
    revision
        Hub revision (branch, tag or commit) of a Hub model.
    dtype
        ``float32``; ``bfloat16``/``float16``/``int8``/``fast`` trade exactness for speed.
    trust_remote_code
        Allow a model's own Python code to run (off: nothing from the model folder runs).

    Examples
    --------
    >>> ScorerOptions.of(None, {"batch_size": 8}).batch_size
    8
    >>> ScorerOptions.of(ScorerOptions(device="cpu"), {"batch_size": 8}).device
    'cpu'
    """

    device: str = DEFAULT_DEVICE
    batch_size: int = DEFAULT_BATCH_SIZE
    score_label: str | int | None = None
    revision: str | None = None
    dtype: str = DEFAULT_DTYPE
    trust_remote_code: bool = False

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise UsageError(f"batch size must be at least 1, got {self.batch_size}")

    @classmethod
    def of(
        cls, options: ScorerOptions | None, overrides: ScorerKwargs | dict[str, Any]
    ) -> ScorerOptions:
        """``options`` (or the defaults) with keyword ``overrides`` applied."""
        unknown = set(overrides) - set(cls.__dataclass_fields__)
        if unknown:
            valid = ", ".join(cls.__dataclass_fields__)
            raise UsageError(f"unknown scorer option {sorted(unknown)[0]!r}; valid: {valid}")
        return replace(options or cls(), **overrides)

    def as_kwargs(self) -> dict[str, Any]:
        """The options as keywords of ``load_scorer``."""
        return asdict(self)
