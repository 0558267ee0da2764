"""The CPU target numba compiles for: 512-bit vectors only where they pay, the user's say first."""

import os

import llvmlite.binding as llvm
import pytest

from lenet.cpu_target import prefer_wide_vectors


class _Features(dict):
    def flatten(self) -> str:
        return ",".join(("+" if on else "-") + name for name, on in self.items())


@pytest.fixture
def host(monkeypatch):
    """A fake host CPU: set its name and AVX-512 support; the NUMBA_* variables start unset."""
    for name in ("NUMBA_CPU_FEATURES", "NUMBA_CPU_NAME", "LENET_VECTOR_WIDTH"):
        monkeypatch.delenv(name, raising=False)

    def make(name: str, avx512: bool) -> None:
        monkeypatch.setattr(llvm, "get_host_cpu_name", lambda: name)
        monkeypatch.setattr(llvm, "get_host_cpu_features",
                            lambda: _Features(avx2=True, avx512f=avx512))
    return make


def test_avx512_cpu_gets_wide_vectors(host, monkeypatch):
    host("sapphirerapids", avx512=True)
    assert prefer_wide_vectors()
    assert os.environ["NUMBA_CPU_FEATURES"] == "+avx2,+avx512f,-prefer-256-bit"
    assert prefer_wide_vectors()  # a child process that inherits the setting says so too


@pytest.mark.parametrize("name, avx512", [("znver3", False), ("skylake-avx512", True)])
def test_other_cpus_keep_llvms_choice(host, name, avx512):
    host(name, avx512)
    assert not prefer_wide_vectors()
    assert "NUMBA_CPU_FEATURES" not in os.environ


def test_users_settings_win(host, monkeypatch):
    host("sapphirerapids", avx512=True)
    monkeypatch.setenv("LENET_VECTOR_WIDTH", "256")
    assert not prefer_wide_vectors() and "NUMBA_CPU_FEATURES" not in os.environ
    monkeypatch.delenv("LENET_VECTOR_WIDTH")
    monkeypatch.setenv("NUMBA_CPU_NAME", "haswell")
    assert not prefer_wide_vectors() and "NUMBA_CPU_FEATURES" not in os.environ
