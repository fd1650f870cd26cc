"""The transformers-backed scorer (the only module that imports torch/transformers)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from biasprobe._errors import HubUnreachableError, ModelError, UsageError
from biasprobe.scoring._batching import Batch, Encoder, batches, prefetch
from biasprobe.scoring._checkpoint import warn_pickle
from biasprobe.scoring._cpu import cpu_has_native_bf16
from biasprobe.scoring._labels import pick_score_label
from biasprobe.scoring._model_files import (
    cached_config,
    check_hub,
    config_labels,
    fingerprint,
    hub_commit,
    local_dir,
)

DTYPES = ("float32", "bfloat16", "float16", "int8", "fast")
FAST_CHECK_N = 128  # texts scored by both the fast and the float32 model
FAST_WARN_DIFF = 0.05  # warn when a fast mode moves a probability further than this


class HFScorer:
    """A ``transformers`` sequence classifier as a scorer (dedup and cache happen upstream).

    Texts are tokenised in bulk by the Rust tokenizer, sorted by token count and cut into
    batches padded only to their own longest text (no mask at all when a batch has one
    length), then run under ``torch.inference_mode()``. On CUDA the batches are built in a
    background thread ahead of the model and results stay on the GPU until the call ends.

    ``dtype`` may be ``float32`` (default), ``bfloat16``, ``float16``, ``int8`` (dynamic
    int8 quantisation of the linear layers, CPU only, least exact) or ``fast`` (bfloat16
    on CUDA and on CPUs with native bfloat16, else int8). Any mode other than float32 is
    checked against the float32 model on the first texts it scores: ``info["fast_mode"]``
    records the largest difference in probability, with a warning above 0.05.
    The weights load on the first text there is to score: labels and fingerprint come from
    the files (see ``_model_files``), so a fully cached audit never loads the model.
    A scorer pickles as its recipe (model reference and options), so a worker process
    (the Ray engine) rebuilds it from the model files instead of receiving the weights.
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
        check_fast_mode: bool = True,
    ) -> None:
        self._recipe: dict[str, Any] = dict(
            model=model,
            device=device,
            score_label=score_label,
            batch_size=batch_size,
            revision=revision,
            dtype=dtype,
            trust_remote_code=trust_remote_code,
            max_length=max_length,
        )
        self.model_ref = model
        self.device_request = device
        self.batch_size = batch_size
        self.max_length = max_length
        self._check_fast_mode = check_fast_mode
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, Encoder] | None = None
        self._device: Any = None
        if dtype not in DTYPES:
            raise UsageError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
        self.dtype = dtype
        if dtype != "float32" or device.split(":")[0] not in ("auto", "cpu"):
            self.dtype = resolve_dtype(dtype, self.device)  # validates the pair now
        local = local_dir(model)
        if local is not None:
            _check_local(local)
        self._local = local
        config = None if trust_remote_code else cached_config(model, local=local, revision=revision)
        if config is None or "auto_map" in config:
            self._load()  # no files to read the labels from (or custom code to refuse): load
            config = None
        self.labels = config_labels(config) if config else self._loaded_labels()
        self.score_label = pick_score_label(self.labels, score_label, model=model)
        rev = None if local else hub_commit(model, revision)
        self.fingerprint: str | None = fingerprint(
            model, local=local, revision=rev, dtype=self.dtype
        )
        arch = (config or {}).get("architectures") or [None]
        self.info: dict[str, Any] = {
            "model": model,
            "kind": "local" if local else "hub",
            "revision": rev,
            "fingerprint": self.fingerprint,
            "labels": self.labels,
            "score_label": self.score_label,
            "architecture": arch[0] if config else type(self._model).__name__,
            "device": str(self._device) if self._device is not None else device,
            "dtype": self.dtype,
        }
        if getattr(self, "_fast_record", None):
            self.info["fast_mode"] = self._fast_record

    @property
    def device(self) -> Any:
        """The torch device (resolved on first use: ``auto`` imports torch to look)."""
        if self._device is None:
            self._device = resolve_device(self.device_request)
        return self._device

    @property
    def loaded(self) -> bool:
        """Whether the model weights have been loaded (only when something is scored)."""
        return self._loaded is not None

    @property
    def _model(self) -> Any:
        return self._load()[0]

    @property
    def _encoder(self) -> Encoder:
        return self._load()[2]

    def model_parts(self) -> tuple[Any, Any]:
        """The float32 model and its tokenizer (loading them if needed), for explanations."""
        model, reference, encoder = self._load()
        return (reference if reference is not None else model), encoder.tokenizer

    def _load(self) -> tuple[Any, Any, Encoder]:
        """Load the weights and tokenizer (once, on the first text to score)."""
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load_now()
            return self._loaded

    def _load_now(self) -> tuple[Any, Any, Encoder]:
        recipe = self._recipe
        clf, tokenizer = _load(
            recipe["model"],
            local=self._local,
            revision=recipe["revision"],
            trust_remote_code=recipe["trust_remote_code"],
        )
        model, reference = prepare_model(clf, dtype=self.dtype, device=self.device)
        if not self._check_fast_mode:
            reference = None
        self._multi_label = model.config.problem_type == "multi_label_classification"
        self._token_types = "token_type_ids" in _forward_inputs(model)
        if hasattr(self, "labels") and self._labels_of(model) != self.labels:
            raise ModelError(
                f"{recipe['model']}: the model's labels {self._labels_of(model)} differ from "
                f"its config.json's {self.labels}"
            )
        if hasattr(self, "info"):
            self.info["device"] = str(self.device)
        if reference is not None:
            self._fast_info()
        return model, reference, Encoder(tokenizer, max_length=self.max_length)

    def _loaded_labels(self) -> list[str]:
        return self._labels_of(self._model)

    @staticmethod
    def _labels_of(model: Any) -> list[str]:
        id2label = model.config.id2label
        return [str(id2label[i]) for i in range(len(id2label))]

    def _fast_info(self) -> None:
        record = {"mode": self.dtype, "reference": "float32"}
        record["benchmark"] = fast_mode_record(self.dtype)  # type: ignore[assignment]
        self._fast_record = record
        if hasattr(self, "info"):
            self.info["fast_mode"] = record

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # a rebuilt copy (a Ray actor) scores; the fast-mode check belongs to the original
        return (_rebuild, ({**self._recipe, "check_fast_mode": False},))

    @property
    def overlap(self) -> bool:
        """Build batches in a background thread, ahead of the model (on CUDA)."""
        return bool(self.device.type == "cuda")

    @property
    def chunk_size(self) -> int:
        """Texts per call that keep this device busy between cache commits."""
        return 65_536 if self.device.type == "cuda" else 2048

    def token_lengths(self, texts: list[str]) -> np.ndarray:
        """Token count of each text (special tokens included, truncated)."""
        return self._encoder.encode(list(texts))[1]

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)))
        texts = list(texts)
        self.measure_deviation(texts[:FAST_CHECK_N])
        return self._run(self._model, texts)

    def _run(self, model: Any, texts: list[str]) -> np.ndarray:
        import torch

        block = max(4 * self.batch_size, 4096) if self.overlap else max(len(texts), 1)
        prepared: Any = map(
            self._tensors,
            batches(self._encoder, texts, batch_size=self.batch_size, block_size=block),
        )
        if self.overlap:
            prepared = prefetch(prepared)
        index, outputs = [], []
        with torch.inference_mode():
            for rows, ids, mask in prepared:
                index.append(rows)
                outputs.append(self._forward(model, ids, mask))
        probs = torch.cat(outputs).cpu().numpy().astype(np.float64)
        out = np.empty((len(texts), len(self.labels)), dtype=np.float64)
        out[np.concatenate(index)] = probs
        return out

    def _tensors(self, batch: Batch) -> tuple[np.ndarray, Any, Any]:
        import torch

        pin = self.device.type == "cuda"
        ids = torch.from_numpy(batch.input_ids)
        mask = None if batch.attention_mask is None else torch.from_numpy(batch.attention_mask)
        if pin:
            ids = ids.pin_memory()
            mask = None if mask is None else mask.pin_memory()
        return batch.index, ids, mask

    def _forward(self, model: Any, ids: Any, mask: Any) -> Any:
        import torch

        ids = ids.to(self.device, non_blocking=True)
        inputs: dict[str, Any] = {"input_ids": ids}
        if mask is not None:
            inputs["attention_mask"] = mask.to(self.device, non_blocking=True)
        if self._token_types:
            inputs["token_type_ids"] = torch.zeros_like(ids)
        logits = model(**inputs).logits.float()
        return torch.sigmoid(logits) if self._multi_label else torch.softmax(logits, dim=-1)

    def measure_deviation(self, sample: list[str]) -> None:
        """Once, for a non-float32 mode: compare it with float32 on ``sample``.

        The result goes to ``info["fast_mode"]``; the float32 copy is then released.
        """
        if self.dtype == "float32" or not self._check_fast_mode or not sample:
            return  # nothing to compare (and no reason to load the model here)
        model, reference, encoder = self._load()
        if reference is None:
            return
        fast = self._run(model, sample)
        exact = self._run(reference, sample)
        diff = np.abs(fast - exact)
        check = self.info["fast_mode"]
        check.update(
            n_checked=len(sample), max_abs_diff=float(diff.max()), mean_abs_diff=float(diff.mean())
        )
        self._loaded = (model, None, encoder)
        if check["max_abs_diff"] > FAST_WARN_DIFF:
            warnings.warn(
                f"fast mode {self.dtype} changed probabilities by up to "
                f"{check['max_abs_diff']:.3f} (mean {check['mean_abs_diff']:.4f}) on "
                f"{len(sample)} texts compared with float32; use float32 for final figures",
                UserWarning,
                stacklevel=3,
            )
        if self.device.type == "cuda":
            import torch

            torch.cuda.empty_cache()


