"""The main window's commands: actions (shortcut, status tip, tool tip), menus, tool bar and
status bar, and the file prompts behind Open, Save Drawing, Load Model and Save Model As.

Each builder takes the `MainWindow` and connects to its public slots; the window keeps what
they return.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QSlider, QToolBar, QToolButton

from app.canvas import MAX_PEN_WIDTH, MIN_PEN_WIDTH
from app.corrections_gallery import show_gallery
from app.drawing import STEP_NAMES
from app.live_reader import NUMBER_HINT
from app.probability_bars import a_digit
from app.settings import THEMES
from app.status_fit import StatusFit

if TYPE_CHECKING:
    from app.main_window import MainWindow

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"
MODEL_FILTER = "LeNet Digits models (*.npz);;All files (*)"
_FALLBACK_KEYS = {
    QKeySequence.StandardKey.Open: "Ctrl+O",
    QKeySequence.StandardKey.Save: "Ctrl+S",
    QKeySequence.StandardKey.Quit: "Ctrl+Q",
    QKeySequence.StandardKey.HelpContents: "F1",
}


def _make_action(window: MainWindow, text: str, shortcut: Any, tip: str, slot: Any,
                 checkable: bool) -> QAction:
    action = QAction(text, window)
    if isinstance(shortcut, QKeySequence.StandardKey):
        keys = QKeySequence.keyBindings(shortcut)  # empty on some platforms (Quit)
        action.setShortcut(keys[0] if keys else QKeySequence(_FALLBACK_KEYS[shortcut]))
    elif isinstance(shortcut, list):
        action.setShortcuts([QKeySequence(s) for s in shortcut])
    else:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({keys})")
    action.setCheckable(checkable)
    if slot is not None:
        (action.toggled if checkable else action.triggered).connect(slot)
    return action


def create_actions(window: MainWindow) -> dict[str, QAction]:
    """Every command by name, with a shortcut and a status tip, added to `window` (so that
    shortcuts work even when the menu bar is hidden)."""
    actions: dict[str, QAction] = {}

    def a(name: str, text: str, shortcut: Any, tip: str, slot: Any = None,
          checkable: bool = False) -> QAction:
        action = _make_action(window, text, shortcut, tip, slot, checkable)
        actions[name] = action
        window.addAction(action)
        return action

    canvas = window.canvas
    a("open_image", "&Open Image…", QKeySequence.StandardKey.Open,
      "Classify a picture of a digit (PNG, JPEG…)", lambda: ask_open_image(window))
    a("save_drawing", "&Save Drawing…", QKeySequence.StandardKey.Save,
      "Save the drawing as a PNG picture, or its strokes as an ink file",
      lambda: ask_save_drawing(window))
    a("quit", "&Quit", QKeySequence.StandardKey.Quit, "Quit LeNet Digits", window.close)

    undo = canvas.undo_stack().createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence("Ctrl+Z"))
    undo.setStatusTip("Undo the last stroke")
    redo = canvas.undo_stack().createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    redo.setStatusTip("Redo the stroke you undid")
    for name, act in (("undo", undo), ("redo", redo)):
        act.setToolTip(f"{act.statusTip()} ({act.shortcut().toString()})")
        actions[name] = act
        window.addAction(act)
    a("clear", "&Clear", [Qt.Key.Key_Escape, Qt.Key.Key_Delete],
      "Clear the drawing (Esc or Delete)", canvas.clear)
    a("eraser", "&Eraser", "E", "Erase with the pointer instead of drawing",
      canvas.set_eraser, checkable=True)
    a("thinner", "&Thinner Pen", "[", "Make the pen thinner",
      lambda: window.set_pen_width(canvas.pen_width() - 4))
    a("thicker", "T&hicker Pen", "]", "Make the pen thicker",
      lambda: window.set_pen_width(canvas.pen_width() + 4))

    a("retrain", "&Retrain from MNIST…", "Ctrl+T",
      "Train a new LeNet-5 on MNIST in the background", window.show_retrain_dialog)
    a("finetune", "&Fine-tune on My Corrections…", "Ctrl+Shift+T",
      "Teach the model your corrections (briefly trains on them mixed with MNIST)",
      window.show_finetune_dialog)
    a("corrections", "&Corrections…", "Ctrl+Shift+C",
      "See your stored corrections: change a label, delete one, find unreadable files",
      lambda: show_gallery(window, window.corrections))
    a("load_model", "&Load Model…", "Ctrl+L", "Use a model file (.npz)",
      lambda: ask_load_model(window))
    a("save_model", "Save Model &As…", "Ctrl+Shift+S", "Save the model in use to a file",
      lambda: ask_save_model(window))
    a("reset_model", "Reset to &Bundled Model", "Ctrl+Shift+R",
      "Go back to the model that ships with LeNet Digits", window.reset_to_bundled)
    a("model_info", "Model &Info", "Ctrl+I", "What model is in use, and how it was trained",
      window.show_model_info)
    for d in range(10):
        act = a(f"teach_{d}", f"It's {a_digit(d)[:-1]}&{d}", [getattr(Qt.Key, f"Key_{d}")],
                f"Wrong answer? Store this drawing as {a_digit(d)} in your corrections",
                lambda _=False, d=d: window.teach(d))
        act.setShortcuts([QKeySequence(getattr(Qt.Key, f"Key_{d}")),
                          QKeySequence(Qt.KeyboardModifier.KeypadModifier
                                       | getattr(Qt.Key, f"Key_{d}"))])

    a("feature_maps", "&Network View", "Ctrl+M",
      "Show every layer of the network, live; point at a unit to see what drives it",
      window.set_feature_maps_visible,
      checkable=True)
    a("number_mode", "&Number Mode", "Ctrl+N",
      "Read several digits written side by side", window.set_number_mode, checkable=True)
    group = QActionGroup(window)
    for name, text, keys in (("system", "Follow &System", "Ctrl+K, S"),
                             ("light", "&Light", "Ctrl+K, L"), ("dark", "&Dark", "Ctrl+K, D")):
        act = a(f"theme_{name}", text, keys, f"{text.replace('&', '')} colour theme",
                lambda on, name=name: on and window.set_theme(name), checkable=True)
        group.addAction(act)

    a("shortcuts", "&Keyboard Shortcuts", QKeySequence.StandardKey.HelpContents,
      "List every keyboard shortcut", window.show_shortcuts)
    a("about", "&About LeNet Digits", "Shift+F1", "About this app", window.show_about)
    return actions


def create_menus(window: MainWindow) -> None:
    """File, Edit, Model, View and Help menus in `window`'s menu bar."""
    act = window.action
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([act("open_image"), act("save_drawing")])
    file_menu.addSeparator()
    file_menu.addAction(act("quit"))

    edit = bar.addMenu("&Edit")
    edit.addActions([act("undo"), act("redo"), act("clear")])
    edit.addSeparator()
    edit.addActions([act("eraser"), act("thinner"), act("thicker")])

    model = bar.addMenu("&Model")
    model.addActions([act("retrain"), act("finetune"), act("corrections")])
    teach = model.addMenu("&Correct Me")
    teach.setStatusTip("Wrong answer? Tell the model the right digit")
    teach.addActions([act(f"teach_{d}") for d in range(10)])
    model.addSeparator()
    model.addActions([act("load_model"), act("save_model"), act("reset_model")])
    model.addSeparator()
    model.addAction(act("model_info"))

    view = bar.addMenu("&View")
    view.addActions([act("feature_maps"), act("number_mode")])
    themes = view.addMenu("&Theme")
    themes.addActions([act(f"theme_{t}") for t in THEMES])

    help_menu = bar.addMenu("&Help")
    help_menu.addActions([act("shortcuts"), act("about")])


