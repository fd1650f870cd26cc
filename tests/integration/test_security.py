"""What biasprobe does not trust: remote code, pickles, hostile strings, crafted names."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import biasprobe
from biasprobe import BiasprobeError, LexiconError, ModelError, TemplateError
from biasprobe.cli import main

# The hostile strings below are not sentences: the audit's grammar warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore:grammar:UserWarning")

# A corpus of classic injection payloads (OWASP XSS filter-evasion cheat sheet style).
# the hostile templates are not sentences: the audit's grammar warning is expected
pytestmark = pytest.mark.filterwarnings("ignore:grammar:UserWarning")

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<style>@import 'http://evil.example/x.css';</style>",
    "<link rel=stylesheet href=http://evil.example/x.css>",
    "<meta http-equiv=refresh content='0;url=http://evil.example'>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "<!--",
    "]]><script>alert(1)</script>",
    "<base href=http://evil.example/>",
]


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def hostile_set(root: Path) -> Path:
    rows = "\n".join(
        f'"{p.replace(chr(34), chr(34) * 2)}",FRA,Europe,46.6,2.2'
        if i == 0
        else f'"{p.replace(chr(34), chr(34) * 2)}",X{i:02d},Europe,46.6,2.2'
        for i, p in enumerate(PAYLOADS)
    )
    (root / "hostile.csv").write_text(
        f"# name: hostile\n# source: {PAYLOADS[0]} {PAYLOADS[1]}\n# licence: {PAYLOADS[14]}\n"
        f"value,iso3,region,lat,lon\n{rows}\n",
        encoding="utf-8",
    )
    texts = [p.replace("{", "{{").replace("}", "}}") + " in {country}." for p in PAYLOADS[:6]]
    templates = "\n".join(f"  - id: t{i}\n    text: {json.dumps(t)}" for i, t in enumerate(texts))
    (root / "hostile.yaml").write_text(
        f"name: hostile\ndescription: {json.dumps(PAYLOADS[2])}\nslots:\n"
        f"  country: {{lexicon: hostile.csv, neutral: a country}}\ntemplates:\n{templates}\n",
        encoding="utf-8",
    )
    return root / "hostile.yaml"


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    root = tmp_path_factory.mktemp("xss")
    fake = biasprobe.CallableScorer(
        lambda t: np.column_stack([np.linspace(0.1, 0.9, len(t)), np.linspace(0.9, 0.1, len(t))]),
        labels=["NEGATIVE", "POSITIVE"],
    )
    result = biasprobe.audit(
        hostile_set(root), model=fake, cache=None, progress=False, n_bootstrap=50
    )
    result.metadata["command"] = [
        "biasprobe",
        "audit",
        *PAYLOADS[:3],
        "```\n<script>alert(2)</script>",
    ]
    audit_dir = result.save(root / "audit")
    html = biasprobe.build_report([audit_dir], out=root / "r.html", title=PAYLOADS[9]).read_text()
    card = biasprobe.build_card([audit_dir], out=root / "BIAS.md").read_text()
    return html, card


@pytest.mark.slow  # one report and card of 20 payloads (maps drawn); the fast loop has the
# report's and card's hostile-string tests (tests/report)
def test_no_payload_becomes_markup(hostile_report: tuple[str, str]) -> None:
    html, _ = hostile_report
    parser = TagCollector()
    parser.feed(html)
    tags = [t for t, _ in parser.tags]
    assert tags.count("script") == 1  # the report's own table-sorting script
    assert tags.count("body") == 1
    for tag, attrs in parser.tags:
        forbidden = {"iframe", "input", "base", "link", "math", "object", "embed"}
        assert tag not in forbidden, (tag, attrs)
        if tag == "img":
            assert (dict(attrs).get("src") or "").startswith("data:image/"), attrs
        if tag == "meta":
            assert "refresh" not in str(attrs).lower(), attrs
        for key, value in attrs:
            assert not key.startswith("on"), (tag, key, value)
            assert "javascript:" not in (value or "").lower(), (tag, key, value)
            if key in ("src", "href"):
                assert not re.match(r"(?i)(https?:)?//", value or ""), (tag, key, value)


@pytest.mark.slow  # one report and card of 20 payloads (maps drawn); the fast loop has the
# report's and card's hostile-string tests (tests/report)
def test_payloads_are_shown_as_text(hostile_report: tuple[str, str]) -> None:
    import html as html_lib

    page, _ = hostile_report
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    for payload in PAYLOADS[:6]:
        assert payload in text


@pytest.mark.slow  # one report and card of 20 payloads (maps drawn); the fast loop has the
# report's and card's hostile-string tests (tests/report)
def test_model_card_escapes_payloads(hostile_report: tuple[str, str]) -> None:
    _, card = hostile_report
    fences = re.findall(r"^(`{3,}|~{3,})", card, flags=re.M)
    assert len(fences) % 2 == 0  # no payload opened or closed a code block
    prose = re.sub(r"^(`{3,}).*?^\1\s*$", "", card, flags=re.M | re.S)
    for payload in ("<script>", "<img", "<svg", "<iframe"):
        assert payload not in prose


def test_repr_html_escapes(tmp_path: Path) -> None:
    fake = biasprobe.CallableScorer(
        lambda t: [[0.5, 0.5]] * len(t), labels=["NEGATIVE", "POSITIVE"]
    )
    result = biasprobe.audit(
        hostile_set(tmp_path), model=fake, cache=None, progress=False, n_bootstrap=20
    )
    parser = TagCollector()
    parser.feed(result._repr_html_())
    assert {t for t, _ in parser.tags} <= {
        "div",
        "strong",
        "ul",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }


def make_model_dir(
    root: Path, stand_in: Path, *, config_patch: dict | None = None, pickle: bool = False
) -> Path:
    root.mkdir()
    for f in stand_in.iterdir():
        if f.name == "config.json" or (pickle and f.suffix == ".safetensors"):
            continue
        (root / f.name).symlink_to(f)
    cfg = json.loads((stand_in / "config.json").read_text())
    cfg.update(config_patch or {})
    (root / "config.json").write_text(json.dumps(cfg))
    if pickle:
        import torch
        from safetensors.torch import load_file

        torch.save(load_file(stand_in / "model.safetensors"), root / "pytorch_model.bin")
    return root


@pytest.mark.model
def test_remote_code_is_refused_without_the_flag(
    tmp_path: Path, stand_in_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = make_model_dir(
        tmp_path / "m",
        stand_in_model,
        config_patch={
            "model_type": "evilbert",
            "auto_map": {
                "AutoConfig": "configuration_evil.EvilConfig",
                "AutoModelForSequenceClassification": "modeling_evil.EvilModel",
            },
        },
    )
    marker = tmp_path / "ran"
    for name in ("configuration_evil.py", "modeling_evil.py"):
        (model / name).write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    code = main(
        [
            "audit",
            "country",
            "--model",
            str(model),
            "--out",
            str(tmp_path / "o"),
            "--no-cache",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "needs custom code from its repository" in err and "--trust-remote-code" in err
    assert not marker.exists()
    assert not (tmp_path / "o").exists()


@pytest.mark.model
def test_pickle_checkpoint_loads_with_a_warning(tmp_path: Path, stand_in_model: Path) -> None:
    model = make_model_dir(tmp_path / "m", stand_in_model, pickle=True)
    with pytest.warns(UserWarning, match=r"pytorch_model.bin: loading a pickle checkpoint"):
        scorer = biasprobe.load_scorer(str(model), device="cpu")
    reference = biasprobe.load_scorer(str(stand_in_model), device="cpu")
    texts = ["This film was filmed in France."]
    np.testing.assert_allclose(scorer(texts), reference(texts), atol=1e-6)


@pytest.mark.model
def test_corrupt_weights_are_a_model_error(tmp_path: Path, stand_in_model: Path) -> None:
    model = make_model_dir(tmp_path / "m", stand_in_model)
    (model / "model.safetensors").unlink()
    (model / "model.safetensors").write_bytes(
        (stand_in_model / "model.safetensors").read_bytes()[:5000]
    )
    scorer = biasprobe.load_scorer(str(model), device="cpu")  # reads config.json only
    with pytest.raises(ModelError, match=r"cannot load the model"):
        scorer(["The weights load on the first text to score."])


@pytest.mark.model
def test_wrong_task_head_is_a_model_error(tmp_path: Path, stand_in_model: Path) -> None:
    from safetensors.torch import load_file, save_file

    model = make_model_dir(tmp_path / "m", stand_in_model)
    weights = {
        k: v
        for k, v in load_file(stand_in_model / "model.safetensors").items()
        if not k.startswith("classifier")
    }
    (model / "model.safetensors").unlink()
    save_file(weights, model / "model.safetensors")
    scorer = biasprobe.load_scorer(str(model), device="cpu")  # reads config.json only
    with pytest.raises(ModelError, match=r"has no trained classification head"):
        scorer(["The weights load on the first text to score."])


@pytest.mark.parametrize(
    ("ref", "error"),
    [("holistic_bias:../../etc", BiasprobeError), ("../../../../etc/passwd", LexiconError)],
)
def test_crafted_lexicon_refs_do_not_escape(ref: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        biasprobe.load_lexicon(ref)


def test_crafted_slot_names_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("slots:\n  '../x': countries\ntemplates:\n  - {id: a, text: 'In {country}.'}\n")
    with pytest.raises(TemplateError, match="slot names are letters, digits and _"):
        biasprobe.load_template_set(path)


def test_card_image_names_stay_next_to_the_card(tmp_path: Path) -> None:
    fake = biasprobe.CallableScorer(
        lambda t: [[0.4, 0.6]] * len(t), labels=["NEGATIVE", "POSITIVE"]
    )
    audit_dir = biasprobe.audit(
        "country", model=fake, cache=None, progress=False, n_bootstrap=20
    ).save(tmp_path / "a")
    card = biasprobe.build_card([audit_dir], out=tmp_path / "out" / "../out/BIAS.md")
    written = {p.resolve().parent for p in (tmp_path / "out").iterdir()}
    assert written == {card.resolve().parent}
