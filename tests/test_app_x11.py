"""The installed app on a real X server: Qt's xcb plugin loads (every system library it needs
is there), a digit drawn with synthetic mouse events is read, the answer is right.

Needs Xvfb and xdotool (`.ci/run` installs them with the README's apt line); without them
the test says so and is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="Xvfb and xdotool are not installed (apt install xvfb xdotool)",
)


def _start_xvfb() -> tuple[subprocess.Popen, str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    assert number, "Xvfb did not start"
    return xvfb, f":{number}"


def _xdotool(display: str, *args: str) -> str:
    out = subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display},
                         capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


def _draw_a_one(display: str, window: str) -> None:
    """A vertical stroke in the canvas (the left part of the window, below the tool bar)."""
    geometry = dict(line.split("=") for line in
                    _xdotool(display, "getwindowgeometry", "--shell", window).splitlines())
    x0, y0 = int(geometry["X"]), int(geometry["Y"])
    w, h = int(geometry["WIDTH"]), int(geometry["HEIGHT"])
    x = x0 + int(0.3 * w)
    _xdotool(display, "mousemove", str(x), str(y0 + int(0.3 * h)), "mousedown", "1")
    for k in range(1, 21):
        _xdotool(display, "mousemove", str(x), str(y0 + int((0.3 + 0.025 * k) * h)))
    _xdotool(display, "mouseup", "1")


def test_the_app_reads_a_digit_drawn_with_the_mouse_on_a_real_x_server(tmp_path: Path) -> None:
    xvfb, display = _start_xvfb()
    answer = tmp_path / "answer.txt"
    home = tmp_path / "home"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
           "LENET_DIGITS_ANSWER_FILE": str(answer)}
    env.pop("WAYLAND_DISPLAY", None)
    app = subprocess.Popen([sys.executable, "-m", "app"], env=env, cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        window = ""
        deadline = time.monotonic() + 60
        while not window and time.monotonic() < deadline and app.poll() is None:
            window = _xdotool(display, "search", "--onlyvisible", "--name", "LeNet Digits")
            time.sleep(0.5)
        assert app.poll() is None, f"the app stopped on a real X server:\n{app.stdout.read()}"
        assert window, "no LeNet Digits window appeared"
        window = window.splitlines()[0]
        # the engine warms up in the background (compiling on a first run): draw until read
        deadline = time.monotonic() + 150
        while not answer.exists() and time.monotonic() < deadline:
            _xdotool(display, "key", "--window", window, "Escape")  # clear (a no-op if empty)
            _draw_a_one(display, window)
            for _ in range(20):
                if answer.exists():
                    break
                time.sleep(0.5)
        assert answer.exists(), "the app never answered a drawing"
        digit, confidence = answer.read_text().split()
        assert digit == "1", f"a drawn 1 was read as {digit} ({confidence})"
    finally:
        app.terminate()
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
        xvfb.terminate()
        xvfb.wait(timeout=10)
