"""Read a corpus or a pair table: CSV, TSV, Parquet, JSONL, a folder of them, or a
``datasets`` id.

A path that exists is read as a file (by its suffix) or a folder (every table file in
it, in name order, stacked). Anything else is a Hugging Face ``datasets`` reference
``ID[:CONFIG][:SPLIT]`` (``nyu-mll/glue:sst2:validation``); offline that fails with an
error that says to give a local file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from biasprobe._errors import DataError

SUFFIXES = (".csv", ".tsv", ".parquet", ".jsonl", ".json")


def read_table(source: str | Path) -> pd.DataFrame:
    """The rows of ``source`` (file, folder or ``datasets`` id) as one DataFrame.

    Examples
    --------
    >>> read_table("examples/reviews.csv").columns.tolist()
    ['text', 'label']
    """
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
        if not files:
            raise DataError(f"{path}: no {', '.join(SUFFIXES)} file in this folder")
        return pd.concat([_read_file(p) for p in files], ignore_index=True)
    if path.is_file():
        return _read_file(path)
    if path.suffix.lower() in SUFFIXES:
        raise DataError(f"{path}: file not found")
    return _read_hub(str(source))


def read_corpus(
    source: str | Path,
    *,
    text_column: str = "text",
    label_column: str | None = None,
    id_column: str | None = None,
) -> pd.DataFrame:
    """A corpus as ``source_id``, ``text`` (and ``label`` when ``label_column`` is given)."""
    raw = read_table(source)
    need = [c for c in (text_column, label_column, id_column) if c is not None]
    require_columns(raw, need, source=str(source), flag="--text-column / --label-column")
    ids = raw[id_column] if id_column else pd.RangeIndex(len(raw))
    out = pd.DataFrame({"source_id": list(ids), "text": raw[text_column].astype(str).to_numpy()})
    if out["source_id"].duplicated().any():
        dup = out.loc[out["source_id"].duplicated(), "source_id"].iloc[0]
        raise DataError(f"{source}: id column {id_column!r} repeats {dup!r}; ids must be unique")
    if label_column is not None:
        labels = pd.to_numeric(raw[label_column], errors="coerce")
        bad = ~labels.isin([0, 1])
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise DataError(
                f"{source}: row {row + 1} has {label_column}={raw[label_column].iloc[row]!r}; "
                "labels must be 0 or 1 (1 = the scored label)"
            )
        out["label"] = labels.astype(int).to_numpy()
    return out


def require_columns(frame: pd.DataFrame, columns: list[str], *, source: str, flag: str) -> None:
    """A ``DataError`` naming the first missing column, the columns found and the flag."""
    for col in columns:
        if col not in frame.columns:
            found = ", ".join(map(str, frame.columns)) or "(none)"
            raise DataError(f"{source}: no column {col!r}; columns: {found}; set it with {flag}")


def _read_file(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".json"):
            frame = pd.read_json(path, lines=suffix == ".jsonl", dtype=False)
        else:
            sep = "\t" if suffix == ".tsv" else ","
            quoting = csv.QUOTE_NONE if suffix == ".tsv" else csv.QUOTE_MINIMAL
            frame = pd.read_csv(
                path,
                sep=sep,
                quoting=quoting,
                dtype=str,
                keep_default_na=False,  # type: ignore[call-overload]
            )
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: file is empty; expected a header and rows") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: cannot read as {suffix[1:]} ({first})") from None
    if frame.empty:
        raise DataError(f"{path}: no rows (only a header?)")
    return frame


def _read_hub(ref: str) -> pd.DataFrame:
    name, config, split = [*ref.split(":"), None, None][:3]
    try:
        import datasets

        data = datasets.load_dataset(name, config, split=split or "train")
    except Exception as exc:  # datasets raises many kinds; all mean "cannot load"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            f"{ref}: not a local file or folder, and not loadable as a datasets id "
            f"ID[:CONFIG][:SPLIT] ({first}); offline, give a CSV/TSV/Parquet/JSONL path"
        ) from None
    frame = data.to_pandas()
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise DataError(f"{ref}: the dataset split has no rows")
    return frame
