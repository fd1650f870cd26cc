"""An unreachable Hub fails fast, in one line, with the hint of the entry point used."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
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


class CountingEndpoint:
    """A Hub endpoint that accepts connections and hangs up at once, counting them."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def test_cli_fails_at_once_with_one_line(tmp_path: Path) -> None:
    # "At once" is measured by what the command does, not by a clock: one connection to
    # the Hub, no retry storm (the old path retried for 25-30 s).
    endpoint = CountingEndpoint()
    proc = subprocess.run(
        [sys.executable, "-m", "biasprobe.cli", "audit", "country", "--out", "o"],
        cwd=tmp_path,
        env=online_env(tmp_path) | {"HF_ENDPOINT": endpoint.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    endpoint.server.close()
    assert endpoint.connections == 1
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("biasprobe audit: error: cannot reach the Hugging Face Hub")
    assert lines[0].endswith("then pass --model DIR")
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