def _rebuild(recipe: dict[str, Any]) -> HFScorer:
    return HFScorer(**recipe)


def resolve_dtype(dtype: str, device: Any) -> str:
    """The compute mode for ``dtype`` on ``device``.

    ``fast`` is bfloat16 on CUDA and on CPUs with native bfloat16 (AVX512-BF16, AMX),
    float16 on MPS, and int8 on other CPUs (less exact: see ``data/fast_modes.json``).
    An explicit bfloat16 on a CPU without it warns: emulated bfloat16 is slower than float32.
    """
    if dtype not in DTYPES:
        raise UsageError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
    if dtype == "fast":
        if device.type == "cpu":
            return "bfloat16" if cpu_has_bf16() else "int8"
        return "float16" if device.type == "mps" else "bfloat16"
    warn_emulated_bf16(dtype, device)
    if dtype == "int8" and device.type != "cpu":
        raise UsageError(
            f"int8 quantisation runs on the CPU only, not on {device.type}; "
            "use dtype bfloat16 (--fast bf16) or --device cpu"
        )
    return dtype


def cpu_has_bf16() -> bool:
    """Whether this CPU runs bfloat16 natively (AVX512-BF16 or AMX; see ``_cpu``)."""
    return cpu_has_native_bf16()


def warn_emulated_bf16(dtype: str, device: Any) -> None:
    """One line when bfloat16 was asked for on a CPU that only emulates it (slow)."""
    if dtype == "bfloat16" and device.type == "cpu" and not cpu_has_bf16():
        warnings.warn(
            "bfloat16 on this CPU (no AVX512-BF16 or AMX) is emulated and runs several times "
            "slower than float32; use --fast int8 (or --fast auto) or float32",
            UserWarning,
            stacklevel=4,
        )


