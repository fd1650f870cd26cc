"""Start-up cost: importing biasprobe, its pytest plugin or its CLI loads no heavy library."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "torch", "transformers", "matplotlib", "geopandas", "scipy")


@pytest.mark.parametrize(
    "code",
    [
        "import biasprobe",
        "import biasprobe.pytest_plugin",
        "import biasprobe.cli; biasprobe.cli.build_parser()",
    ],
)
def test_no_heavy_import_at_start_up(code: str) -> None:
    probe = f"{code}; import sys; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_attributes_resolve() -> None:
    import biasprobe

    assert callable(biasprobe.audit) and callable(biasprobe.plot_country_map)
    assert set(biasprobe.__all__) <= set(dir(biasprobe))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = biasprobe.nope  # type: ignore[attr-defined]
