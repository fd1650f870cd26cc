"""One model of a multi-model audit: a reference plus its own scorer options.

On the command line a model is ``ID_OR_PATH[,revision=R][,fast=int8|bf16][,dtype=D][,name=N]``
so that the same model can appear at two revisions or two builds:
``--model org/m,revision=v1 --model org/m,revision=v2`` or
``--model ../shared/models/minilm-l6-sst2 --model ../shared/models/minilm-l6-sst2,fast=int8``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from biasprobe._errors import UsageError

FAST_MODES = {"int8": "int8", "bf16": "bfloat16", "auto": "fast"}
SPEC_KEYS = ("revision", "fast", "dtype", "name")


@dataclass(frozen=True)
class ModelSpec:
    """A model and the scorer options that differ from the audit's shared ones.

    Parameters
    ----------
    model
        Hub id, local folder, callable or scorer.
    name
        Its name in outputs (folder name); default: derived from the model record.
    overrides
        Scorer options for this model only (``revision``, ``dtype``).

    Examples
    --------
    >>> parse_model_spec("../shared/models/minilm-l6-sst2,fast=int8").overrides
    {'dtype': 'int8'}
    """

    model: str | Path | Callable[[list[str]], Any]
    name: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


def parse_model_spec(text: str) -> ModelSpec:
    """Parse ``ID_OR_PATH[,key=value...]`` (keys: revision, fast, dtype, name)."""
    head, *parts = text.split(",")
    if not head:
        raise UsageError(f"model {text!r}: no model id or path before the first comma")
    overrides: dict[str, Any] = {}
    name = None
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or key not in SPEC_KEYS or not value:
            raise UsageError(
                f"model {text!r}: cannot read {part!r}; use KEY=VALUE with KEY one of "
                f"{', '.join(SPEC_KEYS)}"
            )
        if key == "name":
            name = value
        elif key == "fast":
            if value not in FAST_MODES:
                raise UsageError(f"model {text!r}: fast={value!r}; valid: {', '.join(FAST_MODES)}")
            overrides["dtype"] = FAST_MODES[value]
        else:
            overrides[key] = value
    return ModelSpec(model=head, name=name, overrides=overrides)


def as_spec(model: Any) -> ModelSpec:
    """A ``ModelSpec`` from a spec, a spec string, a path, a callable or a scorer."""
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, str):
        return parse_model_spec(model)
    return ModelSpec(model=model)