def create_tool_bar(window: MainWindow) -> tuple[QToolBar, QSlider, QLabel]:
    """The drawing tool bar (pen width, eraser, undo/redo/clear, modes) at the top of
    `window`: the bar, its pen-width slider and the label showing the width."""
    tools = QToolBar("Drawing", window)
    tools.setObjectName("drawing_toolbar")
    tools.setMovable(False)
    tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    tools.addWidget(QLabel(" Pen ", tools))
    slider = QSlider(Qt.Orientation.Horizontal, tools)
    slider.setRange(int(MIN_PEN_WIDTH), int(MAX_PEN_WIDTH))
    slider.setFixedWidth(140)
    slider.setToolTip("Pen width ([ and ])")
    slider.setStatusTip("Pen width")
    slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    slider.valueChanged.connect(window.set_pen_width)
    tools.addWidget(slider)
    label = QLabel(tools)
    label.setMinimumWidth(34)
    tools.addWidget(label)
    tools.addSeparator()
    act = window.action
    tools.addActions([act("eraser"), act("undo"), act("redo"), act("clear")])
    tools.addSeparator()
    tools.addActions([act("number_mode"), act("feature_maps")])
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, tools)
    for name, prefix in (("undo", "&Undo"), ("redo", "&Redo")):
        button = tools.widgetForAction(act(name))
        if isinstance(button, QToolButton):
            fix_width(button, [prefix, *(f"{prefix} {step}" for step in STEP_NAMES)])
    return tools, slider, label


