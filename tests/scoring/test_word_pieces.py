"""Word pieces come from the model's own tokenizer, read without loading transformers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from biasprobe.scoring._tokens import word_pieces

VALUES = ["Niger", "Saint Vincent and the Grenadines", "DeShawn", "Lakisha", "Côte d'Ivoire"]


@pytest.mark.parametrize("value", VALUES)
def test_rust_tokenizer_matches_transformers(stand_in_model: Path, value: str) -> None:
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(stand_in_model)
    pieces = word_pieces(stand_in_model)
    assert pieces.tokenize(value) == reference.tokenize(value)
    assert pieces.unk_token == reference.unk_token


def test_word_pieces_of_a_local_model_import_no_torch(stand_in_model: Path) -> None:
    code = (
        "import sys; from biasprobe.scoring._tokens import word_pieces; "
        f"print(word_pieces({str(stand_in_model)!r}).tokenize('Lakisha'), "
        "'torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['la', '##kis', '##ha'] False False"
