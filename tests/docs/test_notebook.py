"""notebooks/explore_country_bias.ipynb runs from a clean kernel with cwd = notebooks/."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "explore_country_bias.ipynb"


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.model
@pytest.mark.slow
def test_notebook_runs_from_a_clean_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_dir: Path
) -> None:
    monkeypatch.setenv("BIASPROBE_NOTEBOOK_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("BIASPROBE_SHARED", str(shared_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    svgs = [o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 1 and svgs[0].count("<title>") > 150  # the map, a tooltip per country
    assert [o for o in outputs if "image/png" in o.get("data", {})]  # the two-wording scatter
    report = tmp_path / "out" / "country_report.html"
    html = report.read_text(encoding="utf-8")
    assert "Bias audit: country · minilm-l6-sst2" in html
    assert (tmp_path / "out" / "country" / "groups.csv").is_file()
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Spearman rank correlation film_filmed_in vs travel_trip:" in text
