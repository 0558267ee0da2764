"""`lenet-digits --self-test` and `--screenshot`: drive the real window headlessly.

The self-test loads the bundled model, draws known digits through the canvas's own API,
checks the prediction and the bars, renders the window to an image and reports JSON.
Everything it writes goes to a temporary folder: the user's settings and data are untouched.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from app.model_store import LoadedModel, ModelStore
from app.paths import AppPaths
from app.predictor import warm_up
from app.settings import Settings

Polyline = list[tuple[float, float]]

# Sample digits on the 512 x 512 canvas, one list of polylines per digit.
SAMPLES: dict[int, list[Polyline]] = {
    1: [[(262.0, 88.0), (258.0, 250.0), (254.0, 425.0)]],
    7: [[(150.0, 112.0), (360.0, 108.0), (300.0, 230.0), (232.0, 424.0)]],
    3: [[(170.0, 130.0), (250.0, 92.0), (330.0, 120.0), (335.0, 190.0), (250.0, 250.0),
         (340.0, 300.0), (345.0, 380.0), (260.0, 425.0), (165.0, 390.0)]],
}


def densify(polyline: Polyline, step: float = 6.0) -> Polyline:
    """Points every `step` canvas units along the polyline (like mouse-move events)."""
    out: Polyline = [polyline[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(polyline):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


def draw_sample(window: MainWindow, digit: int) -> None:
    """Clear the canvas and draw the sample `digit` stroke by stroke."""
    window.canvas.clear()
    for polyline in SAMPLES[digit]:
        window.canvas.add_stroke(densify(polyline), width=28.0)


def _window(root: Path, loaded: LoadedModel, store: ModelStore) -> MainWindow:
    settings = Settings(root / "settings.ini")
    paths = AppPaths.under(root)
    window = MainWindow(settings, paths, store, loaded=loaded)
    window.resize(1100, 760)
    window.show()
    QApplication.processEvents()
    return window


def run_self_test(json_out: str | None = None) -> int:
    """Run the checks; prints (and writes) a JSON summary; 0 when everything passed."""
    summary: dict[str, Any] = {"ok": False, "checks": [], "predictions": []}

    def check(name: str, ok: bool, detail: Any = None) -> bool:
        summary["checks"].append({"name": name, "ok": bool(ok), "detail": detail})
        return bool(ok)

    with tempfile.TemporaryDirectory(prefix="lenet-digits-self-test-") as tmp:
        root = Path(tmp)
        try:
            store = ModelStore(AppPaths.under(root).models_dir)
            t0 = time.perf_counter()
            loaded = store.load_bundled()
            summary["model"] = str(store.bundled_path)
            if check("model loads", loaded.classifier is not None, loaded.message):
                summary["test_accuracy"] = loaded.test_accuracy
                summary["warm_up_s"] = round(warm_up(loaded.classifier), 3)
                summary["load_s"] = round(time.perf_counter() - t0, 3)
                window = _window(root, loaded, store)
                check("empty canvas shows the hint", window.answer.bars.is_empty())
                for digit in (1, 7):
                    draw_sample(window, digit)
                    result = window.predict_now()
                    got = None if result is None or result.digit is None else result.digit.digit
                    conf = None if got is None else round(result.digit.confidence, 4)
                    summary["predictions"].append({
                        "drawn": digit, "predicted": got, "confidence": conf,
                        "not_sure": None if got is None else result.digit.not_sure,
                        "ms": None if result is None else round(result.elapsed_ms, 2)})
                    check(f"a drawn {digit} is read as {digit}", got == digit, got)
                    shown = window.answer.bars.predicted_digit()
                    check(f"bars highlight {digit}", shown == digit, shown)
                    check("the network's input is shown",
                          window.answer.input_view.image() is not None)
                shot = window.grab()
                check("window renders", not shot.isNull() and shot.width() > 200,
                      [shot.width(), shot.height()])
                window.canvas.clear()
                QApplication.processEvents()
                check("clearing empties the bars", window.answer.bars.is_empty())
                window.close()
        except Exception as exc:  # report, never crash: the summary is the product
            check("no exception", False, f"{type(exc).__name__}: {exc}")
    summary["ok"] = all(c["ok"] for c in summary["checks"]) and bool(summary["checks"])
    text = json.dumps(summary, indent=2)
    print(text)
    if json_out:
        try:
            Path(json_out).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"could not write {json_out}: {exc}", file=sys.stderr)
            return 2
    return 0 if summary["ok"] else 1


def save_screenshot(path: str, digit: int = 7, feature_maps: bool = True) -> int:
    """Save a picture of the window with a sample digit drawn; 0 on success."""
    with tempfile.TemporaryDirectory(prefix="lenet-digits-shot-") as tmp:
        root = Path(tmp)
        store = ModelStore(AppPaths.under(root).models_dir)
        loaded = store.load_bundled()
        window = _window(root, loaded, store)
        window.set_feature_maps_visible(feature_maps)
        QApplication.processEvents()
        draw_sample(window, digit)
        window.predict_now()
        QApplication.processEvents()
        ok = window.grab().save(path)
        window.close()
    if not ok:
        print(f"could not write {path}", file=sys.stderr)
        return 1
    print(path)
    return 0
