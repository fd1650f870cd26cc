"""The bad-input matrix: every case exits 2 with one line naming the place, no traceback,
and no output file left behind looking complete.

Each case is (name, files to write, argv, expected message fragment). Files are written
into a fresh folder; ``{tmp}``, ``{model}``, ``{data}`` and ``{audit}`` in argv are filled in.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from biasprobe.cli import main

SET = "slots:\n  country: {lexicon: countries}\ntemplates:\n  - {id: a, text: 'In {country}.'}\n"
LEX_SET = "slots:\n  x: {lexicon: lex.csv}\ntemplates:\n  - {id: a, text: 'I met {x}.'}\n"
CROWS_HEAD = (
    ",sent_more,sent_less,stereo_antistereo,bias_type,annotations,anon_writer,anon_annotators\n"
)

# (name, files, argv, message)
CASES: list[tuple[str, dict[str, str | bytes], list[str], str]] = [
    # template sets
    (
        "yaml syntax",
        {"s.yaml": "slots: [oops\n"},
        ["audit", "{tmp}/s.yaml"],
        "s.yaml, line 2: malformed YAML",
    ),
    (
        "yaml not a mapping",
        {"s.yaml": "- a\n- b\n"},
        ["audit", "{tmp}/s.yaml"],
        "expected a mapping",
    ),
    (
        "unknown slot",
        {"s.yaml": SET.replace("{country}", "{contry}")},
        ["audit", "{tmp}/s.yaml"],
        "line 4: template 1 (a): unknown slot 'contry'; slots: country",
    ),
    (
        "slot without lexicon",
        {"s.yaml": SET.replace("{lexicon: countries}", "{neutral: x}")},
        ["audit", "{tmp}/s.yaml"],
        "slot 'country': has no lexicon",
    ),
    (
        "unmatched brace",
        {"s.yaml": SET.replace("In {country}.", "In {country}. }")},
        ["audit", "{tmp}/s.yaml"],
        "unmatched '}' at character",
    ),
    (
        "bad placeholder",
        {"s.yaml": SET.replace("{country}.", "{country name}.")},
        ["audit", "{tmp}/s.yaml"],
        "bad placeholder '{country name}'",
    ),
    (
        "empty template list",
        {"s.yaml": SET.split("templates:")[0] + "templates: []\n"},
        ["audit", "{tmp}/s.yaml"],
        "'templates' must be a non-empty list",
    ),
    (
        "no slots",
        {"s.yaml": "templates:\n  - {id: a, text: 'x'}\n"},
        ["audit", "{tmp}/s.yaml"],
        "'slots' must be a mapping",
    ),
    (
        "template without slot",
        {"s.yaml": SET.replace("In {country}.", "Hello.")},
        ["audit", "{tmp}/s.yaml"],
        "template 1 (a): has no slot",
    ),
    (
        "duplicate template ids",
        {"s.yaml": SET + "  - {id: a, text: 'To {country}.'}\n"},
        ["audit", "{tmp}/s.yaml"],
        "template 2 repeats id 'a' (first used by template 1)",
    ),
    ("unknown key", {"s.yaml": "nmae: x\n" + SET}, ["audit", "{tmp}/s.yaml"], "unknown key 'nmae'"),
    (
        "cartesian explosion",
        {"s.yaml": SET},
        ["audit", "{tmp}/s.yaml", "--max-probes", "10"],
        "expands to 197 probes, over the limit of 10",
    ),
    (
        "non-UTF-8 template",
        {"s.yaml": SET.replace("In", "Café in").encode("latin-1")},
        ["audit", "{tmp}/s.yaml"],
        "s.yaml, line 4: not valid UTF-8",
    ),
    ("template file missing", {}, ["audit", "{tmp}/nope.yaml"], "nope.yaml: file not found"),
    (
        "unknown shipped set",
        {},
        ["audit", "contry"],
        "unknown template set 'contry'; shipped sets:",
    ),
    (
        "where on unknown column",
        {
            "s.yaml": SET.replace(
                "{lexicon: countries}", "{lexicon: countries, where: {colour: [red]}}"
            )
        },
        ["audit", "{tmp}/s.yaml"],
        "'where' names unknown column 'colour'",
    ),
    (
        "where leaves nothing",
        {
            "s.yaml": SET.replace(
                "{lexicon: countries}", "{lexicon: countries, where: {region: [Atlantis]}}"
            )
        },
        ["audit", "{tmp}/s.yaml"],
        "no lexicon rows left",
    ),
    (
        "unknown field",
        {"s.yaml": SET.replace("{country}", "{country.flag}")},
        ["audit", "{tmp}/s.yaml"],
        "{country.flag} names no column of lexicon 'countries'",
    ),
    # lexicons
    (
        "lexicon missing value column",
        {"s.yaml": LEX_SET, "lex.csv": "name\nAmy\n"},
        ["audit", "{tmp}/s.yaml"],
        "lex.csv, line 1: missing required column 'value'",
    ),
    (
        "lexicon duplicate",
        {"s.yaml": LEX_SET, "lex.csv": "value\nAmy\nAmy\n"},
        ["audit", "{tmp}/s.yaml"],
        "lex.csv, line 3: duplicate value 'Amy'",
    ),
    (
        "lexicon empty value",
        {"s.yaml": LEX_SET, "lex.csv": "value,g\nAmy,f\n,m\n"},
        ["audit", "{tmp}/s.yaml"],
        "lex.csv, line 3: empty 'value'",
    ),
    (
        "lexicon no rows",
        {"s.yaml": LEX_SET, "lex.csv": "value\n"},
        ["audit", "{tmp}/s.yaml"],
        "lex.csv: lexicon has a header but no rows",
    ),
    (
        "lexicon bad article",
        {"s.yaml": LEX_SET, "lex.csv": "value,article\nowl,na\n"},
        ["audit", "{tmp}/s.yaml"],
        "lex.csv, line 2: article 'na' is not one of",
    ),
    (
        "lexicon malformed csv",
        {"s.yaml": LEX_SET, "lex.csv": 'value\n"Amy\n'},
        ["audit", "{tmp}/s.yaml"],
        "lex.csv: malformed CSV",
    ),
    (
        "lexicon not UTF-8",
        {"s.yaml": LEX_SET, "lex.csv": "value\nRenée\n".encode("latin-1")},
        ["audit", "{tmp}/s.yaml"],
        "lex.csv, line 2: not valid UTF-8",
    ),
    (
        "lexicon missing file",
        {"s.yaml": LEX_SET},
        ["audit", "{tmp}/s.yaml"],
        "lex.csv: file not found",
    ),
    # models
    ("model path missing", {}, ["audit", "country", "--model", "{tmp}/no-model"], "does not exist"),
    (
        "model folder without config",
        {"m/weights.txt": "x"},
        ["audit", "country", "--model", "{tmp}/m"],
        "m: no config.json",
    ),
    (
        "hub unreachable",
        {},
        ["audit", "country", "--model", "someone/not-cached"],
        "cannot reach the Hugging Face Hub for 'someone/not-cached'",
    ),
    (
        "unknown device",
        {},
        ["audit", "country", "--model", "{model}", "--device", "tpu"],
        "unknown device 'tpu'",
    ),
    (
        "bad score label",
        {},
        ["audit", "country", "--model", "{model}", "--score-label", "joy"],
        "score label 'joy' is not a label of the model; labels: NEGATIVE, POSITIVE",
    ),
    # datasets
    (
        "data dir missing",
        {},
        [
            "compare",
            "--benchmark",
            "crows-pairs",
            "--model",
            "{model}",
            "--data-dir",
            "{tmp}/nodata",
            "--no-utility",
        ],
        "nodata",
    ),
    (
        "crows wrong columns",
        {"d/crows_pairs/crows_pairs_anonymized.csv": "a,b\n1,2\n"},
        [
            "compare",
            "--benchmark",
            "crows-pairs",
            "--model",
            "{model}",
            "--data-dir",
            "{tmp}/d",
            "--no-utility",
        ],
        "crows_pairs_anonymized.csv",
    ),
    (
        "crows empty",
        {"d/crows_pairs/crows_pairs_anonymized.csv": CROWS_HEAD},
        [
            "compare",
            "--benchmark",
            "crows-pairs",
            "--model",
            "{model}",
            "--data-dir",
            "{tmp}/d",
            "--no-utility",
        ],
        "crows_pairs_anonymized.csv",
    ),
    (
        "winobias misaligned",
        {"WINOBIAS_SHORT": ""},
        [
            "compare",
            "--benchmark",
            "winobias",
            "--model",
            "{model}",
            "--data-dir",
            "{tmp}/d",
            "--no-utility",
        ],
        "anti_stereotyped_type1.txt.dev",
    ),
    # thresholds and configs
    ("threshold syntax", {}, ["check", "{audit}", "--check", "gap(country < 0.1"], "column"),
    (
        "threshold unknown metric",
        {},
        ["check", "{audit}", "--check", "gapp(country) < 0.1"],
        "gapp",
    ),
    ("threshold unknown slot", {}, ["check", "{audit}", "--check", "gap(contry) < 0.1"], "contry"),
    (
        "threshold bad number",
        {},
        ["check", "{audit}", "--check", "gap(country) < 0.1.2"],
        "expected the end of the check at column 19",
    ),
    (
        "config bad yaml",
        {"c.yaml": "checks: [oops\n"},
        ["check", "{audit}", "--config", "{tmp}/c.yaml"],
        "c.yaml",
    ),
    (
        "config unknown key",
        {"c.yaml": "chekcs: ['gap(country) < 0.1']\n"},
        ["check", "{audit}", "--config", "{tmp}/c.yaml"],
        "unknown key 'chekcs'",
    ),
    (
        "config checks not a list",
        {"c.yaml": "checks: 3\n"},
        ["check", "{audit}", "--config", "{tmp}/c.yaml"],
        "'checks' must be a list",
    ),
    ("no checks", {}, ["check", "{audit}"], "no checks"),
    (
        "baseline missing",
        {},
        [
            "check",
            "{audit}",
            "--check",
            "gap(country) <= baseline + 0.1",
            "--baseline",
            "{tmp}/none.json",
        ],
        "none.json",
    ),
    # CLI arguments and directories
    (
        "batch size zero",
        {},
        ["audit", "country", "--model", "{model}", "--batch-size", "0"],
        "batch size must be at least 1",
    ),
    (
        "cache and no-cache",
        {},
        ["audit", "country", "--model", "{model}", "--cache", "{tmp}/c.db", "--no-cache"],
        "--cache and --no-cache exclude each other",
    ),
    (
        "confidence out of range",
        {},
        ["audit", "country", "--model", "{model}", "--confidence", "95"],
        "confidence must be between 0 and 1",
    ),
    (
        "zero bootstrap resamples",
        {},
        ["audit", "country", "--model", "{model}", "--n-bootstrap", "0"],
        "n_bootstrap must be at least 1",
    ),
    (
        "check on a non-audit dir",
        {"empty/x.txt": ""},
        ["check", "{tmp}/empty", "--check", "flip_rate < 5%"],
        "empty",
    ),
    (
        "map on a non-audit dir",
        {"empty/x.txt": ""},
        ["map", "{tmp}/empty", "--out", "{tmp}/o/m.png"],
        "empty",
    ),
    (
        "report on a missing dir",
        {},
        ["report", "{tmp}/missing", "--out", "{tmp}/o/r.html"],
        "missing",
    ),
    ("card on a missing dir", {}, ["card", "{tmp}/missing", "--out", "{tmp}/o/c.md"], "missing"),
    ("map without ISO column", {}, ["map", "{names_audit}", "--out", "{tmp}/o/m.png"], "name"),
    (
        "reference corpus missing",
        {},
        ["audit", "country", "--model", "{model}", "--reference-corpus", "{tmp}/nope"],
        "nope: no reference corpus there",
    ),
    (
        "reference corpus without label",
        {"c.csv": "text,stars\ngood,5\n"},
        ["audit", "country", "--model", "{model}", "--reference-corpus", "{tmp}/c.csv"],
        "needs a 'label' column",
    ),
]

NEEDS_OUT = {"audit", "compare"}
OUTPUTS = (
    "probes.parquet",
    "groups.csv",
    "audit.json",
    "pairs.parquet",
    "summary.csv",
    "compare.json",
    "m.png",
    "r.html",
    "c.md",
)


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two small audit directories scored by a fake model (fast)."""
    import biasprobe

    base = tmp_path_factory.mktemp("audits")
    fake = biasprobe.CallableScorer(
        lambda t: [[0.3, 0.7]] * len(t), labels=["NEGATIVE", "POSITIVE"]
    )
    out = {}
    for name, tset in (("country", "country"), ("names", "names_gender")):
        biasprobe.audit(tset, model=fake, cache=None, progress=False, n_bootstrap=100).save(
            base / name
        )  # constant scores: the resample count does not matter here
        out[name] = base / name
    return out


