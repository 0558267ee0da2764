"""The app's persistent settings: one dictionary of defaults, stored with QSettings."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from app import APP_NAME, ORGANIZATION_NAME
from lenet.training.config import RECIPES

_RETRAIN = RECIPES["default"]  # Retrain from MNIST… starts from `lenet train`'s recipe

DEFAULTS: dict[str, Any] = {
    "pen/width": 26.0,  # in canvas units (the canvas is 512 units across)
    "window/geometry": QByteArray(),
    "window/state": QByteArray(),
    "model/path": "",  # empty: the bundled model
    "view/theme": "system",  # "system", "light" or "dark"
    "view/feature_maps": False,
    "view/number_mode": False,
    "training/epochs": _RETRAIN.epochs,
    "training/batch_size": _RETRAIN.batch_size,
    "training/lr": _RETRAIN.lr,
    "training/optimizer": _RETRAIN.optimizer,
    "training/augment": _RETRAIN.augment,
    "training/data_dir": "",  # empty: the engine's default MNIST folder
    "finetune/epochs": 2,
    "finetune/lr": 3e-4,
    "app/version": "",  # written at every start: a settings store that cannot be written shows
}

THEMES = ("system", "light", "dark")

RANGES: dict[str, tuple[float, float]] = {
    "pen/width": (1.0, 200.0),
    "training/epochs": (1, 100),
    "training/batch_size": (1, 4096),
    "training/lr": (1e-6, 1.0),
    "finetune/epochs": (1, 100),
    "finetune/lr": (1e-6, 1.0),
}
"""Numbers outside these (or NaN, inf) in a hand-edited settings file are replaced by the
default: a bad value must never keep the app from starting."""
CHOICES: dict[str, tuple[str, ...]] = {
    "view/theme": THEMES,
    "training/optimizer": ("adam", "sgd", "nesterov"),
}


class Settings:
    """Typed access to QSettings, with `DEFAULTS` as the fallback for every key.

    `path=None` uses the platform's native store for the app; a path stores everything in
    that INI file (tests, portable use).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._qsettings = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                                        ORGANIZATION_NAME, APP_NAME)
        else:
            self._qsettings = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def qsettings(self) -> QSettings:
        """The underlying QSettings."""
        return self._qsettings

    def get(self, key: str) -> Any:
        """The stored value for `key` with the type of its default (or the default)."""
        default = DEFAULTS[key]
        if not self._qsettings.contains(key):
            return default
        try:
            value = self._qsettings.value(key, default, type=type(default))
        except (TypeError, ValueError, OverflowError):
            return default
        if value is None:
            return default
        if key in RANGES:
            low, high = RANGES[key]
            if not (isinstance(value, int | float) and math.isfinite(value)
                    and low <= value <= high):
                return default
        if key in CHOICES and value not in CHOICES[key]:
            return default
        return value

    def set(self, key: str, value: Any) -> None:
        """Store `value` under `key` (which must have a default)."""
        if key not in DEFAULTS:
            raise KeyError(f"unknown setting {key!r}")
        self._qsettings.setValue(key, value)

    def sync(self) -> bool:
        """Write pending changes to disk; False if they could not be written (a read-only
        settings folder, a full disk)."""
        self._qsettings.sync()
        return self._qsettings.status() == QSettings.Status.NoError

    @property
    def location(self) -> str:
        """The settings file, for messages."""
        return self._qsettings.fileName()
