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
