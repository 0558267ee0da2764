"""Compiling ahead: other processes on a first start only, then this process alone."""

import subprocess
import sys
from typing import ClassVar

import pytest

from lenet import compile_ahead


class _Recorder:
    """Stands in for subprocess.Popen: records the commands, 'runs' at once."""

    commands: ClassVar[list[list[str]]] = []

    def __init__(self, command, **_):
        _Recorder.commands.append(command)

    def wait(self):
        return 0

    def poll(self):
        return 0


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    ran: list[str] = []
    _Recorder.commands = []
    monkeypatch.setattr(compile_ahead, "_cache_folder", lambda: tmp_path)
    monkeypatch.setattr(compile_ahead.subprocess, "Popen", _Recorder)
    monkeypatch.setattr(compile_ahead, "run_job", ran.append)
    return ran


def test_a_first_start_compiles_every_job_in_other_processes_then_loads_all(recorded):
    compile_ahead.compile_ahead(["inference", "preprocess"])
    assert _Recorder.commands == [compile_ahead.job_command("inference"),
                                  compile_ahead.job_command("preprocess")]
    assert recorded == ["inference", "preprocess"]  # every job's kernels end up here too


def test_later_starts_run_every_job_here_only(recorded):
    compile_ahead.compile_ahead(["inference", "preprocess"])
    _Recorder.commands.clear()
    recorded.clear()
    compile_ahead.compile_ahead(["inference", "preprocess"])
    assert _Recorder.commands == []
    assert recorded == ["inference", "preprocess"]


def test_an_engine_edit_means_a_first_start_again(recorded, monkeypatch, tmp_path):
    compile_ahead.compile_ahead(["inference", "preprocess"])
    monkeypatch.setattr(compile_ahead, "_marker", lambda jobs: tmp_path / "another-engine")
    _Recorder.commands.clear()
    compile_ahead.compile_ahead(["inference", "preprocess"])
    assert _Recorder.commands == [compile_ahead.job_command("inference"),
                                  compile_ahead.job_command("preprocess")]


def test_no_new_process_still_makes_every_job_ready(monkeypatch, tmp_path):
    ran: list[str] = []

    def refuse(*_, **__):
        raise OSError("no processes left")

    monkeypatch.setattr(compile_ahead, "_cache_folder", lambda: tmp_path)
    monkeypatch.setattr(compile_ahead.subprocess, "Popen", refuse)
    monkeypatch.setattr(compile_ahead, "run_job", ran.append)
    compile_ahead.compile_ahead(["inference", "preprocess"])
    assert ran == ["inference", "preprocess"]


def test_a_job_runs_as_its_own_process():
    for name in compile_ahead.JOBS:
        done = subprocess.run([sys.executable, "-m", "lenet.compile_ahead", name],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr


def test_the_desktop_bundle_runs_a_job_through_the_app_entry_point(monkeypatch):
    """A frozen app has no `python -m`: it runs jobs as `lenet-digits --compile-job NAME`."""
    from app.__main__ import main

    ran: list[str] = []
    monkeypatch.setattr(compile_ahead, "run_job", ran.append)
    assert main(["--compile-job", "layers"]) == 0
    assert ran == ["layers"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert compile_ahead.job_command("layers") == [sys.executable, "--compile-job", "layers"]


def test_a_job_compiles_while_the_other_threads_answer_in_numpy(monkeypatch):
    """A job always calls the kernels (else it would compile nothing), whatever the flag."""
    from lenet.nn.kernels import readiness

    seen: list[bool] = []
    monkeypatch.setitem(compile_ahead.JOBS, "probe", lambda: seen.append(readiness.use_compiled()))
    readiness.plain_numpy_until_compiled()
    try:
        compile_ahead.run_job("probe")
        assert seen == [True] and not readiness.use_compiled()
    finally:
        readiness.compiled_everywhere()


def test_a_start_compiles_the_first_screen_and_a_training_run_its_own_kernels(recorded):
    assert set(compile_ahead.FIRST_SCREEN) <= set(compile_ahead.JOBS)
    assert set(compile_ahead.TRAINING) <= set(compile_ahead.JOBS)
    assert not {"training-step", "augmentation"} & set(compile_ahead.FIRST_SCREEN)
    compile_ahead.compile_ahead()
    assert recorded == list(compile_ahead.FIRST_SCREEN)
    recorded.clear()
    compile_ahead.compile_ahead(compile_ahead.TRAINING)
    assert recorded == list(compile_ahead.TRAINING)
    assert [c[-1] for c in _Recorder.commands[-len(compile_ahead.TRAINING):]] == list(
        compile_ahead.TRAINING)


def test_the_serial_training_job_compiles_the_builds_used_while_the_pool_is_held():
    """While the batch thread augments it holds numba's pool and the step runs the kernels'
    serial builds; a warm-up that skipped them left them to compile during the first run."""
    from lenet.nn.kernels import conv, pool
    from lenet.training.trainer import warm_up_step

    warm_up_step(serial=True)
    serial = [conv._forward_serial, conv._backward_serial,
              pool._KERNELS["max_forward"][1], pool._KERNELS["max_backward"][1]]
    assert all(build.signatures for build in serial)
