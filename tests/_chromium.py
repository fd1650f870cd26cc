"""A minimal headless-Chromium driver over the DevTools protocol (websocket-client).

Used by the report browser tests, and runnable to save a screenshot of a report:
``python tests/_chromium.py REPORT.html SCREENSHOT.png``.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)
INSTALL_HINT = "apt-get install -y chromium"


def find_chromium() -> str | None:
    """The path of a Chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """One headless Chromium with one page; collects every event it reports."""

    def __init__(self, profile: Path, *, width: int = 1280, height: int = 900) -> None:
        import websocket

        binary = find_chromium()
        if binary is None:
            raise RuntimeError(f"chromium not found; install it with: {INSTALL_HINT}")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = _wait_for_port(profile / "DevToolsActivePort", self.proc)
        url = _page_socket(port)
        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.events: list[dict[str, Any]] = []
        self._id = 0
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result (events are kept in ``events``)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))
            self.events.append(msg)

    def wait_for(self, event: str, *, timeout: float = 30) -> dict[str, Any]:
        """Read events until ``event`` arrives."""
        deadline = time.monotonic() + timeout
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == event:
                return msg
        raise TimeoutError(f"no {event} within {timeout} s")

    def drain(self, seconds: float) -> None:
        """Keep collecting events for ``seconds`` (late errors, late requests)."""
        import websocket

        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break

    def open(self, path: Path) -> None:
        """Navigate to a local file and wait until it has loaded."""
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.drain(0.5)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} raised {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """Save the viewport as PNG."""
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def named(self, method: str) -> list[dict[str, Any]]:
        return [e["params"] for e in self.events if e.get("method") == method]

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, failed loads and dialogs (alert, ...)."""
        out = [
            f"log error: {p['entry'].get('text')}"
            for p in self.named("Log.entryAdded")
            if p["entry"]["level"] == "error"
        ]
        out += [
            f"console {p['type']}: {p.get('args')}"
            for p in self.named("Runtime.consoleAPICalled")
            if p["type"] in ("error", "assert")
        ]
        thrown = self.named("Runtime.exceptionThrown")
        out += [f"exception: {p['exceptionDetails']}" for p in thrown]
        out += [f"dialog: {p.get('message')}" for p in self.named("Page.javascriptDialogOpening")]
        out += [f"load failed: {p.get('errorText')}" for p in self.named("Network.loadingFailed")]
        return out

    def requests(self) -> list[str]:
        """URLs of every request the page made."""
        return [p["request"]["url"] for p in self.named("Network.requestWillBeSent")]

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _wait_for_port(marker: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with code {proc.returncode} before starting")
        if marker.is_file() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        time.sleep(0.1)
    proc.kill()
    raise TimeoutError("chromium did not open its DevTools port")


def _page_socket(port: int) -> str:
    for _ in range(50):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t.get("type") == "page"]
        if pages:
            return str(pages[0]["webSocketDebuggerUrl"])
        time.sleep(0.1)
    raise RuntimeError("chromium has no page target")


def main(report: str, screenshot: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        browser = Chromium(Path(tmp) / "profile")
        try:
            browser.open(Path(report))
            browser.screenshot(Path(screenshot))
            print("problems:", browser.problems())
            print("requests:", [u for u in browser.requests() if not u.startswith("data:")])
        finally:
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
