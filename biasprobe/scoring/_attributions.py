"""Integrated gradients of a transformers classifier's score, per word piece (captum).

Attributions are taken on the input embeddings (captum ``LayerIntegratedGradients``),
from a baseline that keeps ``[CLS]``/``[SEP]`` and replaces every other piece by
``[PAD]``, for the scorer's ``score_label`` probability. Their sum equals the score of
the text minus the score of the baseline, up to ``delta`` (captum's convergence delta).
Needs ``pip install biasprobe[explain]``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from biasprobe._errors import ModelError, UsageError

COLUMNS = ["text_id", "text", "token_index", "token", "attribution", "score", "delta"]


def integrated_gradients(scorer: Any, texts: list[str], *, n_steps: int = 200) -> pd.DataFrame:
    """Integrated-gradients attribution of each word piece of each text.

    Parameters
    ----------
    scorer
        A transformers scorer (``load_scorer`` on a Hub id or model folder).
    texts
        The texts to explain.
    n_steps
        Steps of the path integral (captum's ``n_steps``).

    Returns
    -------
    pandas.DataFrame
        Columns text_id, text, token_index, token (special tokens included), attribution,
        score (of the text), delta (captum's convergence delta of the text).
    """
    model, tokenizer = _parts(scorer)
    try:
        from captum.attr import LayerIntegratedGradients
    except ImportError:
        raise UsageError(
            "integrated gradients need captum: pip install biasprobe[explain]"
        ) from None
    import torch

    target = scorer.labels.index(scorer.score_label)

    def forward(ids: Any, mask: Any) -> Any:
        return torch.softmax(model(input_ids=ids, attention_mask=mask).logits.float(), -1)[
            :, target
        ]

    lig = LayerIntegratedGradients(forward, model.get_input_embeddings())
    rows = []
    for i, text in enumerate(texts):
        enc = tokenizer(text, return_tensors="pt")
        ids, mask = enc["input_ids"], enc["attention_mask"]
        special = torch.tensor(
            tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True)
        )
        base = torch.where(special.bool(), ids[0], tokenizer.pad_token_id).unsqueeze(0)
        attr, delta = lig.attribute(
            ids,
            baselines=base,
            additional_forward_args=(mask,),
            n_steps=n_steps,
            return_convergence_delta=True,
        )
        per_piece = attr.sum(dim=-1)[0].detach().tolist()
        with torch.inference_mode():
            prob = float(forward(ids, mask)[0])
        for j, (tok, a) in enumerate(
            zip(tokenizer.convert_ids_to_tokens(ids[0]), per_piece, strict=True)
        ):
            rows.append([i, text, j, tok, float(a), prob, float(delta[0])])
    return pd.DataFrame(rows, columns=COLUMNS)


def _parts(scorer: Any) -> tuple[Any, Any]:
    parts = getattr(scorer, "model_parts", None)
    if not callable(parts):
        raise ModelError(
            "integrated gradients need a transformers model (a Hub id or model folder); "
            "for a callable scorer use occlusion (biasprobe.scrutiny._explain.occlusion)"
        )
    model, tokenizer = parts()
    return model, tokenizer
