"""An unreachable Hub fails fast, in one line, with the hint of the entry point used."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from biasprobe._errors import HubUnreachableError
from biasprobe.scoring import _model_files

REPO = Path(__file__).resolve().parents[2]
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, connections refused


def online_env(tmp_path: Path) -> dict[str, str]:
    """No offline switches, an empty Hub cache, and a Hub endpoint that does not answer."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_OFFLINE")}
    return env | {
        "HF_ENDPOINT": UNREACHABLE,
        "HF_HOME": str(tmp_path / "hf"),
        "PYTHONPATH": str(REPO),
        "BIASPROBE_CACHE": str(tmp_path / "scores.sqlite"),
    }


def test_cli_fails_within_seconds_with_one_line(tmp_path: Path) -> None:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "biasprobe.cli", "audit", "country", "--out", "o"],
        cwd=tmp_path,
        env=online_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.perf_counter() - started
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("biasprobe audit: error: cannot reach the Hugging Face Hub")
    assert lines[0].endswith("then pass --model DIR")
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert not (tmp_path / "o").exists()


def test_offline_mode_asks_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(_model_files, "_hub_answers", lambda: pytest.fail("probed the network"))
    with pytest.raises(HubUnreachableError, match="someone/not-cached"):
        _model_files.check_hub("someone/not-cached", revision=None)


def test_unreachable_hub_is_probed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    probes: list[int] = []
    monkeypatch.setattr(_model_files, "_hub_answers", lambda: probes.append(1) or False)
    with pytest.raises(HubUnreachableError):
        _model_files.check_hub("someone/not-cached", revision=None)
    assert probes == [1]


def test_plugin_hint_names_the_plugin_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_gap(biasprobe_audit):
            assert biasprobe_audit.gap("country") < 0.1
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--biasprobe-model", "someone/not-cached")
    result.assert_outcomes(errors=1)  # a usage problem: the fixture errors, in one line
    text = result.stdout.str()
    assert "cannot reach the Hugging Face Hub for 'someone/not-cached'" in text
    assert "then pass --biasprobe-model DIR" in text
    assert "then pass --model DIR" not in text
