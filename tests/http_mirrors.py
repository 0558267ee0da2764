"""A local HTTP server on 127.0.0.1 serving fake MNIST mirrors (never the internet), and the
`server` / `mirrors` fixtures the download tests use (registered in conftest.py)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from lenet.data import FILES, download, write_idx

HOST = "127.0.0.1"


# --------------------------------------------------------------------------- a local HTTP server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files from a folder, records each requested path, logs nothing."""

    def do_GET(self) -> None:
        self.server.requested.append(self.path)  # type: ignore[attr-defined]
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Server:
    root: Path  # the folder served at http://127.0.0.1:<port>/
    port: int
    requested: list[str] = field(default_factory=list)

    def url(self, subfolder: str) -> str:
        return f"http://{HOST}:{self.port}/{subfolder}/"


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("www")  # not under tmp_path: tests list that folder
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer((HOST, 0), handler)
    httpd.requested = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Server(root, httpd.server_address[1], httpd.requested)  # type: ignore[attr-defined]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- fake MNIST mirrors


def fake_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    """Tiny stand-ins for the four MNIST files, keyed by standard file name."""
    rng = np.random.default_rng(seed)
    return {
        FILES["train_images"]: rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8),
        FILES["train_labels"]: np.array([5, 0, 4], dtype=np.uint8),
        FILES["test_images"]: rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8),
        FILES["test_labels"]: np.array([7, 2], dtype=np.uint8),
    }


def make_mirror(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        write_idx(folder / f"{name}.gz", array)


def uncompressed_sha256(path: Path) -> str:
    return hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()


@pytest.fixture
def mirrors(server: Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Mirror URLs on the local server: "good", "corrupt" (wrong data, valid gzip),
    "html" (an error page served with status 200), "empty" (404 for everything) and
    "refused" (nothing listening). SHA256 is patched to the good files' checksums."""
    good = fake_arrays()
    make_mirror(server.root / "good", good)
    corrupt = {name: array.copy() for name, array in good.items()}
    for array in corrupt.values():
        array.flat[0] ^= 1  # one changed bit per file
    make_mirror(server.root / "corrupt", corrupt)
    (server.root / "html").mkdir()
    for name in FILES.values():
        (server.root / "html" / f"{name}.gz").write_text("<html>Moved</html>")
    (server.root / "empty").mkdir()

    checksums = {n: uncompressed_sha256(server.root / "good" / f"{n}.gz") for n in FILES.values()}
    monkeypatch.setattr(download, "SHA256", checksums)
    urls = {name: server.url(name) for name in ("good", "corrupt", "html", "empty")}
    urls["refused"] = f"http://{HOST}:{closed_port()}/mnist/"
    return urls


def listing(folder: Path) -> set[str]:
    """Every entry in `folder`, hidden temporary files included."""
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


ALL_GZ = {f"{name}.gz" for name in FILES.values()}
