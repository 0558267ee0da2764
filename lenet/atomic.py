"""Write a file so that readers see the old content or the new, never half of either."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

STALE_AFTER_S = 600.0
"""A temporary file untouched for this long is a leftover of a killed process."""

_umask_lock = threading.Lock()


def default_file_mode() -> int:
    """The mode a new file gets from the process's umask (0o666 & ~umask), e.g. 0o644:
    temporary files are created 0o600, and a saved model should not stay that private."""
    with _umask_lock:  # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def remove_stale_temporaries(folder: Path, name: str, suffix: str) -> None:
    """Delete `.<name>.*<suffix>` files in `folder` untouched for STALE_AFTER_S: what a
    `kill -9` during a save or download leaves behind. Errors are ignored."""
    now = time.time()
    try:
        candidates = list(folder.glob(f".{name}.*{suffix}"))
    except OSError:
        return
    for leftover in candidates:
        try:
            if leftover.is_file() and now - leftover.stat().st_mtime > STALE_AFTER_S:
                leftover.unlink()
        except OSError:
            pass


@contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """``with atomic_write(p) as f: f.write(...)``: a temporary file in the same folder,
    fsynced and renamed over ``p`` on success, removed on any error (``p`` untouched).
    The file gets the umask's mode (or keeps the mode of the file it replaces)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent, path.name, ".tmp")
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = default_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if hasattr(os, "fchmod"):  # POSIX; Windows has no such modes
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
