"""Light and dark palettes (Fusion style); "system" follows the desktop's colour scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory


def system_is_dark() -> bool:
    """True if the desktop asks for a dark colour scheme."""
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    """A calm dark palette."""
    p = QPalette()
    window, base = QColor(0x2B, 0x2E, 0x33), QColor(0x1E, 0x21, 0x25)
    text = QColor(0xE8, 0xE8, 0xE8)
    highlight = QColor(0x4C, 0x9A, 0xFF)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(0x33, 0x37, 0x3D),
        QPalette.ColorRole.ToolTipBase: QColor(0x3A, 0x3E, 0x45),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(0x8A, 0x8F, 0x96),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(0x35, 0x39, 0x3F),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(0xFF, 0x6B, 0x6B),
        QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: QColor(0xFF, 0xFF, 0xFF),
        QPalette.ColorRole.Link: highlight,
        QPalette.ColorRole.Light: QColor(0x45, 0x4A, 0x51),
        QPalette.ColorRole.Midlight: QColor(0x3A, 0x3E, 0x45),
        QPalette.ColorRole.Mid: QColor(0x50, 0x55, 0x5C),
        QPalette.ColorRole.Dark: QColor(0x1A, 0x1C, 0x1F),
        QPalette.ColorRole.Shadow: QColor(0x10, 0x10, 0x10),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    disabled = QColor(0x80, 0x84, 0x8A)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def light_palette() -> QPalette:
    """Fusion's light palette with a blue highlight."""
    style = QStyleFactory.create("Fusion")
    p = style.standardPalette() if style is not None else QPalette()
    p.setColor(QPalette.ColorRole.Highlight, QColor(0x25, 0x6F, 0xD9))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor(0xFF, 0xFF, 0xFF))
    return p


def resolve(theme: str) -> str:
    """"light" or "dark" for a theme setting ("system" asks the desktop)."""
    if theme == "system":
        return "dark" if system_is_dark() else "light"
    return "dark" if theme == "dark" else "light"


def apply_theme(app: QApplication, theme: str) -> str:
    """Apply "system", "light" or "dark"; returns the scheme used ("light" or "dark")."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    scheme = resolve(theme)
    app.setPalette(dark_palette() if scheme == "dark" else light_palette())
    return scheme
