"""Resume: kill -9 an audit in the middle, restart it, and nothing scored is lost or redone.

The audit runs in a subprocess with a counting scorer that appends every text it has
finished scoring to a log (fsync'd before it returns). On its third call the scorer
blocks; the test kills the process with SIGKILL at that point, then runs the same audit
again to completion and reads the log of both runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from biasprobe import ScoreCache, expand, load_audit, load_template_set

SCRIPT = """
import os, sys, time, zlib
from pathlib import Path
import numpy as np
import biasprobe
import biasprobe.audits._stream

log, cache, templates, out, block_on, streaming = sys.argv[1:7]
biasprobe.audits._stream.STREAM_CHUNK = 1000  # several stream chunks in a small audit


class Counting:
    labels = ["NEGATIVE", "POSITIVE"]
    score_label = "POSITIVE"
    fingerprint = "counting-resume-v1"
    info = {"model": "counting"}

    def __init__(self):
        self.calls = 0

    def __call__(self, texts):
        self.calls += 1
        if self.calls == int(block_on):
            Path(log + ".blocked").write_text(str(os.getpid()))
            time.sleep(600)
        pos = np.array([(zlib.crc32(t.encode()) % 1000) / 1000 for t in texts])
        with open(log, "a", encoding="utf-8") as fh:
            fh.write("".join(t + "\\n" for t in texts))
            fh.flush()
            os.fsync(fh.fileno())
        return np.column_stack([1 - pos, pos])


result = biasprobe.audit(
    templates, model=Counting(), cache=cache, progress=False,
    streaming=streaming == "1", n_bootstrap=100,
)
result.save(out)
"""
TEMPLATES = "\n".join(
    f'  - {{id: t{i}, text: "Sentence {i} is about {{country}}."}}' for i in range(30)
)
FINGERPRINT = "counting-resume-v1"


def expected_score(text: str) -> float:
    return (zlib.crc32(text.encode()) % 1000) / 1000


def run_until_blocked(cmd: list[str], marker: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"audit ended before it was killed: {proc.communicate()[1][-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("audit never reached its third scorer call")
        time.sleep(0.05)
    return proc


@pytest.mark.slow
@pytest.mark.parametrize(("streaming", "first_run"), [("1", 2000), ("0", 4096)])
def test_kill_9_then_restart_loses_and_redoes_nothing(
    tmp_path: Path, streaming: str, first_run: int
) -> None:
    (tmp_path / "set.yaml").write_text(
        f"name: resume\nslots:\n  country: {{lexicon: countries, neutral: a country}}\n"
        f"templates:\n{TEMPLATES}\n"
    )
    script, log, cache = tmp_path / "run.py", tmp_path / "scored.log", tmp_path / "c.sqlite"
    script.write_text(SCRIPT)
    base = [sys.executable, str(script), str(log), str(cache), str(tmp_path / "set.yaml")]
    marker = Path(f"{log}.blocked")

    proc = run_until_blocked([*base, str(tmp_path / "out"), "3", streaming], marker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    before = log.read_text(encoding="utf-8").splitlines()
    assert len(before) == first_run  # two chunks finished before the kill
    with ScoreCache(cache) as store:  # ... and both are in the cache: nothing lost
        assert store.count(FINGERPRINT) == len(before)
        assert set(store.get_many(FINGERPRINT, before)) == set(before)

    done = subprocess.run(
        [*base, str(tmp_path / "out"), "0", streaming], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    scored = log.read_text(encoding="utf-8").splitlines()
    texts = expand(load_template_set(tmp_path / "set.yaml"))["text"].tolist()
    assert len(scored) == len(set(scored))  # nothing scored twice
    assert sorted(scored) == sorted(set(texts))  # everything scored once, across both runs
    probes = load_audit(tmp_path / "out").probes
    assert len(probes) == len(texts) > 5000
    np.testing.assert_allclose(probes["score"], [expected_score(t) for t in probes["text"]])
