"""The independent reference: a model called straight through transformers (no biasprobe code)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def direct_probabilities(model_dir: Path, texts: list[str], *, batch_size: int = 1) -> np.ndarray:
    """Softmax of the logits, per text (``batch_size=1``) or in padded batches."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            enc = tokenizer(
                batch, padding=True, truncation=True, max_length=512, return_tensors="pt"
            )
            out.append(torch.softmax(model(**enc).logits, dim=-1).numpy())
    return np.concatenate(out).astype(np.float64)
