"""What a model's files say without loading it: folder, config, labels, fingerprint, Hub reach.

Nothing here imports torch or transformers, so that an audit whose scores are all cached
can name the model, its labels and its fingerprint (the cache key) without paying for the
model load. The Hub is asked at most once, with a short timeout (``HUB_TIMEOUT_S``), and
not at all when ``HF_HUB_OFFLINE`` is set: an unreachable Hub costs seconds, not a storm of
retries.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from biasprobe._errors import HubUnreachableError, ModelError
from biasprobe.scoring._checkpoint import hash_files

WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.pth")
TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
HUB_TIMEOUT_S = 3.0


def local_dir(model: str) -> Path | None:
    """The folder ``model`` names, ``None`` for a Hub id; a missing path is a ``ModelError``."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    looks_local = model.startswith(("/", ".", "~")) or model.count("/") > 1 or "\\" in model
    if looks_local or path.exists():
        raise ModelError(
            f"model path {model!r} does not exist (or is not a folder); give a folder with "
            "config.json and weights, or a Hub id such as "
            "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
        )
    return None


def cached_config(model: str, *, local: Path | None, revision: str | None) -> dict[str, Any] | None:
    """``config.json`` of a local folder or of a Hub model in the local Hub cache, else None."""
    path: Path | None = local / "config.json" if local is not None else None
    if local is None:
        cached = _hub_cached_file(model, "config.json", revision)
        path = Path(cached) if cached else None
    if path is None or not path.is_file():
        return None
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) else None


def config_labels(config: dict[str, Any]) -> list[str]:
    """The label names in index order, as ``transformers`` reads them from ``config``.

    >>> config_labels({"id2label": {"1": "POSITIVE", "0": "NEGATIVE"}})
    ['NEGATIVE', 'POSITIVE']
    >>> config_labels({"num_labels": 3})
    ['LABEL_0', 'LABEL_1', 'LABEL_2']
    """
    id2label = config.get("id2label") or {}
    n = len(id2label) or int(config.get("num_labels", 2))
    return [str(id2label.get(str(i), id2label.get(i, f"LABEL_{i}"))) for i in range(n)]


def hub_commit(model: str, revision: str | None) -> str | None:
    """The commit of the locally cached Hub snapshot of ``model`` (else ``revision``)."""
    cached = _hub_cached_file(model, "config.json", revision)
    return Path(cached).parent.name if cached else revision


def fingerprint(model: str, *, local: Path | None, revision: str | None, dtype: str) -> str:
    """The score-cache key of a model: its files' hash (local) or its Hub commit."""
    suffix = "" if dtype == "float32" else f"#{dtype}"
    if local is None:
        return f"hub:{model}@{revision or 'unknown'}{suffix}"
    files = [p for pat in WEIGHT_PATTERNS for p in local.glob(pat)]
    files += [local / "config.json"] + [local / f for f in TOKENIZER_FILES if (local / f).is_file()]
    return f"local:{hash_files(files)}{suffix}"


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) asks for no network."""
    return any(
        os.environ.get(name, "").strip().upper() in ("1", "ON", "YES", "TRUE")
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def check_hub(model: str, *, revision: str | None) -> bool:
    """Whether to load ``model`` from the local Hub cache only (the Hub is not reachable).

    One request with a ``HUB_TIMEOUT_S`` timeout (none when offline mode is set). An
    unreachable Hub and a model missing from the cache raise ``HubUnreachableError`` at once.
    """
    if not hub_offline() and _hub_answers():
        return False
    if _hub_cached_file(model, "config.json", revision) is None:
        raise HubUnreachableError(model)
    return True


def _hub_answers() -> bool:
    import urllib.error
    import urllib.request

    from huggingface_hub import constants

    try:
        with urllib.request.urlopen(f"{constants.ENDPOINT}/api/status", timeout=HUB_TIMEOUT_S):
            return True
    except urllib.error.HTTPError:
        return True  # the server answered
    except (OSError, ValueError):
        return False


def _hub_cached_file(model: str, filename: str, revision: str | None) -> str | None:
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(model, filename, revision=revision)
    except Exception:  # an invalid repo id is "not cached" here; loading reports it
        return None
    return cached if isinstance(cached, str) else None
