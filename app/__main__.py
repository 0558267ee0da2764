"""Entry point: `lenet-digits` or `python -m app` (also `--self-test`, `--screenshot PATH`)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.paths import AppPaths


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="lenet-digits", description="Draw a digit and watch LeNet-5 read it live.")
    parser.add_argument("--self-test", action="store_true",
                        help="run a headless check of the app and the model, print JSON")
    parser.add_argument("--json-out", metavar="FILE", help="also write the self-test JSON here")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="save a picture of the window with a sample digit, then exit")
    parser.add_argument("--compile-job", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--step-rate", metavar="BATCH", type=int, help=argparse.SUPPRESS)
    args, _qt_args = parser.parse_known_args(argv)
    return args


def _headless() -> bool:
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def main(argv: list[str] | None = None) -> int:
    """Start the app; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.compile_job:  # lenet.compile_ahead's helper process, in the desktop bundle
        from lenet.compile_ahead import run_job

        run_job(args.compile_job)
        return 0
    if args.step_rate:  # the training dialog's time estimate, measured in its own process
        from app.training_estimate import measure_rate

        print(measure_rate(args.step_rate))
        return 0
    batch = bool(args.self_test or args.screenshot)
    if batch and _headless():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from app import APP_DISPLAY_NAME, APP_NAME, APP_VERSION
    from app.paths import AppPaths


    QCoreApplication.setApplicationName(APP_NAME)
    paths, problems = usable_paths(AppPaths.default())
    # numba reads NUMBA_CACHE_DIR when it is imported: before anything from `lenet`.
    os.environ.setdefault("NUMBA_CACHE_DIR", str(paths.numba_cache_dir))

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setDesktopFileName(APP_NAME)

    from app.icon import app_icon

    app.setWindowIcon(app_icon())

    from app import theme
    from app.settings import Settings

    if args.self_test:
        from app.self_test import run_self_test

        theme.apply_theme(app, "light")
        return run_self_test(args.json_out)
    if args.screenshot:
        from app.self_test import save_screenshot

        theme.apply_theme(app, "light")
        return save_screenshot(args.screenshot)

    from app.main_window import MainWindow
    from app.model_store import ModelStore

    settings = Settings()
    settings.set("app/version", APP_VERSION)
    if not settings.sync():
        problems.append(f"Your settings cannot be saved in {settings.location} (the folder is "
                        "read-only or full): changes made now will be lost when you quit.")
    theme.apply_theme(app, str(settings.get("view/theme")))
    window = MainWindow(settings, paths, ModelStore(paths.models_dir))
    window.show()
    if problems:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMessageBox

        QTimer.singleShot(0, lambda: QMessageBox.warning(window, APP_DISPLAY_NAME,
                                                         "\n\n".join(problems)))
    return app.exec()


def usable_paths(paths: AppPaths) -> tuple[AppPaths, list[str]]:
    """`paths` with its folders created, or, when they cannot be (a file in the way, a
    read-only parent), a per-user folder in the temporary directory, and what to tell."""
    import getpass
    import tempfile
    from pathlib import Path

    from app.paths import AppPaths

    try:
        return paths.ensure(), []
    except OSError as exc:
        fallback = AppPaths.under(Path(tempfile.gettempdir()) / f"lenet-digits-{getpass.getuser()}")
        message = (f"The app's folders ({paths.data_dir}, {paths.cache_dir}) cannot be created "
                   f"({exc.strerror or exc}). Models and corrections go to {fallback.data_dir} "
                   "for now, which the system may clear.")
        return fallback.ensure(), [message]


if __name__ == "__main__":
    sys.exit(main())
