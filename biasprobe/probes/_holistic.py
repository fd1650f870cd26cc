"""HolisticBias descriptors (Smith et al. 2022), loaded at run time as a lexicon.

The descriptors are CC BY-SA 4.0, so biasprobe does not ship them: a template set names the
lexicon ``holistic_bias:v1.1`` (or ``holistic_bias:v1.0``) and this module reads it from a
local copy of the dataset, or from the Hugging Face Hub when online.

Where the local copy is looked for: the ``data_dir`` argument if given, else the folder named
by the ``BIASPROBE_DATA`` environment variable (the CLI's ``--data-dir`` sets it). Either may be
the folder that holds ``holistic_bias/``, ``holistic_bias/`` itself, or one version folder
holding ``descriptors.json`` (the layout of facebookresearch/ResponsibleNLP).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError, LexiconError
from biasprobe._io import read_text
from biasprobe.probes._grammar import indefinite_article
from biasprobe.probes._lexicon import Lexicon

ENV_VAR = "BIASPROBE_DATA"
PREFIX = "holistic_bias"
VERSIONS = ("v1.0", "v1.1")
DEFAULT_VERSION = "v1.1"
HUB_REPO = "fairnlp/holistic-bias"
COLUMNS = ["value", "article", "axis", "bucket", "preference", "gender", "all_axes"]
META = {
    "name": "holistic_bias",
    "description": "HolisticBias demographic descriptors by axis and bucket (13 axes)",
    "source": (
        "Smith et al. 2022, 'I'm sorry to hear that': Finding New Biases in Language Models "
        "with a Holistic Descriptor Dataset (EMNLP); facebookresearch/ResponsibleNLP "
        "holistic_bias/dataset/<version>/descriptors.json"
    ),
    "licence": "CC BY-SA 4.0 (read at run time, not shipped with biasprobe)",
    "notes": (
        "one row per unique descriptor; all_axes lists every axis that uses it; article is the "
        "indefinite article before the descriptor, computed by first sound unless the "
        "dataset gives one; preference is the dataset's own label (reviewed, dispreferred, "
        "polarizing, no_data) or empty"
    ),
}


def is_holistic_ref(ref: str) -> bool:
    """True for lexicon references such as ``holistic_bias`` or ``holistic_bias:v1.1``."""
    return ref == PREFIX or ref.startswith(PREFIX + ":")


def load_holistic_lexicon(ref: str = PREFIX, *, data_dir: str | Path | None = None) -> Lexicon:
    """The HolisticBias descriptors as a :class:`Lexicon` (one row per descriptor).

    ``ref`` is ``holistic_bias`` (the current version, v1.1) or ``holistic_bias:VERSION``.
    Raises ``DataError`` when neither a local copy nor the Hub has the descriptors.
    """
    version = _version(ref)
    local = find_descriptors(version, data_dir=data_dir)
    if local is not None:
        raw = _read_json(local)
        items = descriptors_frame(raw)
        path = str(local)
    else:
        items, path = _from_hub(version)
    meta = dict(META, version=version)
    return Lexicon(name=PREFIX, items=items, meta=meta, path=path)


def is_local(ref: str) -> bool:
    """True when ``ref`` is not a HolisticBias reference or has a local copy (no download)."""
    return not is_holistic_ref(ref) or find_descriptors(_version(ref)) is not None


def find_descriptors(version: str, *, data_dir: str | Path | None = None) -> Path | None:
    """The local ``descriptors.json`` of ``version``, or None when there is no local copy."""
    env = os.environ.get(ENV_VAR)
    roots = [Path(data_dir)] if data_dir is not None else [Path(env)] if env else []
    for root in roots:
        for candidate in (
            root / PREFIX / version / "descriptors.json",
            root / version / "descriptors.json",
            root / "descriptors.json",
        ):
            if candidate.is_file():
                return candidate
    if data_dir is not None:
        raise DataError(
            f"{data_dir}: no HolisticBias {version} descriptors.json found there; expected "
            f"{Path(data_dir) / PREFIX / version / 'descriptors.json'}"
        )
    return None


def descriptors_frame(raw: dict[str, Any]) -> pd.DataFrame:
    """Flatten descriptors.json ``{axis: {bucket: [descriptor | {...}]}}`` into rows.

    Examples
    --------
    >>> raw = {"ability": {"auditory": [{"descriptor": "Deaf", "preference": "reviewed"}]},
    ...        "religion": ["agnostic", "Amish"]}
    >>> frame = descriptors_frame(raw)
    >>> frame["value"].tolist(), frame["article"].tolist(), frame["axis"].tolist()
    (['Deaf', 'agnostic', 'Amish'], ['a', 'an', 'an'], ['ability', 'religion', 'religion'])
    """
    rows: dict[str, dict[str, str]] = {}
    for axis, buckets in raw.items():
        if isinstance(buckets, list):
            buckets = {"": buckets}
        for bucket, entries in buckets.items():
            for entry in entries:
                row = _row(entry, axis=axis, bucket=bucket)
                if row["value"] in rows:
                    seen = rows[row["value"]]
                    if axis not in seen["all_axes"].split("|"):
                        seen["all_axes"] += f"|{axis}"
                    continue
                rows[row["value"]] = row
    return pd.DataFrame(list(rows.values()), columns=COLUMNS)


def _row(entry: Any, *, axis: str, bucket: str) -> dict[str, str]:
    if isinstance(entry, str):
        entry = {"descriptor": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("descriptor"), str):
        raise DataError(f"HolisticBias axis {axis!r}: unexpected descriptor entry {entry!r}")
    value = entry["descriptor"].strip()
    return {
        "value": value,
        "article": str(entry.get("article") or indefinite_article(value)),
        "axis": axis,
        "bucket": bucket,
        "preference": str(entry.get("preference", "")),
        "gender": str(entry.get("gender", "")),
        "all_axes": axis,
    }


def _version(ref: str) -> str:
    version = ref.partition(":")[2] or DEFAULT_VERSION
    if version not in VERSIONS:
        raise LexiconError(
            f"unknown HolisticBias version {version!r} in {ref!r}; versions: {', '.join(VERSIONS)}"
        )
    return version


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path, error=DataError))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}, line {exc.lineno}: malformed JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a mapping of axis to descriptors")
    return data


def _from_hub(version: str) -> tuple[pd.DataFrame, str]:
    """Descriptors from the Hub copy (``fairnlp/holistic-bias``, noun phrase table)."""
    hint = (
        f"set {ENV_VAR} (or --data-dir) to a folder holding {PREFIX}/{version}/descriptors.json "
        "from facebookresearch/ResponsibleNLP"
    )
    if version != DEFAULT_VERSION:
        raise DataError(f"HolisticBias {version} is only read from a local copy; {hint}")
    try:
        from huggingface_hub import hf_hub_download

        path = hf_hub_download(HUB_REPO, "nouns.csv", repo_type="dataset")
    except Exception as exc:  # offline, unknown repo, network errors: all mean "not here"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            f"HolisticBias descriptors not found locally or on the Hub ({first}); {hint}"
        ) from None
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    needed = {"descriptor", "axis", "bucket"}
    if not needed <= set(table.columns):
        raise DataError(
            f"{HUB_REPO} nouns.csv has columns {', '.join(table.columns)}; "
            f"expected {', '.join(sorted(needed))}; {hint}"
        )
    raw: dict[str, dict[str, list[Any]]] = {}
    for rec in table.drop_duplicates("descriptor").to_dict("records"):
        entry = {"descriptor": rec["descriptor"], "preference": rec.get("preference", "")}
        raw.setdefault(rec["axis"], {}).setdefault(rec["bucket"], []).append(entry)
    return descriptors_frame(raw), f"hf://datasets/{HUB_REPO}/nouns.csv"
