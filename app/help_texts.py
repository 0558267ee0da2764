"""Texts of the help and info dialogs: the shortcut list, About, and the fine-tune hint."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence

from app import APP_DISPLAY_NAME, APP_VERSION

NO_CORRECTIONS = (
    "You have no corrections yet.\n\nWhen the model gets a drawing wrong, click the "
    "right bar or press the right digit key: the drawing is stored, and this command "
    "then teaches the model your corrections.")


def shortcuts_markdown(actions: dict[str, QAction]) -> str:
    """Every action and its shortcut(s), as a Markdown table (the ten digits as one row)."""
    lines = ["# Keyboard shortcuts", "", "| Command | Shortcut |", "|---|---|"]
    for name, act in actions.items():
        if name.startswith("teach_") and name != "teach_0":
            continue
        keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                         for s in act.shortcuts()
                         if not s.toString().startswith("Num"))
        text = act.text().replace("&", "")
        if name == "teach_0":
            text, keys = "Correct me: this is a 0 … 9", "0 … 9 (also on the keypad)"
        elif name.startswith("theme_"):
            text = f"Theme: {text}"
        lines.append(f"| {text} | {keys} |")
    lines += ["", "Draw with the left mouse button, a pen (pressure changes the width; the "
              "pen's eraser end erases) or a finger. Click a bar to correct the answer."]
    return "\n".join(lines) + "\n"


def about_html(data_dir: Path) -> str:
    """The About box: what the app is, and where it keeps models and corrections."""
    return (f"<h3>{APP_DISPLAY_NAME} {APP_VERSION}</h3><p>Draw a digit and watch a LeNet-5 "
            "network, written from its maths in NumPy and numba, read it live.</p><p>Models and "
            f"corrections are kept in <code>{data_dir}</code>.</p>")
