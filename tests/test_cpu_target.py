"""The CPU target numba compiles for: 512-bit vectors only where they pay, the user's say first."""

import os

import llvmlite.binding as llvm
import pytest

from lenet.cpu_target import prefer_wide_vectors

_BEFORE = os.environ.get("NUMBA_CPU_FEATURES")


class _Features(dict):
    def flatten(self) -> str:
        return ",".join(("+" if on else "-") + name for name, on in self.items())


@pytest.fixture
def host(monkeypatch):
    """A fake host CPU: set its name and AVX-512 support; the NUMBA_* variables start unset
    and are put back as they were afterwards. (`prefer_wide_vectors` sets the variable
    itself, which monkeypatch does not undo for a variable that was unset: left in the
    environment, it made every later test's subprocess compile AVX-512 code, and on a CPU
    without AVX-512 they died of an illegal instruction.)"""
    names = ("NUMBA_CPU_FEATURES", "NUMBA_CPU_NAME", "LENET_VECTOR_WIDTH")
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ.pop(name, None)

    def make(name: str, avx512: bool) -> None:
        monkeypatch.setattr(llvm, "get_host_cpu_name", lambda: name)
        monkeypatch.setattr(llvm, "get_host_cpu_features",
                            lambda: _Features(avx2=True, avx512f=avx512))
    yield make
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value



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


def test_the_environment_is_as_it_was_after_these_tests():
    """Runs after the others of this file (pytest keeps the file's order)."""
    assert os.environ.get("NUMBA_CPU_FEATURES") == _BEFORE
