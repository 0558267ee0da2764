"""Status-bar messages are shown whole: not cut after a colon, nor under the labels."""

from __future__ import annotations

from app.status_fit import StatusFit, one_line


def _fit(window) -> StatusFit:
    (fit,) = [o for o in window.statusBar().children() if isinstance(o, StatusFit)]
    return fit


def _labels(window) -> list[bool]:
    return [label.isVisible() for label in (window.model_label, window.accuracy_label,
                                            window.time_label)]


def test_a_warning_shows_its_reason_after_the_colon(window, tmp_path):
    bad = tmp_path / "folder" / "broken.png"
    bad.parent.mkdir()
    bad.write_bytes(b"not a picture")
    assert not window.open_image(bad)
    shown = window.statusBar().currentMessage()
    assert shown.startswith("This picture cannot be used: broken.png: ")  # the why, too
    assert "not an image file" in shown and "\n" not in shown and str(tmp_path) not in shown
    assert str(bad) in window.messages[-1][1]  # the dialog keeps the whole path


def test_one_line():
    assert one_line("Could not be saved:\n/home/me/models/m.npz: disk full\n\nTry again.") \
        == "Could not be saved: m.npz: disk full Try again."
    assert one_line("Pen 3/4, ratio 1/2") == "Pen 3/4, ratio 1/2"


def test_the_labels_make_room_for_a_long_message_and_come_back(window, qtbot):
    window.resize(800, 700)
    qtbot.waitUntil(lambda: window.width() == 800, timeout=3000)
    status, fit = window.statusBar(), _fit(window)
    window.time_label.setText("Prediction: 65.5 ms")
    message = ("Stored this digit as a 4: 2 corrections so far "
               "(Model → Fine-tune to learn them)")
    need = status.fontMetrics().horizontalAdvance(message)
    status.showMessage(message, 5000)
    assert fit.hidden() and not all(_labels(window))
    assert fit._room() >= need and not fit.is_wrapped()
    assert fit.hidden()[0] is window.time_label  # the least needed gives way first
    status.showMessage("Ready")  # a short one: every label back
    assert not fit.hidden() and all(_labels(window))
    status.clearMessage()
    assert all(_labels(window))


def test_a_message_wider_than_the_window_wraps_instead_of_being_cut(window, qtbot):
    window.resize(520, 600)
    qtbot.waitUntil(lambda: window.width() <= 560, timeout=3000)
    status, fit = window.statusBar(), _fit(window)
    one_line_height = status.height()
    status.showMessage("This picture cannot be used: broken.png: not an image file (or a kind "
                       "this program does not read: use PNG, JPEG, BMP, TIFF, GIF or WebP)")
    assert fit.is_wrapped() and not any(_labels(window))
    qtbot.waitUntil(lambda: status.height() > one_line_height, timeout=3000)
    picture = status.grab().toImage()
    rows_with_text = {y for y in range(picture.height()) for x in range(6, picture.width() // 2, 3)
                      if picture.pixelColor(x, y).lightness() < 90}
    assert max(rows_with_text) - min(rows_with_text) > status.fontMetrics().height()  # 2 lines
    status.clearMessage()
    assert not fit.is_wrapped() and all(_labels(window))
    qtbot.waitUntil(lambda: status.height() <= one_line_height, timeout=3000)
