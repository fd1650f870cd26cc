"""--fast auto picks bf16 only on CPUs that compute it natively; an explicit slow bf16 warns."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from biasprobe.scoring import _cpu, _transformers

AVX2 = "flags\t\t: fpu sse sse2 avx avx2 fma\n"
SAPPHIRE = "flags\t\t: fpu sse avx2 avx512f avx512bw avx512_bf16 amx_bf16 amx_tile\n"


READ_FLAGS = _cpu.cpu_flags
# what resolve_dtype reads of a torch.device (its .type), without importing torch (~1.5 s);
# test_scoring_speed_paths.py::test_fast_mode_choice_and_refusals passes real torch devices
CPU = SimpleNamespace(type="cpu")


@pytest.fixture
def cpuinfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make this CPU look like the one ``text`` (a /proc/cpuinfo excerpt) describes."""

    def use(text: str) -> None:
        path = tmp_path / "cpuinfo"
        path.write_text("processor\t: 0\n" + text)
        monkeypatch.setattr(_cpu, "cpu_flags", lambda: READ_FLAGS(path))

    return use


@pytest.mark.parametrize(
    ("text", "native", "auto"), [(AVX2, False, "int8"), (SAPPHIRE, True, "bfloat16")]
)
def test_auto_follows_the_cpu_flags(
    cpuinfo: Callable[[str], None], text: str, native: bool, auto: str
) -> None:
    cpuinfo(text)
    assert _cpu.cpu_has_native_bf16() is native
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # auto never picks a slow mode, so never warns
        assert _transformers.resolve_dtype("fast", CPU) == auto


def test_explicit_bf16_without_native_support_warns_once(cpuinfo: Callable[[str], None]) -> None:
    cpuinfo(AVX2)
    with pytest.warns(UserWarning) as got:
        assert _transformers.resolve_dtype("bfloat16", CPU) == "bfloat16"
    assert len(got) == 1
    text = str(got[0].message)
    assert "\n" not in text and "emulated" in text and "--fast int8" in text


def test_explicit_bf16_with_native_support_is_quiet(cpuinfo: Callable[[str], None]) -> None:
    cpuinfo(SAPPHIRE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _transformers.resolve_dtype("bfloat16", CPU) == "bfloat16"


def test_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\n" + SAPPHIRE + "processor\t: 1\n" + SAPPHIRE)
    flags = _cpu.cpu_flags(path)
    assert flags is not None and {"avx512_bf16", "amx_bf16", "avx2"} <= flags
    assert _cpu.cpu_flags(tmp_path / "missing") is None
