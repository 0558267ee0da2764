"""Ink files: the strokes the app saves, read back and by `lenet predict` as the app reads them."""

import itertools
import json

import numpy as np
import pytest

from app.ink import InkStroke
from app.predictor import Predictor, to_engine_strokes
from lenet.cli import main
from lenet.ink import NUMBER_INK_SCALE, InkFileError, Stroke, load_ink, save_ink
from lenet.model_file import bundled_model_path, load_model

CANVAS = (1024, 512)


def _line(*points: tuple[float, float], width: float = 22.0, step: float = 4.0) -> InkStroke:
    """A pen stroke through `points`, sampled every `step` px as a mouse would report it."""
    out: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        n = max(2, int(np.hypot(x1 - x0, y1 - y0) / step))
        out += [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in np.linspace(0, 1, n)]
    return InkStroke(points=out, width=width)


def _seventeen() -> list[InkStroke]:
    """A "1" and a "7" side by side, the 7 in two strokes (bar, then stem)."""
    return [
        _line((250, 110), (250, 400)),
        _line((520, 120), (720, 120)),
        _line((720, 120), (600, 400)),
    ]


def _predict(capsys, *args) -> list[dict]:
    main(["predict", "--json", *map(str, args)])
    return [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]


def test_an_ink_file_round_trips(tmp_path):
    strokes = [Stroke(np.array([[1.5, 2.25], [30.0, 40.0]]), 12.0, np.array([0.5, 1.0])),
               Stroke(np.array([[5.0, 5.0]]), 30.0, None, erase=True)]
    save_ink(tmp_path / "a.json", strokes, (640, 480))
    ink = load_ink(tmp_path / "a.json")
    assert ink.canvas_size == (640, 480)
    assert len(ink.strokes) == 2
    np.testing.assert_allclose(ink.strokes[0].points, strokes[0].points)
    np.testing.assert_allclose(ink.strokes[0].pressures, [0.5, 1.0])
    assert ink.strokes[0].width == 12.0 and not ink.strokes[0].erase
    assert ink.strokes[1].erase and ink.strokes[1].pressures is None
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left behind


@pytest.mark.parametrize("text,says", [
    ("{not json", "broken JSON"),
    ('{"strokes": []}', "canvas_size"),
    ('{"format": "svg", "canvas_size": [10, 10], "strokes": []}', "format"),
    ('{"canvas_size": [10, -3], "strokes": []}', "width, height"),
    ('{"canvas_size": [10, 10], "strokes": [{"points": [[1, 2]]}]}', "stroke 1"),
    ('{"canvas_size": [10, 10], "strokes": [{"points": [[1, 2]], "width": 0}]}', "positive"),
    ('{"canvas_size": [10, 10], "strokes": [{"points": [[1, 2]], "width": 3,'
     ' "pressures": [1, 1]}]}', "pressures"),
    ('{"canvas_size": [10, 10], "strokes": [], "version": 99}', "newer"),
])
def test_broken_ink_files_say_what_is_wrong(tmp_path, text, says):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InkFileError, match=says):
        load_ink(path)


def test_predict_reads_an_ink_file_as_the_app_reads_the_same_strokes(tmp_path, capsys):
    classifier = load_model(bundled_model_path())
    app_strokes = _seventeen()
    save_ink(tmp_path / "17.json", to_engine_strokes(app_strokes), CANVAS)
    save_ink(tmp_path / "1.json", to_engine_strokes(app_strokes[:1]), CANVAS)
    predictor = Predictor(classifier)

    single = _predict(capsys, tmp_path / "1.json")[0]
    app_single = predictor.predict_strokes(app_strokes[:1], CANVAS)
    assert single["digit"] == app_single.digit.digit == 1
    np.testing.assert_allclose(single["probabilities"], app_single.digit.probabilities,
                               atol=1e-6)

    multi = _predict(capsys, "--multi", tmp_path / "17.json")[0]
    app_number = predictor.predict_number(app_strokes, CANVAS, NUMBER_INK_SCALE)
    assert multi["number"] == app_number.number == "17"
    assert [d["box"] for d in multi["digits"]] == [list(d.box) for d in app_number.digits]
    for ours, theirs in zip(multi["digits"], app_number.digits, strict=True):
        assert ours["confidence"] == pytest.approx(theirs.confidence, abs=1e-6)
        assert ours["not_sure"] == theirs.not_sure


def test_predict_answers_the_other_files_when_an_ink_file_is_broken(tmp_path, capsys):
    save_ink(tmp_path / "one.json", to_engine_strokes(_seventeen()[:1]), CANVAS)
    (tmp_path / "broken.json").write_text('{"canvas_size": [10, 10]}')
    save_ink(tmp_path / "empty.json", [], CANVAS)
    results = _predict(capsys, tmp_path / "broken.json", tmp_path / "one.json",
                       tmp_path / "empty.json")
    assert "strokes" in results[0]["error"]
    assert results[1]["digit"] == 1
    assert "no digit" in results[2]["error"]


def test_a_stored_correction_reads_as_an_ink_file(tmp_path):
    from app.corrections import CorrectionStore

    store = CorrectionStore(tmp_path)
    strokes = _seventeen()[:1]
    path = store.add(1, np.zeros((28, 28), np.float32), strokes, CANVAS, predicted=7)
    ink = load_ink(path)
    assert ink.canvas_size == CANVAS
    np.testing.assert_allclose(ink.strokes[0].points, np.asarray(strokes[0].points), atol=0.01)


def test_the_app_and_the_engine_read_numbers_at_the_same_scale():
    from app.live_reader import NUMBER_INK_SCALE as APP_SCALE

    assert APP_SCALE == NUMBER_INK_SCALE


def test_the_window_saves_its_strokes_as_an_ink_file(window, mouse_draw, tmp_path):
    from tests.test_app_window import ONE

    mouse_draw(window.canvas, ONE)
    path = tmp_path / "one.json"
    assert window.save_drawing(path)
    ink = load_ink(path)
    assert ink.canvas_size == window.canvas.canvas_size()
    assert len(ink.strokes) == len(window.canvas.strokes())
    expected = to_engine_strokes(window.canvas.strokes())[0]
    np.testing.assert_allclose(ink.strokes[0].points, expected.points, atol=0.01)
    assert ink.strokes[0].width == pytest.approx(expected.width)


def test_a_drawing_on_an_opened_picture_is_not_saved_as_strokes_only(window, tmp_path):
    from PIL import Image

    picture = tmp_path / "seven.png"
    img = Image.new("L", (200, 200), 255)
    img.paste(0, (40, 40, 160, 60))
    img.save(picture)
    assert window.open_image(picture)
    assert not window.save_drawing(tmp_path / "drawing.json")
    assert "PNG" in window.messages[-1][1]
    assert not (tmp_path / "drawing.json").exists()
