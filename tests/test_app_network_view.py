"""The network view in the window: every layer labelled, live mid-stroke, units explained."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt

from app.network_layout import Unit
from tests.conftest import BUNDLED_MODEL, _send_mouse

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
X = "\N{MULTIPLICATION SIGN}"


@pytest.fixture(scope="module")
def bundled():
    from lenet.model_file import load_model

    return load_model(BUNDLED_MODEL)


@pytest.fixture
def net_window(make_window, bundled, qtbot):
    """The window on the bundled model, the network view shown, a 7 being drawn (pen up)."""
    window = make_window(classifier=bundled)
    window.set_feature_maps_visible(True)
    window.canvas.add_stroke([(150.0, 112.0), (360.0, 108.0), (232.0, 424.0)], width=28.0)
    qtbot.waitUntil(lambda: window.maps_dock.view.activations() is not None, timeout=3000)
    return window


def _point(view, unit: Unit, kind=QEvent.Type.MouseMove, button=NONE) -> None:
    pos = view.unit_center(unit)
    _send_mouse(view, kind, pos, button, LEFT if kind == QEvent.Type.MouseButtonPress else NONE)


def _click(view, unit: Unit) -> None:
    _point(view, unit, QEvent.Type.MouseButtonPress, LEFT)
    _send_mouse(view, QEvent.Type.MouseButtonRelease, view.unit_center(unit), LEFT, NONE)


def _stage(view, name: str) -> int:
    return [s.name for s in view.stages()].index(name)


def test_every_layer_is_labelled_with_the_models_shapes(net_window, bundled):
    collected = bundled.net.forward_collect(bundled.normalize(np.zeros((28, 28))))
    real = {name: out.shape[1:] for name, out in collected.items()}
    captions = net_window.maps_dock.view.captions()
    names = [name for name, _ in captions]
    assert names == ["input", "conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "output"]
    expected = [f"28{X}28"]
    for stage in bundled.stages()[1:]:
        shape = real[stage.layers[-1]]  # the real output of the stage's last layer
        expected.append(f"{shape[0]}@{shape[1]}{X}{shape[2]}" if len(shape) == 3
                        else str(shape[0]))
    assert [shape for _, shape in captions] == expected
    assert [e.replace(X, "x") for e in expected[1:]] == ["6@28x28", "6@14x14", "16@10x10",
                                                         "16@5x5", "120", "84", "10"]


def test_the_view_is_live_from_the_first_stroke(make_window, bundled, qtbot):
    window = make_window(classifier=bundled)
    window.set_feature_maps_visible(True)
    assert window.maps_dock.view.activations() is None
    answers = []
    window.reader.answered.connect(lambda r: answers.append(r) if not r.empty else None)
    canvas = window.canvas
    points = [(256.0, 80.0 + 8.0 * i) for i in range(45)]
    _send_mouse(canvas, QEvent.Type.MouseButtonPress, canvas.map_from_canvas(*points[0]),
                LEFT, LEFT)
    for x, y in points[1:]:
        _send_mouse(canvas, QEvent.Type.MouseMove, canvas.map_from_canvas(x, y), NONE, LEFT)
    qtbot.waitUntil(lambda: bool(answers), timeout=3000)
    assert canvas.is_drawing()  # the pen is still down: the first live update
    first = answers[0]
    shown = window.maps_dock.view.activations()
    assert shown is not None and shown is first.activations
    np.testing.assert_allclose(shown["input"][0], first.digit.image)
    assert float(shown["conv1"].max()) > 0.0
    _send_mouse(canvas, QEvent.Type.MouseButtonRelease, canvas.map_from_canvas(*points[-1]),
                LEFT, NONE)


def test_pointing_at_a_conv_map_shows_its_filter_and_receptive_field(net_window, bundled):
    view, panel = net_window.maps_dock.view, net_window.maps_dock.panel
    conv2 = _stage(view, "conv2")
    unit = Unit(conv2, 9, 3, 6)
    _point(view, unit)
    assert view.selected() == unit and panel.unit() == unit
    np.testing.assert_array_equal(panel.shown_weights(),
                                  bundled.net.layers["conv2"].params["W"][9])
    assert panel.shown_weights().shape == (6, 5, 5)  # one 5×5 per pool1 map
    assert panel.value() == pytest.approx(float(view.activations()["conv2"][9, 3, 6]))
    from app.network_units import receptive_rects

    rects = receptive_rects(view.stages(), unit)
    assert rects[conv2 - 1] == (3, 6, 8, 11)  # 5×5 of pool1
    assert rects[0] == (4, 10, 18, 24)  # 14×14 of the input (conv1 pads by 2)
    conv1 = _stage(view, "conv1")
    _point(view, Unit(conv1, 2, 10, 10))
    np.testing.assert_array_equal(panel.shown_weights(),
                                  bundled.net.layers["conv1"].params["W"][2])


def test_a_click_pins_a_unit_until_clicked_again(net_window, bundled):
    view, panel = net_window.maps_dock.view, net_window.maps_dock.panel
    conv1, fc2 = _stage(view, "conv1"), _stage(view, "fc2")
    pinned = Unit(conv1, 4, 12, 12)
    _click(view, pinned)
    assert view.pinned() == pinned
    _point(view, Unit(fc2, 3))  # pointing elsewhere keeps the pinned unit shown
    assert panel.unit() == pinned
    np.testing.assert_array_equal(panel.shown_weights(),
                                  bundled.net.layers["conv1"].params["W"][4])
    net_window.canvas.add_stroke([(300.0, 300.0), (320.0, 330.0)])  # live updates keep it
    assert panel.unit() == pinned
    _click(view, pinned)
    assert view.pinned() is None


def test_dense_units_show_their_weights_and_strongest_inputs(net_window, bundled):
    view, panel = net_window.maps_dock.view, net_window.maps_dock.panel
    acts = view.activations()
    _point(view, Unit(_stage(view, "fc1"), 17))
    w1 = bundled.net.layers["fc1"].params["W"]
    np.testing.assert_array_equal(panel.shown_weights(), w1[:, 17].reshape(16, 5, 5))
    assert panel.value() == pytest.approx(float(acts["fc1"][17]))
    out = _stage(view, "fc3")
    _point(view, Unit(out, 7))
    w3 = bundled.net.layers["fc3"].params["W"]
    np.testing.assert_array_equal(panel.shown_weights(), w3[:, 7])
    shares = acts["fc2"] * w3[:, 7]
    top = panel.contributions()
    assert [c.index for c in top] == list(np.argsort(-np.abs(shares), kind="stable")[:len(top)])
    for c in top:
        assert c.amount == pytest.approx(float(shares[c.index]), rel=1e-5, abs=1e-6)
    assert panel.value() == pytest.approx(float(bundled.logits(acts["input"][0])[0, 7]),
                                          abs=1e-4)


def test_leaving_the_view_clears_an_unpinned_selection(net_window):
    view = net_window.maps_dock.view
    _point(view, Unit(_stage(view, "pool2"), 0, 1, 1))
    assert view.selected() is not None
    view.leaveEvent(QEvent(QEvent.Type.Leave))
    assert view.selected() is None and net_window.maps_dock.panel.unit() is None
    _send_mouse(view, QEvent.Type.MouseMove, QPointF(1.0, 1.0), NONE, NONE)  # no unit there
    assert view.selected() is None