def write_files(root: Path, files: dict[str, str | bytes], datasets: Path) -> None:
    for rel, content in files.items():
        if rel == "WINOBIAS_SHORT":
            src, dst = datasets / "winobias", root / "d" / "winobias"
            shutil.copytree(src, dst)
            path = dst / "anti_stereotyped_type1.txt.dev"
            path.write_text("".join(path.read_text().splitlines(keepends=True)[:-5]))
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize(("name", "files", "argv", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(
    name: str,
    files: dict[str, str | bytes],
    argv: list[str],
    message: str,
    tmp_path: Path,
    stand_in_model: Path,
    datasets_dir: Path,
    audits: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_files(tmp_path, files, datasets_dir)
    fill = {
        "tmp": str(tmp_path),
        "model": str(stand_in_model),
        "data": str(datasets_dir),
        "audit": str(audits["country"]),
        "names_audit": str(audits["names"]),
    }
    args = [a.format(**fill) if "{" in a and a.startswith("{") else a for a in argv]
    if args[0] in NEEDS_OUT:
        args += ["--out", str(tmp_path / "o"), "--no-progress"]
    if args[0] == "audit" and "--cache" not in args and "--no-cache" not in args:
        args.append("--no-cache")
    code = main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    lines = [line for line in lines if ": warning: " not in line]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"biasprobe {args[0]}: error: ") or lines[0].startswith(
        "biasprobe"
    ), err
    assert message in lines[0], err
    assert "Traceback" not in err
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name in OUTPUTS]
    assert leftovers == []


def test_matrix_size() -> None:
    assert len(CASES) >= 40


def test_lexicon_validation_names_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lex = tmp_path / "lex.csv"
    lex.write_text("# name: x\n# source: s\n# licence: l\nvalue,iso3\nFrance,FR\n")
    assert main(["validate", str(lex)]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert f"{lex}: row 1, column 'iso3'" in text and "'FR' is not an ISO 3166-1 code" in text
    assert "Traceback" not in text


def test_cli_warnings_are_one_line(
    tmp_path: Path, datasets_dir: Path, stand_in_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A short WinoBias file warns once, on one line, and the misalignment is the error."""
    write_files(tmp_path, {"WINOBIAS_SHORT": ""}, datasets_dir)
    code = main(
        [
            "compare",
            "--benchmark",
            "winobias",
            "--model",
            str(stand_in_model),
            "--data-dir",
            str(tmp_path / "d"),
            "--no-utility",
            "--out",
            str(tmp_path / "o"),
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert any(
        line.startswith("biasprobe compare: warning: ") and "391 rows" in line for line in err
    )
    assert err[-1].startswith("biasprobe compare: error: ")


def test_bom_and_crlf_templates_are_accepted(tmp_path: Path, audits: dict[str, Path]) -> None:
    (tmp_path / "s.yaml").write_bytes(b"\xef\xbb\xbf" + SET.replace("\n", "\r\n").encode())
    import biasprobe

    fake = biasprobe.CallableScorer(
        lambda t: [[0.5, 0.5]] * len(t), labels=["NEGATIVE", "POSITIVE"]
    )
    result = biasprobe.audit(tmp_path / "s.yaml", model=fake, cache=None, progress=False)
    assert result.probes["text"].iloc[0] == "In Afghanistan."
    assert "\r" not in "".join(result.probes["text"])
