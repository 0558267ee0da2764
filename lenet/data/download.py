"""Download the four MNIST files from public mirrors (standard library only).

Every file is streamed into a temporary file next to its destination, checked against the
SHA-256 of its *uncompressed* bytes (mirrors wrap the same data in different gzip files),
and only then moved into place with `os.replace`, which is atomic. So the destination
folder only ever holds complete, verified files, and files that are already there and
valid are left alone.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from lenet import __version__
from lenet.atomic import default_file_mode, remove_stale_temporaries
from lenet.data.mnist import FILES, SHA256, SIZES, default_cache_dir, find_mnist_file

__all__ = [
    "CHUNK_SIZE",
    "MIRRORS",
    "SHA256",
    "DownloadCancelled",
    "DownloadError",
    "download_file",
    "download_mnist",
    "payload_sha256",
    "verify_file",
]

#: Base URLs tried in turn; each serves `<name>.gz` for the four names in `lenet.data.mnist.FILES`.
MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

_NO_CONNECTION = "cannot connect"
MAX_GZIP_OVERHEAD = 1 << 20
"""A gzip file is at most its content plus this much (stored blocks, headers)."""
CHUNK_SIZE = 64 * 1024  # bytes read from the network between progress reports / stop checks
_USER_AGENT = f"lenet-digits/{__version__} (Python urllib)"
_GZIP_MAGIC = b"\x1f\x8b"

#: on_progress(filename, bytes_done, bytes_total or None if the server did not say)
ProgressCallback = Callable[[str, int, int | None], None]
#: should_stop() -> True to cancel the download
StopCallback = Callable[[], bool]


class DownloadError(RuntimeError):
    """A file could not be downloaded from any mirror.

    `reasons` lists `(url, why it failed)` for every mirror tried.
    """

    def __init__(self, message: str, reasons: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.reasons = list(reasons)


class DownloadCancelled(DownloadError):
    """`should_stop()` returned True; nothing partial was left behind."""


class _MirrorFailed(Exception):
    """One mirror failed for one file; the message says why. Internal: try the next mirror."""


# --------------------------------------------------------------------------- checksums


def payload_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file's uncompressed bytes (gunzipped first if it is gzip data).

    Raises OSError / EOFError / zlib.error for an unreadable file or a corrupt gzip stream.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        with stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: str | os.PathLike[str], expected_sha256: str) -> bool:
    """True if the file exists and its uncompressed bytes have SHA-256 `expected_sha256`."""
    try:
        return payload_sha256(path) == expected_sha256.lower()
    except (OSError, EOFError, zlib.error):
        return False


# --------------------------------------------------------------------------- downloading


def download_mnist(
    dest_dir: str | os.PathLike[str] | None = None,
    mirrors: Sequence[str] = MIRRORS,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
    timeout: float = 30.0,
) -> Path:
    """Make sure the four MNIST files are in `dest_dir` (None: `default_cache_dir()`).

    Files already present (raw or .gz) and valid are kept; the others are downloaded from
    the first mirror that delivers them with the right checksum and stored as `<name>.gz`.
    `on_progress(filename, bytes_done, bytes_total)` is called as bytes arrive (bytes_total
    is None when the server does not send a length; it restarts at 0 for each mirror tried).
    `should_stop()` is polled between chunks. `timeout` is in seconds, per network operation.

    Returns the folder. Raises `DownloadError` (each mirror's reason in the message and in
    `.reasons`) if a file cannot be fetched, `DownloadCancelled` if `should_stop()` said so.
    """
    dest = Path(dest_dir) if dest_dir is not None else default_cache_dir()
    for name in FILES.values():
        download_file(
            name,
            dest,
            mirrors=mirrors,
            on_progress=on_progress,
            should_stop=should_stop,
            timeout=timeout,
        )
    return dest


def download_file(
    name: str,
    dest_dir: str | os.PathLike[str],
    *,
    mirrors: Sequence[str] = MIRRORS,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
    timeout: float = 30.0,
) -> Path:
    """Make sure the standard file `name` (e.g. "t10k-labels-idx1-ubyte") is in `dest_dir`.

    Same rules and errors as `download_mnist`, for one file. Returns the file's path.
    """
    if name not in SHA256:
        raise ValueError(f"unknown MNIST file {name!r}; expected one of {sorted(SHA256)}")
    if isinstance(mirrors, str):  # a single URL rather than a list of them
        mirrors = [mirrors]
    expected = SHA256[name]
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)

    try:
        existing = find_mnist_file(dest, name)  # the file `load_mnist` would read
    except FileNotFoundError:
        existing = None
    if existing is not None and verify_file(existing, expected):
        return existing

    target = dest / f"{name}.gz"  # a folder of that name was refused by find_mnist_file
    remove_stale_temporaries(dest, target.name, ".part")
    reasons: list[tuple[str, str]] = []
    for base in mirrors:
        _check_stop(should_stop)
        url = (base if base.endswith("/") else base + "/") + f"{name}.gz"
        try:
            return _fetch_verified(url, target, expected, on_progress, should_stop, timeout,
                                   max_bytes=SIZES[name] + MAX_GZIP_OVERHEAD)
        except _MirrorFailed as exc:
            reasons.append((url, str(exc)))

    if reasons and all(why.startswith(_NO_CONNECTION) for _, why in reasons):
        raise DownloadError(
            f"No connection: none of the {len(reasons)} MNIST mirrors could be reached. If you "
            "already have the four MNIST files, use their folder instead (--data-dir or "
            "LENET_DATA_DIR; Browse… in the app).", reasons)
    details = "".join(f"\n  - {url}: {why}" for url, why in reasons) or "\n  (no mirrors given)"
    raise DownloadError(f"could not download {name}.gz from any mirror:{details}", reasons)


def _check_stop(should_stop: StopCallback | None) -> None:
    if should_stop is not None and should_stop():
        raise DownloadCancelled("download cancelled")


def _fetch_verified(
    url: str,
    final: Path,
    expected_sha256: str,
    on_progress: ProgressCallback | None,
    should_stop: StopCallback | None,
    timeout: float,
    max_bytes: int,
) -> Path:
    """Download `url` (at most `max_bytes`) into a temporary file beside `final`, verify
    it, move it to `final` with the umask's mode.

    Raises `_MirrorFailed` (bad mirror), `DownloadCancelled`; never leaves the temporary
    file behind.
    """
    fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _stream_to(url, out, final.name, on_progress, should_stop, timeout, max_bytes)
        with open(tmp, "rb") as check:
            head = check.read(2)
        if head != _GZIP_MAGIC:  # e.g. an HTML error page served with status 200
            raise _MirrorFailed(f"response is not gzip data (starts with {head!r})")
        try:
            actual = payload_sha256(tmp)
        except (OSError, EOFError, zlib.error) as exc:
            raise _MirrorFailed(f"corrupt gzip data ({exc})") from exc
        if actual != expected_sha256:
            raise _MirrorFailed(
                f"checksum mismatch: uncompressed SHA-256 is {actual}, expected {expected_sha256}"
            )
        tmp.chmod(default_file_mode())
        os.replace(tmp, final)
        return final
    finally:
        tmp.unlink(missing_ok=True)  # gone already after a successful os.replace


def _stream_to(
    url: str,
    out: BinaryIO,
    label: str,
    on_progress: ProgressCallback | None,
    should_stop: StopCallback | None,
    timeout: float,
    max_bytes: int,
) -> None:
    """Copy the body of `url` into the binary file `out`, chunk by chunk, refusing a body
    longer than `max_bytes` (an endless or foreign response)."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if total is not None and total > max_bytes:
                raise _MirrorFailed(f"the file offered is too large ({total} bytes)")
            done = 0
            if on_progress is not None:
                on_progress(label, done, total)
            while True:
                _check_stop(should_stop)
                chunk = response.read(CHUNK_SIZE)
                if not chunk:
                    break
                done += len(chunk)
                if done > max_bytes:
                    raise _MirrorFailed(f"the response goes on past {max_bytes} bytes")
                out.write(chunk)
                if on_progress is not None:
                    on_progress(label, done, total)
    except urllib.error.HTTPError as exc:  # before URLError: it is a subclass
        raise _MirrorFailed(f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or exc.reason
        raise _MirrorFailed(f"cannot connect ({reason})") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:  # timeouts, resets, bad URL
        raise _MirrorFailed(f"{type(exc).__name__}: {exc}") from exc
    if total is not None and done != total:
        raise _MirrorFailed(f"incomplete download: got {done} of {total} bytes")
