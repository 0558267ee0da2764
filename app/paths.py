"""Per-user folders (QStandardPaths): models, corrections, caches. Never the install folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths


def _writable(location: QStandardPaths.StandardLocation) -> Path:
    path = QStandardPaths.writableLocation(location)
    if not path:  # a platform without that location: fall back to the home folder
        return Path.home() / ".lenet-digits"
    return Path(path)


@dataclass(frozen=True)
class AppPaths:
    """Where the app keeps its per-user files. Folders are created on demand by `ensure()`."""

    data_dir: Path
    cache_dir: Path

    @property
    def models_dir(self) -> Path:
        """Models the user trained or fine-tuned."""
        return self.data_dir / "models"

    @property
    def corrections_dir(self) -> Path:
        """The personal dataset built by "Correct me"."""
        return self.data_dir / "corrections"

    @property
    def numba_cache_dir(self) -> Path:
        """Compiled numba kernels (so the second start-up is fast)."""
        return self.cache_dir / "numba"

    @classmethod
    def default(cls) -> AppPaths:
        """The user's AppDataLocation and CacheLocation (needs the application name set)."""
        return cls(
            data_dir=_writable(QStandardPaths.StandardLocation.AppDataLocation),
            cache_dir=_writable(QStandardPaths.StandardLocation.CacheLocation),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        """Everything below one folder (tests, portable use)."""
        return cls(data_dir=Path(root) / "data", cache_dir=Path(root) / "cache")

    def ensure(self) -> AppPaths:
        """Create the folders if they are missing; returns self."""
        for folder in (self.data_dir, self.models_dir, self.corrections_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self
