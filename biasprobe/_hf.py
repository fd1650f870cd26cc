"""The transformers-backed scorer (the only module that imports torch/transformers)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import numpy as np

from biasprobe._errors import ModelError, UsageError
from biasprobe._labels import pick_score_label
from biasprobe._scorer import hash_files, warn_pickle

WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.pth")
TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
DTYPES = ("float32", "bfloat16", "float16")


class HFScorer:
    """A ``transformers`` sequence classifier as a scorer (dedup and cache happen upstream).

    Texts are tokenised in one fast-tokenizer call, sorted by length and cut into batches
    padded only to their own longest text, then run under ``torch.inference_mode()``.
    """

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        score_label: str | int | None = None,
        batch_size: int = 64,
        revision: str | None = None,
        dtype: str = "float32",
        trust_remote_code: bool = False,
        max_length: int = 512,
    ) -> None:
        import torch

        if dtype not in DTYPES:
            raise UsageError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
        self.model_ref = model
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = resolve_device(device)
        self.dtype = dtype
        local = _local_dir(model)
        self._model, self._tokenizer = _load(
            model, local=local, revision=revision, trust_remote_code=trust_remote_code
        )
        self._model.to(self.device, dtype=getattr(torch, dtype)).eval()
        id2label = self._model.config.id2label
        self.labels = [str(id2label[i]) for i in range(len(id2label))]
        self.score_label = pick_score_label(self.labels, score_label, model=model)
        self._multi_label = self._model.config.problem_type == "multi_label_classification"
        self._input_names = _forward_inputs(self._model)
        rev = None if local else _hub_commit(model, revision)
        self.fingerprint: str | None = _fingerprint(model, local=local, revision=rev, dtype=dtype)
        self.info: dict[str, Any] = {
            "model": model,
            "kind": "local" if local else "hub",
            "revision": rev,
            "fingerprint": self.fingerprint,
            "labels": self.labels,
            "score_label": self.score_label,
            "architecture": type(self._model).__name__,
            "device": str(self.device),
            "dtype": dtype,
        }

    def token_lengths(self, texts: list[str]) -> np.ndarray:
        """Token count of each text (used upstream to order texts by length)."""
        enc = self._tokenizer(texts, truncation=True, max_length=self.max_length)
        return np.fromiter((len(ids) for ids in enc["input_ids"]), dtype=np.int64, count=len(texts))

    def __call__(self, texts: list[str]) -> np.ndarray:
        import torch

        if not texts:
            return np.zeros((0, len(self.labels)))
        enc = self._tokenizer(
            list(texts), truncation=True, max_length=self.max_length, return_attention_mask=False
        )
        ids = enc["input_ids"]
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), len(self.labels)), dtype=np.float64)
        pad = self._tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch, mask = _pad([ids[i] for i in idx], int(lengths[idx].max()), pad)
                out[idx] = self._forward(batch, mask)
        return out

    def _forward(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        ids = torch.from_numpy(input_ids).to(self.device)
        inputs = {"input_ids": ids, "attention_mask": torch.from_numpy(mask).to(self.device)}
        if "token_type_ids" in self._input_names:
            inputs["token_type_ids"] = torch.zeros_like(ids)
        logits = self._model(**inputs).logits.float()
        probs = torch.sigmoid(logits) if self._multi_label else torch.softmax(logits, dim=-1)
        return probs.cpu().numpy().astype(np.float64)


def _pad(rows: list[list[int]], width: int, pad: int) -> tuple[np.ndarray, np.ndarray]:
    arr = np.full((len(rows), width), pad, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        arr[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return arr, mask


def resolve_device(device: str) -> Any:
    """``auto`` picks cuda, then mps, then cpu; an unavailable device is a usage error."""
    import torch

    valid = ("auto", "cpu", "cuda", "mps")
    kind = device.split(":")[0]
    if kind not in valid:
        raise UsageError(f"unknown device {device!r}; valid: {', '.join(valid)} (or cuda:N)")
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise UsageError("device 'cuda' requested but no CUDA GPU is available; use --device cpu")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise UsageError("device 'mps' requested but MPS is not available; use --device cpu")
    return torch.device(device)


def _local_dir(model: str) -> Path | None:
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


def _load(model: str, *, local: Path | None, revision: str | None, trust_remote_code: bool) -> Any:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if local is not None:
        _check_local(local)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            clf, info = AutoModelForSequenceClassification.from_pretrained(
                model,
                revision=revision,
                trust_remote_code=trust_remote_code,
                output_loading_info=True,
            )
            tok = AutoTokenizer.from_pretrained(
                model, revision=revision, trust_remote_code=trust_remote_code
            )
    except Exception as exc:  # transformers raises many types; each becomes one line
        raise _load_error(model, exc, local=local) from None
    missing = sorted(info.get("missing_keys") or [])
    if missing:
        raise ModelError(
            f"{model}: has no trained classification head (missing weights: {missing[0]}, ...); "
            "give a model fine-tuned for sequence classification"
        )
    return clf, tok


def _check_local(path: Path) -> None:
    if not (path / "config.json").is_file():
        raise ModelError(f"{path}: no config.json; is this a transformers model folder?")
    if not any(path.glob("*.safetensors")) and any(path.glob("*.bin")):
        warn_pickle(path / "pytorch_model.bin")


def _load_error(model: str, exc: Exception, *, local: Path | None) -> ModelError:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "trust_remote_code" in text:
        return ModelError(
            f"{model}: needs custom code from its repository; biasprobe runs it only with "
            "--trust-remote-code (trust_remote_code=True), after you have read that code"
        )
    if local is None and any(
        k in text.lower()
        for k in (
            "offline",
            "connect",
            "resolve",
            "couldn't",
            "could not",
            "network",
            "huggingface.co",
        )
    ):
        return ModelError(
            f"cannot reach the Hugging Face Hub for {model!r} (or it is not cached); where "
            f"you have internet run `hf download {model} --local-dir DIR`, then pass --model DIR"
        )
    where = str(local) if local is not None else model
    return ModelError(f"{where}: cannot load the model ({type(exc).__name__}: {text[:300]})")


def _hub_commit(model: str, revision: str | None) -> str | None:
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(model, "config.json", revision=revision)
    except Exception:
        return revision
    if isinstance(cached, str):
        return Path(cached).parent.name
    return revision


def _fingerprint(model: str, *, local: Path | None, revision: str | None, dtype: str) -> str:
    suffix = "" if dtype == "float32" else f"#{dtype}"
    if local is None:
        return f"hub:{model}@{revision or 'unknown'}{suffix}"
    files = [p for pat in WEIGHT_PATTERNS for p in local.glob(pat)]
    files += [local / "config.json"] + [local / f for f in TOKENIZER_FILES if (local / f).is_file()]
    return f"local:{hash_files(files)}{suffix}"


def _forward_inputs(model: Any) -> set[str]:
    import inspect

    return set(inspect.signature(model.forward).parameters)
