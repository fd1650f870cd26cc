"""The report in headless Chromium: no console error, no network request, script runs.

Needs the Debian package ``chromium`` (``apt-get install -y chromium``); .ci/run installs
it. Without it these tests are skipped with that message.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from _chromium import INSTALL_HINT, Chromium, find_chromium
from _report_fixtures import checks_dir, comparison, country_audit, hostile_audit, report

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "reports" / "example_report.html"

pytestmark = [
    pytest.mark.skipif(
        find_chromium() is None, reason=f"chromium not installed; run: {INSTALL_HINT}"
    ),
    pytest.mark.slow,  # each test starts Chromium and renders full reports
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path / "profile")
    try:
        yield chromium
    finally:
        chromium.close()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


@pytest.fixture(scope="module")
def full_report(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> Path:
    dirs = [
        country_audit(tmp_path_factory),
        comparison(tmp_path_factory, datasets_dir),
        checks_dir(tmp_path_factory),
    ]
    return report(tmp_path_factory, "full", dirs)


def _local_only(browser: Chromium, page: Path) -> None:
    requests = [u for u in browser.requests() if not u.startswith("data:")]
    assert requests == [page.resolve().as_uri()]


def test_report_renders_without_errors_or_requests(
    browser: Chromium, full_report: Path, tmp_path: Path
) -> None:
    browser.open(full_report)
    assert browser.problems() == []
    _local_only(browser, full_report)
    assert browser.evaluate("document.documentElement.classList.contains('js')") is True
    assert browser.evaluate("document.querySelectorAll('svg.figure-svg title').length") > 40
    assert browser.evaluate("document.images.length") >= 3
    broken = browser.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
    )
    assert broken == 0
    shot = browser.screenshot(tmp_path / "report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_summary_tables_are_not_cut_off(browser: Chromium, full_report: Path) -> None:
    browser.open(full_report)
    cut = browser.evaluate(
        "Array.from(document.querySelectorAll('#summary .table-wrap'))"
        ".filter(w => w.scrollWidth > w.clientWidth + 1)"
        ".map(w => (w.querySelector('table') || {}).id || w.outerHTML.slice(0, 80))"
    )
    assert cut == []
    assert browser.evaluate("document.querySelectorAll('#summary .card.wide table').length") >= 1


def test_clicking_a_header_sorts_the_table(browser: Chromium, full_report: Path) -> None:
    browser.open(full_report)
    read = (
        "Array.from(document.querySelectorAll('#a0-s0-groups tbody tr'))"
        ".map(r => parseFloat(r.cells[2].getAttribute('data-value')))"
    )
    before = browser.evaluate(read)
    assert before == sorted(before, reverse=True)
    browser.evaluate("document.querySelector('#a0-s0-groups th[data-key=mean]').click()")
    assert browser.evaluate(read) == sorted(before)
    browser.evaluate("document.querySelector('#a0-s0-groups th[data-key=mean]').click()")
    assert browser.evaluate(read) == sorted(before, reverse=True)
    assert browser.problems() == []


def test_hostile_report_runs_no_injected_code(
    browser: Chromium, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page = report(
        tmp_path_factory, "hostile", [hostile_audit(tmp_path_factory), checks_dir(tmp_path_factory)]
    )
    browser.open(page)
    assert browser.problems() == []  # an alert() would show as a dialog here
    _local_only(browser, page)
    assert browser.evaluate("document.scripts.length") == 1
    assert browser.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    body = browser.evaluate("document.body.innerText")
    assert "<script>alert(1)</script>" in body
    assert '"><img src=x onerror=alert(1)>' in body


def test_committed_example_report_opens_offline(browser: Chromium, tmp_path: Path) -> None:
    assert EXAMPLE.is_file(), "reports/example_report.html is committed with the package"
    browser.open(EXAMPLE)
    assert browser.problems() == []
    _local_only(browser, EXAMPLE)
    assert browser.evaluate("document.querySelectorAll('#benchmarks table').length") >= 2
    browser.screenshot(tmp_path / "example.png")