def prepare_model(model: Any, *, dtype: str, device: Any) -> tuple[Any, Any]:
    """``(model to run, float32 reference or None)`` on ``device`` in ``dtype`` mode."""
    import torch

    model.to(device, dtype=torch.float32).eval()
    if dtype == "float32":
        return model, None
    if dtype == "int8":
        return _quantize_int8(model), model
    fast = copy.deepcopy(model).to(dtype=getattr(torch, dtype))
    return fast, model


def _quantize_int8(model: Any) -> Any:
    import torch

    quantize = getattr(getattr(torch.ao, "quantization", None), "quantize_dynamic", None)
    if quantize is None:
        raise ModelError(
            f"this torch {torch.__version__} has no dynamic int8 quantisation; "
            "use dtype bfloat16 (--fast bf16) or float32"
        )
    qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        return quantize(model, {torch.nn.Linear: qconfig}, inplace=False)


def fast_mode_record(mode: str) -> dict[str, Any]:
    """What the benchmark measured for ``mode`` (``data/fast_modes.json``)."""
    path = Path(__file__).parent.parent / "data" / "fast_modes.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    return dict(record["modes"].get(mode, {}), source=record.get("source"))


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


def _load(model: str, *, local: Path | None, revision: str | None, trust_remote_code: bool) -> Any:
    local_only = local is None and check_hub(model, revision=revision)  # before the imports
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            clf, info = AutoModelForSequenceClassification.from_pretrained(
                model,
                revision=revision,
                trust_remote_code=trust_remote_code,
                output_loading_info=True,
                local_files_only=local_only,
            )
            tok = AutoTokenizer.from_pretrained(
                model,
                revision=revision,
                trust_remote_code=trust_remote_code,
                local_files_only=local_only,
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
        return HubUnreachableError(model)
    where = str(local) if local is not None else model
    return ModelError(f"{where}: cannot load the model ({type(exc).__name__}: {text[:300]})")


def _forward_inputs(model: Any) -> set[str]:
    import inspect

    return set(inspect.signature(model.forward).parameters)