def fix_width(button: QToolButton, texts: list[str]) -> None:
    """Give a tool button the width of the widest of `texts` its action can show ("Undo
    Stroke", "Undo Open Image"...), so that the tool bar does not jump when the text changes."""
    action = button.defaultAction()
    shown = action.text()
    widths = []
    for text in texts:
        action.setText(text)
        widths.append(button.sizeHint().width())
    action.setText(shown)
    button.setFixedWidth(max(widths))


def show_hint(window: MainWindow, text: str) -> None:
    """Show the Number Mode hint in the status bar until it is taken back ("")."""
    status = window.statusBar()
    if text:
        status.showMessage(text)
    elif status.currentMessage() == NUMBER_HINT:
        status.clearMessage()


def create_status_bar(window: MainWindow) -> tuple[QLabel, QLabel, QLabel]:
    """Permanent status-bar labels: the model in use, its test accuracy, the last
    prediction's time."""
    status = window.statusBar()
    model_label = QLabel("Model: —", window)
    accuracy_label = QLabel("", window)
    time_label = QLabel("", window)
    time_label.setMinimumWidth(130)
    for label in (model_label, accuracy_label, time_label):
        label.setContentsMargins(8, 0, 8, 0)
        status.addPermanentWidget(label)
    StatusFit(status, [time_label, accuracy_label, model_label])  # a long message shown whole
    return model_label, accuracy_label, time_label


# ---------------------------------------------------------------------- file prompts


def ask_open_image(window: MainWindow) -> None:
    """File → Open Image…: pick a picture and classify it."""
    path, _ = QFileDialog.getOpenFileName(window, "Open image", str(Path.home()), IMAGE_FILTER)
    if path:
        window.open_image(path)


INK_FILTER = "Ink strokes, for lenet predict (*.json)"


def ask_save_drawing(window: MainWindow) -> None:
    """File → Save Drawing…: a PNG picture, or the strokes as an ink file (.json)."""
    path, chosen = QFileDialog.getSaveFileName(window, "Save drawing",
                                               str(Path.home() / "digit.png"),
                                               f"PNG picture (*.png);;{INK_FILTER}")
    if path:
        suffix = ".json" if chosen == INK_FILTER else ".png"
        if not path.lower().endswith((".png", ".json")):
            path += suffix
        window.save_drawing(path)


def save_ink_file(canvas: Any, path: str | Path) -> tuple[bool, str]:
    """Write the canvas's strokes as an ink file; (done, why not)."""
    from app.predictor import to_engine_strokes
    from lenet.ink import save_ink

    if canvas.image() is not None:
        return False, ("An ink file holds pen strokes only, and this drawing has an opened "
                       "picture in it. Save it as a PNG picture instead.")
    try:
        save_ink(path, to_engine_strokes(canvas.strokes()), canvas.canvas_size())
    except OSError as e:
        return False, f"Could not write {Path(path).name}: {e.strerror or e}."
    return True, ""


def ask_load_model(window: MainWindow) -> None:
    """Model → Load Model…"""
    path, _ = QFileDialog.getOpenFileName(window, "Load model", str(window.store.models_dir),
                                          MODEL_FILTER)
    if path:
        window.load_model_file(path)


def ask_save_model(window: MainWindow) -> None:
    """Model → Save Model As…"""
    path, _ = QFileDialog.getSaveFileName(window, "Save model as",
                                          str(window.store.models_dir / "my-model.npz"),
                                          MODEL_FILTER)
    if path:
        if not path.lower().endswith(".npz"):
            path += ".npz"
        window.save_model_file(path)
