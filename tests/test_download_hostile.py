"""The downloader against hostile servers and file systems: endless or oversized bodies,
folders in the way, leftovers, no network."""

from __future__ import annotations

import http.server
import os
import threading
from pathlib import Path

import pytest

from lenet.data import FILES, download
from lenet.data.download import (
    DownloadError,
    download_mnist,
)
from tests.http_mirrors import HOST, listing

# --------------------------------------------------------------------------- hostile responses


class _EndlessHandler(http.server.BaseHTTPRequestHandler):
    """Status 200 with no Content-Length and a body that never ends (until the client
    hangs up)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        block = b"\x1f\x8b" + bytes(64 * 1024 - 2)
        try:
            for _ in range(100_000):  # bounded: 6.4 GB at most, the client stops far sooner
                self.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_endless_response_is_cut_at_the_known_size(tmp_path: Path, monkeypatch) -> None:
    httpd = http.server.ThreadingHTTPServer((HOST, 0), _EndlessHandler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        name = FILES["test_labels"]
        url = f"http://{HOST}:{httpd.server_address[1]}/mnist/"
        with pytest.raises(DownloadError, match="goes on past"):
            download.download_file(name, tmp_path, mirrors=[url], timeout=10)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    assert listing(tmp_path) == set()  # nothing partial left


def test_a_declared_length_over_the_known_size_is_refused(
    tmp_path: Path, mirrors: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download, "SIZES", {name: 10 for name in FILES.values()})
    monkeypatch.setattr(download, "MAX_GZIP_OVERHEAD", 0)
    with pytest.raises(DownloadError, match="too large"):
        download_mnist(tmp_path, mirrors=[mirrors["good"]])
    assert listing(tmp_path) == set()


def test_a_folder_in_the_way_is_a_clear_error(tmp_path: Path, mirrors: dict[str, str]) -> None:
    (tmp_path / f"{FILES['train_images']}.gz").mkdir()
    with pytest.raises((DownloadError, ValueError), match="folder"):
        download_mnist(tmp_path, mirrors=[mirrors["good"]])


def test_stale_partial_downloads_are_cleaned_and_modes_follow_the_umask(
    tmp_path: Path, mirrors: dict[str, str]
) -> None:
    name = FILES["test_labels"]
    stale = tmp_path / f".{name}.gz.abc123.part"
    fresh = tmp_path / f".{name}.gz.def456.part"  # maybe another download, right now
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    old = os.umask(0o022)
    try:
        download_mnist(tmp_path, mirrors=[mirrors["good"]])
    finally:
        os.umask(old)
    assert not stale.exists() and fresh.exists()
    assert (tmp_path / f"{name}.gz").stat().st_mode & 0o777 == 0o644


def test_offline_is_said_in_words_and_points_to_a_local_folder(
    tmp_path: Path, mirrors: dict[str, str]
) -> None:
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path, mirrors=[mirrors["refused"], mirrors["refused"]])
    message = str(info.value)
    assert message.startswith("No connection") and "LENET_DATA_DIR" in message
    assert "Errno" not in message and "http" not in message
    assert len(info.value.reasons) == 2  # the details are still there for a log
