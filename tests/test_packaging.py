"""Build the PyInstaller one-folder app from resources/lenet-digits.spec and run its self-test.

Slow (about a minute to build, half a minute for the first launch's numba compilation), so
it is marked `packaging`: `pytest -m "not packaging"` leaves it out. Skipped only when
PyInstaller is not installed (`pip install -e ".[package]"`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "resources" / "lenet-digits.spec"
NAME = "lenet-digits"

pytestmark = pytest.mark.packaging


def _pyinstaller_available() -> bool:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        return False
    return True


def _executable(dist: Path) -> Path:
    folder = dist / NAME
    return folder / (f"{NAME}.exe" if sys.platform == "win32" else NAME)


def _run_self_test(exe: Path, cwd: Path, env: dict[str, str], json_out: Path,
                   ) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.run([str(exe), "--self-test", "--json-out", str(json_out)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert json_out.is_file(), (
        f"the built app did not write {json_out.name} (exit {proc.returncode})\n"
        f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    return proc, json.loads(json_out.read_text(encoding="utf-8"))


@pytest.mark.skipif(not _pyinstaller_available(),
                    reason="PyInstaller is not installed (pip install -e '.[package]')")
def test_frozen_app_builds_and_passes_its_self_test(tmp_path: Path) -> None:
    dist, work = tmp_path / "dist", tmp_path / "build"
    env = dict(os.environ, LENET_NO_ARCHIVE="1")  # the archive is just a tar of dist/
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, f"PyInstaller failed:\n{build.stderr[-5000:]}"
    exe = _executable(dist)
    assert exe.is_file(), f"no executable at {exe}"

    internal = exe.parent / "_internal"
    assert (internal / "lenet" / "bundled" / "lenet5.npz").is_file(), "bundled model missing"
    for k in (1, 2):
        assert (internal / "lenet" / "bundled" / f"lenet5.second-{k}.npz").is_file(), k
    assert (internal / "lenet" / "bundled" / "MODEL_CARD.md").is_file(), "model card missing"
    # numba caches only functions whose source file exists: the engine ships as .py files
    kernels = internal / "lenet" / "nn" / "kernels"
    assert (kernels / "conv.py").is_file(), "lenet not collected as source"
    assert (internal / "lenet" / "ink" / "normalise.py").is_file(), "lenet.ink not collected"
    assert not (internal / "lenet" / "devtools").exists(), "the development tools were bundled"
    assert not list(internal.rglob("torch")), "torch was bundled"
    assert not (internal / "PySide6" / "Qt" / "translations").exists()

    # Headless, with the user folders (and so the numba cache) inside tmp_path.
    home = tmp_path / "home"
    run_env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home),
        XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"), NUMBA_DEBUG_CACHE="1")
    run_env.pop("NUMBA_CACHE_DIR", None)
    (home / "elsewhere").mkdir(parents=True)

    first, summary = _run_self_test(exe, tmp_path, run_env, tmp_path / "first.json")
    assert first.returncode == 0, json.dumps(summary, indent=2) + first.stderr[-3000:]
    assert summary["ok"], json.dumps(summary, indent=2)
    assert Path(summary["model"]).is_file()
    predicted = {p["drawn"]: p["predicted"] for p in summary["predictions"]}
    assert predicted == {1: 1, 7: 7}, summary["predictions"]

    # The compiled kernels went to the user's cache folder (NUMBA_CACHE_DIR, set by
    # app/__main__.py) and a second launch, from another folder, loads them: no compiling.
    cached = sorted((home / "cache").rglob("*.nbi"))
    assert cached, "numba wrote no cache index under XDG_CACHE_HOME"
    second, summary2 = _run_self_test(exe, home / "elsewhere", run_env, tmp_path / "second.json")
    assert second.returncode == 0 and summary2["ok"], json.dumps(summary2, indent=2)
    assert "[cache] data loaded" in second.stdout, "second launch loaded nothing from the cache"
    assert "[cache] data saved" not in second.stdout, "second launch recompiled kernels"
