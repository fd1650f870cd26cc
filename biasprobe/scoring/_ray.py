"""The Ray Data engine: score chunks of texts on an actor pool that holds the model.

The driver keeps the cache semantics of the local engine: it deduplicates, looks texts up
in the cache, orders what is missing by length and cuts it into the same chunks, and
commits each scored chunk as it comes back. Each chunk becomes one Ray Data block and one
batch of ``map_batches``, so every actor scores exactly the chunks the local engine would
score, with the same code: the scores are identical. An actor receives the scorer
pickled; a transformers scorer pickles as its recipe and loads the model on the worker
(a local model folder must exist at the same path there; a Hub id is downloaded).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._errors import UsageError
from biasprobe.scoring._scorer import Scorer

FAST_CHECK_N = 128


class ScoreActor:
    """One model replica in the actor pool: ``pandas batch of texts -> probabilities``."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        texts = [str(t) for t in batch["text"].tolist()]
        probs = np.asarray(self.scorer(texts), dtype=np.float64)
        out = pd.DataFrame({f"p{j}": probs[:, j] for j in range(probs.shape[1])})
        out.insert(0, "text", texts)
        return out


def ray_chunks(
    chunks: list[list[str]],
    scorer: Scorer,
    *,
    address: str | None = None,
    num_actors: int | None = None,
    cpus_per_actor: float = 1,
) -> Iterator[tuple[list[str], np.ndarray]]:
    """``(chunk, probabilities)`` for each chunk, as the actor pool finishes them.

    Connects to ``address`` (``ray://HOST:PORT``), else to ``$RAY_ADDRESS`` or an already
    initialised Ray, else starts a local Ray instance. ``num_actors`` defaults to one per
    GPU of the cluster (when the scorer may use a GPU), else one per ``cpus_per_actor``
    CPUs.
    """
    if not chunks:
        return
    if not scorer.labels:  # a callable learns its labels on its first call: make it here
        yield chunks[0], np.asarray(scorer(chunks[0]), dtype=np.float64)
        chunks = chunks[1:]
    measure = getattr(scorer, "measure_deviation", None)
    if measure is not None:
        measure(chunks[0][:FAST_CHECK_N] if chunks else [])
    if chunks:
        yield from _run(chunks, scorer, address, num_actors, cpus_per_actor)


def _run(
    chunks: list[list[str]],
    scorer: Scorer,
    address: str | None,
    num_actors: int | None,
    cpus_per_actor: float,
) -> Iterator[tuple[list[str], np.ndarray]]:
    ray = _connect(address)
    size, gpus = _pool(ray, scorer, num_actors, cpus_per_actor)
    size = min(size, len(chunks))  # an actor without a chunk would only load the model
    blocks = ray.data.from_pandas([pd.DataFrame({"text": c}) for c in chunks])
    scored = blocks.map_batches(
        ScoreActor,
        fn_constructor_kwargs={"scorer": scorer},
        batch_size=None,  # one block (= one chunk) per call, as in the local engine
        batch_format="pandas",
        compute=ray.data.ActorPoolStrategy(size=size),
        num_cpus=cpus_per_actor,
        num_gpus=gpus,
    )
    cols = [f"p{j}" for j in range(len(scorer.labels))]
    for batch in scored.iter_batches(batch_size=None, batch_format="pandas"):
        yield [str(t) for t in batch["text"].tolist()], batch[cols].to_numpy(np.float64)


def _connect(address: str | None) -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise UsageError("the Ray engine needs Ray Data: pip install 'biasprobe[ray]'") from None
    # Ray Data reads its own deprecated settings when it copies its context
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ray\.")
    if ray.is_initialized():
        return ray
    if address is None and not os.environ.get("RAY_ADDRESS"):
        ray.init(include_dashboard=False, logging_level=logging.WARNING)
    else:
        ray.init(address=address, logging_level=logging.WARNING)
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # no per-dataset progress logs
    return ray


def _pool(
    ray: Any, scorer: Scorer, num_actors: int | None, cpus_per_actor: float
) -> tuple[int, float]:
    """``(number of actors, GPUs per actor)`` for this cluster and scorer."""
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    wants_gpu = str(getattr(scorer, "device_request", "cpu")).split(":")[0] in ("auto", "cuda")
    if num_actors is not None and num_actors < 1:
        raise UsageError(f"num_actors must be at least 1, got {num_actors}")
    if gpus and wants_gpu:
        return num_actors or gpus, 1.0
    cpus = float(resources.get("CPU", 1))
    return num_actors or max(1, int(cpus // cpus_per_actor)), 0.0
