"""Settings, paths, the model store, the corrections store and the predictor (no windows)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.corrections import CorrectionStore
from app.ink import InkStroke
from app.model_store import LoadedModel, ModelStore, describe_model
from app.paths import AppPaths
from app.predictor import Predictor, Result, to_engine_strokes, warm_up
from app.settings import DEFAULTS, Settings
from tests.conftest import FakeClassifier


def test_settings_defaults_and_types(tmp_path):
    s = Settings(tmp_path / "s.ini")
    assert s.get("pen/width") == DEFAULTS["pen/width"]
    s.set("pen/width", 40)
    s.set("view/feature_maps", True)
    s.set("view/theme", "dark")
    s.sync()
    again = Settings(tmp_path / "s.ini")
    assert again.get("pen/width") == 40.0 and isinstance(again.get("pen/width"), float)
    assert again.get("view/feature_maps") is True
    assert again.get("view/theme") == "dark"
    with pytest.raises(KeyError):
        s.set("no/such/key", 1)


@pytest.mark.parametrize(("key", "value"), [
    ("pen/width", "nan"), ("pen/width", "inf"), ("pen/width", "-3"), ("pen/width", "1e300"),
    ("training/epochs", "100000"), ("training/lr", "nan"), ("view/theme", "neon"),
    ("training/optimizer", "magic"),
])
def test_hand_edited_settings_fall_back_to_the_default(tmp_path, key, value):
    """A settings file holding pen/width=nan kept the app from starting."""
    group, name = key.split("/")
    (tmp_path / "s.ini").write_text(f"[{group}]\n{name}={value}\n")
    assert Settings(tmp_path / "s.ini").get(key) == DEFAULTS[key]


def test_folders_that_cannot_be_created_fall_back_with_a_message(tmp_path):
    from app.__main__ import usable_paths

    (tmp_path / "data").write_text("a file where the data folder should be")
    paths, problems = usable_paths(AppPaths.under(tmp_path))
    assert paths.models_dir.is_dir() and tmp_path not in paths.data_dir.parents
    assert len(problems) == 1 and str(tmp_path / "data") in problems[0]
    good, none = usable_paths(AppPaths.under(tmp_path / "fine"))
    assert none == [] and good.data_dir == tmp_path / "fine" / "data"


def test_paths_under_a_folder(tmp_path):
    paths = AppPaths.under(tmp_path).ensure()
    for folder in (paths.models_dir, paths.corrections_dir, paths.numba_cache_dir.parent):
        assert folder.is_dir() and tmp_path in folder.parents


def test_default_paths_are_user_folders():
    paths = AppPaths.default()
    assert paths.data_dir.is_absolute() and paths.cache_dir.is_absolute()
    install = Path(__file__).resolve().parent.parent
    assert install not in paths.data_dir.parents


def test_store_falls_back_to_bundled(fake_store, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("bad")
    loaded = fake_store.load_startup(str(bad))
    assert loaded.is_bundled and loaded.classifier is not None
    assert "could not be loaded" in loaded.message
    assert fake_store.load_startup("").message is None
    missing = fake_store.load_startup(str(tmp_path / "gone.npz"))
    assert missing.is_bundled and "could not be loaded" in missing.message


def test_store_with_the_real_engine_reports_a_corrupt_file(tmp_path):
    corrupt = tmp_path / "user.npz"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    store = ModelStore(tmp_path / "models", bundled_path=tmp_path / "no-bundled.npz")
    loaded = store.load_startup(str(corrupt))
    assert loaded.classifier is None
    assert "user.npz" in loaded.message and "bundled model could not be loaded" in loaded.message


def test_store_saves_new_models_with_fresh_names(fake_store):
    first = fake_store.save_user_model(FakeClassifier(name="a"))
    second = fake_store.save_user_model(FakeClassifier(name="b"))
    assert first.path != second.path
    assert first.path.parent == fake_store.models_dir
    assert not first.is_bundled


def test_describe_model():
    text = describe_model(LoadedModel(FakeClassifier(0.991), Path("m.npz"), False), "# Card")
    assert "99.10%" in text and "m.npz" in text and "# Card" in text
    assert "| Property |" not in text and "Training: lr" not in text  # sentences, for people
    assert "No model" in describe_model(LoadedModel(None, None, True))
    assert "second opinion" not in text
    with_others = FakeClassifier(0.991)
    with_others.second_opinions = (FakeClassifier(0.99), FakeClassifier(0.99))
    text = describe_model(LoadedModel(with_others, Path("m.npz"), True))
    assert "2 more networks" in text and "second opinion" in text


def test_corrections_skip_damaged_files(tmp_path):
    store = CorrectionStore(tmp_path)
    store.add(5, np.ones((28, 28)), [InkStroke(points=[(1.0, 2.0)])], (512, 512), predicted=6)
    (tmp_path / "broken.json").write_text("{not json")
    items = store.load_all()
    assert [c.label for c in items] == [5]
    assert items[0].predicted == 6 and items[0].strokes[0].points == [(1.0, 2.0)]
    with pytest.raises(ValueError):
        store.add(12, np.ones((28, 28)))


def test_one_bad_correction_never_breaks_the_others(tmp_path):
    """Hostile files are listed with a reason; the good correction is still read."""
    import json

    from PIL import Image

    store = CorrectionStore(tmp_path)
    store.add(3, np.ones((28, 28)), [InkStroke(points=[(1.0, 2.0)])], (512, 512))
    png = next(tmp_path.glob("*.png")).name

    def record(name, **fields):
        (tmp_path / f"{name}.json").write_text(json.dumps({"label": 1, "image": png, **fields}))

    record("a-strings", strokes="not a list")
    record("b-stroke-strings", strokes=["x", "y"])
    record("c-label", label="7")
    record("d-escape", image="../../etc/passwd")
    (tmp_path / "e-nested.json").write_text("[" * 50_000 + "]" * 50_000)
    bomb = tmp_path / "bomb.png"
    Image.new("1", (20_000, 20_000)).save(bomb)  # a few KB that would inflate to 400 MB
    record("f-bomb", image=bomb.name)
    with open(tmp_path / "g-huge.json", "wb") as f:
        f.truncate(50 * 2**20)  # 50 MB: not read at all
    scan = store.scan()
    assert [c.label for c in scan.good] == [3]
    assert sorted(p.name for p, _ in scan.bad) == [
        "a-strings.json", "b-stroke-strings.json", "c-label.json", "d-escape.json",
        "e-nested.json", "f-bomb.json", "g-huge.json"]
    reasons = dict((p.name, why) for p, why in scan.bad)
    assert "not 28x28" in reasons["f-bomb.json"] and "too large" in reasons["g-huge.json"]
    images, labels = store.arrays()
    assert images.shape == (1, 28, 28) and list(labels) == [3]


def test_engine_strokes_conversion():
    strokes = [InkStroke(points=[(1.0, 2.0), (3.0, 4.0)], width=10.0, pressures=[0.0, 1.0]),
               InkStroke(points=[], width=5.0),
               InkStroke(points=[(5.0, 5.0)], width=8.0, erase=True)]
    out = to_engine_strokes(strokes)
    assert len(out) == 2  # the empty stroke is dropped
    assert out[0].points.shape == (2, 2)
    # the engine multiplies the width by the pressure; the canvas keeps 30 % at zero pressure
    np.testing.assert_allclose(out[0].pressures, [0.3, 1.0])
    assert out[1].erase and out[1].pressures is None


def test_predictor_paths(fake_classifier):
    predictor = Predictor(fake_classifier)
    assert predictor.predict_strokes([], (512, 512)).empty
    one = [InkStroke(points=[(256.0, 60.0), (256.0, 450.0)], width=26.0)]
    result = predictor.predict_strokes(one, (512, 512), want_maps=True)
    assert not result.empty and result.digit.digit == 1
    assert result.activations["conv1"].shape == (6, 28, 28)
    assert result.elapsed_ms > 0
    assert Predictor(None).predict_strokes(one, (512, 512)).empty
    eleven = [InkStroke(points=[(x, 60.0), (x, 440.0)], width=20.0) for x in (200.0, 700.0)]
    number = predictor.predict_number(eleven, (1024, 512), 0.5)
    assert number.number == "11"
    assert [d.box[0] for d in number.digits] == sorted(d.box[0] for d in number.digits)
    assert predictor.predict_number([], (1024, 512)).empty
    assert Result(empty=True).number == ""
    assert warm_up(fake_classifier) >= 0.0


def test_command_line_help():
    proc = subprocess.run([sys.executable, "-m", "app", "--help"], capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0
    assert "--self-test" in proc.stdout and "--screenshot" in proc.stdout


def test_gui_modules_do_not_import_the_engine():
    """numba reads NUMBA_CACHE_DIR at import: __main__ sets it before anything imports numba
    (only `lenet`'s package root, for the version, with `lenet.cpu_target`, which it runs to
    choose the vector width numba compiles for (llvmlite, no numba), and the training
    recipes, for the Retrain form's defaults, which import nothing heavy)."""
    code = ("import sys; import app.main_window, app.training_dialog, app.self_test; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lenet', 'numba')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parent.parent,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ("['lenet', 'lenet.cpu_target', 'lenet.training', "
                                   "'lenet.training.config']")


def test_number_worker_reads_off_the_gui_thread_latest_request_wins(qtbot, fake_classifier):
    import threading

    from app.number_worker import NumberWorker

    threads: list[str] = []

    class Recording(Predictor):
        def predict_number(self, strokes, canvas_size, scale=1.0, want_maps=False):
            threads.append(threading.current_thread().name)
            return super().predict_number(strokes, canvas_size, scale, want_maps)

    worker = NumberWorker(Recording(fake_classifier))
    try:
        one = [InkStroke(points=[(200.0, 60.0), (200.0, 440.0)], width=20.0)]
        two = [*one, InkStroke(points=[(700.0, 60.0), (700.0, 440.0)], width=20.0)]
        seen: list[tuple[int, str]] = []
        results: list = []
        worker.read.connect(lambda rev, result: (seen.append((rev, result.number)),
                                                 results.append(result)))
        for rev in range(1, 6):  # a burst: the worker may skip all but the newest
            worker.submit(rev, one, (1024, 512), 0.5)
        worker.submit(6, two, (1024, 512), 0.5)
        qtbot.waitUntil(lambda: bool(seen) and seen[-1][0] == 6, timeout=5000)
        assert seen[-1] == (6, "11")
        assert [rev for rev, _ in seen] == sorted(rev for rev, _ in seen)
        assert len(seen) <= 6
        assert all(d.activations is None for d in results[-1].digits)  # not asked for
        worker.submit(7, two, (1024, 512), 0.5, want_maps=True)  # the network view is on
        qtbot.waitUntil(lambda: seen[-1][0] == 7, timeout=5000)
        for d in results[-1].digits:  # each digit's layers, worked out on the worker's thread
            np.testing.assert_array_equal(d.activations["input"][0], d.image)
        assert threading.main_thread().name not in threads
    finally:
        assert worker.shutdown()


def test_number_worker_reports_engine_errors(qtbot):
    from app.number_worker import NumberWorker

    class Broken(Predictor):
        def predict_number(self, strokes, canvas_size, scale=1.0, want_maps=False):
            raise ValueError("engine bug")

    worker = NumberWorker(Broken(None))
    try:
        with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
            worker.submit(1, [], (10, 10))
        assert blocker.args == ["engine bug"]
    finally:
        assert worker.shutdown()
