"""Token batches for the transformers scorer: bulk tokenisation, length buckets, padding.

Texts are tokenised in one call of the Rust tokenizer per block, flattened into one numpy
array, ordered by token count and cut into batches; each batch is padded to its own
longest text with numpy indexing (no per-row Python). On CUDA the batches are built in a
background thread, ahead of the model, so that the GPU never waits for the tokenizer.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Batch:
    """Rows ``index`` of the caller's texts: token ids and mask (``None``: no padding)."""

    index: np.ndarray
    input_ids: np.ndarray
    attention_mask: np.ndarray | None


class Encoder:
    """Tokenise many texts at once into a flat array of ids plus per-text lengths."""

    def __init__(self, tokenizer: Any, *, max_length: int) -> None:
        self.pad_id = int(tokenizer.pad_token_id or 0)
        self._tokenizer = tokenizer
        self._max_length = max_length
        self._rust = _rust_tokenizer(tokenizer, max_length)

    @property
    def tokenizer(self) -> Any:
        """The transformers tokenizer this encoder wraps."""
        return self._tokenizer

    def ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, special tokens included, truncated to ``max_length``."""
        if self._rust is not None:
            encode = getattr(self._rust, "encode_batch_fast", self._rust.encode_batch)
            return [e.ids for e in encode(texts)]
        enc = self._tokenizer(
            texts,
            truncation=True,
            max_length=self._max_length,
            return_attention_mask=False,
            return_token_type_ids=False,
        )
        return list(enc["input_ids"])

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(flat_ids, lengths)``: all token ids end to end, and each text's count."""
        ids = self.ids(texts)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(
            itertools.chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum())
        )
        return flat, lengths


def _rust_tokenizer(tokenizer: Any, max_length: int) -> Any:
    """A private copy of a fast tokenizer's Rust backend, truncating and never padding."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if not getattr(tokenizer, "is_fast", False) or backend is None:
        return None
    from tokenizers import Tokenizer

    rust = Tokenizer.from_str(backend.to_str())
    rust.no_padding()
    rust.enable_truncation(max_length)
    return rust


def plan(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Row indices of each batch: texts ordered by length, ``batch_size`` per batch."""
    order = np.argsort(lengths, kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def pad(flat: np.ndarray, lengths: np.ndarray, index: np.ndarray, pad_id: int) -> Batch:
    """The rows ``index`` padded to their longest (vectorised gather from ``flat``)."""
    starts = np.cumsum(lengths) - lengths
    rows = lengths[index]
    width = int(rows.max())
    cols = np.arange(width)
    valid = cols[None, :] < rows[:, None]
    pos = np.where(valid, starts[index][:, None] + cols[None, :], 0)
    ids = np.where(valid, flat[pos], pad_id) if len(flat) else np.full(pos.shape, pad_id)
    mask = None if valid.all() else valid.astype(np.int64)
    return Batch(index=index, input_ids=ids.astype(np.int64), attention_mask=mask)


def batches(
    encoder: Encoder, texts: list[str], *, batch_size: int, block_size: int
) -> Iterator[Batch]:
    """Padded batches covering ``texts``, tokenised ``block_size`` texts at a time."""
    for start in range(0, len(texts), block_size):
        flat, lengths = encoder.encode(texts[start : start + block_size])
        for index in plan(lengths, batch_size):
            b = pad(flat, lengths, index, encoder.pad_id)
            yield Batch(b.index + start, b.input_ids, b.attention_mask)


def prefetch(items: Iterable[Any], *, depth: int = 4) -> Iterator[Any]:
    """Produce ``items`` in a background thread, up to ``depth`` ahead of the consumer."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(("item", item))
            q.put(("done", None))
        except BaseException as exc:  # re-raised in the consumer's thread
            q.put(("error", exc))

    thread = threading.Thread(target=produce, name="biasprobe-batches", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.05)
