"""Tests for lenet.data.download against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import os
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from lenet.data import FILES, download, find_mnist_file, load_mnist, read_idx, write_idx
from lenet.data.download import (
    SHA256,
    DownloadCancelled,
    DownloadError,
    download_file,
    download_mnist,
    verify_file,
)
from tests.http_mirrors import (
    ALL_GZ,
    HOST,
    Server,
    fake_arrays,
    listing,
)

# --------------------------------------------------------------------------- tests


def test_download_success(tmp_path: Path, mirrors: dict[str, str], server: Server) -> None:
    dest = tmp_path / "cache" / "mnist"  # created on demand
    assert download_mnist(dest, mirrors=[mirrors["good"]]) == dest
    assert listing(dest) == ALL_GZ
    data = load_mnist(dest)
    expected = fake_arrays()
    np.testing.assert_array_equal(data.train_images, expected[FILES["train_images"]])
    np.testing.assert_array_equal(data.test_labels, expected[FILES["test_labels"]])
    assert len(server.requested) == 4


def test_valid_files_are_not_downloaded_again(
    tmp_path: Path, mirrors: dict[str, str], server: Server
) -> None:
    download_mnist(tmp_path, mirrors=[mirrors["good"]])
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    server.requested.clear()
    download_mnist(tmp_path, mirrors=[mirrors["corrupt"]])
    assert server.requested == []
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    assert after == before


def test_uncompressed_existing_file_counts(
    tmp_path: Path, mirrors: dict[str, str], server: Server
) -> None:
    name = FILES["train_labels"]
    raw = gzip.decompress((server.root / "good" / f"{name}.gz").read_bytes())
    (tmp_path / name).write_bytes(raw)
    download_mnist(tmp_path, mirrors=[mirrors["good"]])
    assert f"/good/{name}.gz" not in server.requested
    assert listing(tmp_path) == (ALL_GZ - {f"{name}.gz"}) | {name}


def test_first_mirror_404_then_good(
    tmp_path: Path, mirrors: dict[str, str], server: Server
) -> None:
    download_mnist(tmp_path, mirrors=[mirrors["empty"], mirrors["good"]])
    assert listing(tmp_path) == ALL_GZ
    assert any(path.startswith("/empty/") for path in server.requested)


def test_corrupt_mirror_then_good(tmp_path: Path, mirrors: dict[str, str]) -> None:
    download_mnist(tmp_path, mirrors=[mirrors["refused"], mirrors["corrupt"], mirrors["good"]])
    assert listing(tmp_path) == ALL_GZ
    for name in FILES.values():
        assert verify_file(tmp_path / f"{name}.gz", download.SHA256[name])
    np.testing.assert_array_equal(
        load_mnist(tmp_path).train_images, fake_arrays()[FILES["train_images"]]
    )


def test_all_mirrors_bad(tmp_path: Path, mirrors: dict[str, str], server: Server) -> None:
    # A good train-images file is already there: it must survive untouched.
    good_file = tmp_path / f"{FILES['train_images']}.gz"
    shutil.copyfile(server.root / "good" / good_file.name, good_file)
    os.utime(good_file, ns=(1_000_000_000, 1_000_000_000))
    content = good_file.read_bytes()
    bad = [mirrors[name] for name in ("empty", "corrupt", "html", "refused")]

    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path, mirrors=bad)

    message = str(info.value)
    assert "could not download train-labels-idx1-ubyte.gz" in message
    for part in ("HTTP 404", "checksum mismatch", "not gzip data", "cannot connect", *bad):
        assert part in message
    assert [url for url, _ in info.value.reasons] == [u + "train-labels-idx1-ubyte.gz" for u in bad]
    assert not isinstance(info.value, DownloadCancelled)
    assert listing(tmp_path) == {good_file.name}  # no partial or temporary files
    assert good_file.read_bytes() == content
    assert good_file.stat().st_mtime_ns == 1_000_000_000


def test_invalid_existing_file_is_replaced(tmp_path: Path, mirrors: dict[str, str]) -> None:
    broken = tmp_path / f"{FILES['test_labels']}.gz"
    broken.write_bytes(b"\x1f\x8b not really gzip")
    download_mnist(tmp_path, mirrors=[mirrors["good"]])
    assert listing(tmp_path) == ALL_GZ
    np.testing.assert_array_equal(read_idx(broken), [7, 2])


def test_no_mirrors(tmp_path: Path, mirrors: dict[str, str]) -> None:
    with pytest.raises(DownloadError, match="no mirrors given"):
        download_mnist(tmp_path, mirrors=[])
    assert listing(tmp_path) == set()


def test_single_url_without_trailing_slash(tmp_path: Path, mirrors: dict[str, str]) -> None:
    download_mnist(tmp_path, mirrors=mirrors["good"].rstrip("/"))
    assert listing(tmp_path) == ALL_GZ


def test_timeout(tmp_path: Path, mirrors: dict[str, str]) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind((HOST, 0))
        silent.listen()
        url = f"http://{HOST}:{silent.getsockname()[1]}/"
        with pytest.raises(DownloadError, match="timed out"):
            download_mnist(tmp_path, mirrors=[url], timeout=0.3)
    assert listing(tmp_path) == set()


def test_progress(tmp_path: Path, mirrors: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "CHUNK_SIZE", 256)
    calls: list[tuple[str, int, int | None]] = []
    download_mnist(tmp_path, mirrors=[mirrors["good"]], on_progress=lambda *a: calls.append(a))

    assert {name for name, _, _ in calls} == ALL_GZ
    for filename in ALL_GZ:
        done = [d for name, d, _ in calls if name == filename]
        totals = {t for name, _, t in calls if name == filename}
        size = (tmp_path / filename).stat().st_size
        assert done[0] == 0
        assert all(a < b for a, b in itertools.pairwise(done))
        assert done[-1] == size
        assert totals == {size}  # the server sends Content-Length
    image_calls = [c for c in calls if c[0] == f"{FILES['train_images']}.gz"]
    assert len(image_calls) > 3  # several chunks


def test_cancel_before_anything(tmp_path: Path, mirrors: dict[str, str], server: Server) -> None:
    with pytest.raises(DownloadCancelled):
        download_mnist(tmp_path, mirrors=[mirrors["good"]], should_stop=lambda: True)
    assert server.requested == []
    assert listing(tmp_path) == set()


def test_cancel_midway(
    tmp_path: Path, mirrors: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop in the middle of the second file: the first (complete, verified) stays,
    nothing of the second is left behind."""
    monkeypatch.setattr(download, "CHUNK_SIZE", 64)
    second = f"{FILES['train_labels']}.gz"
    seen: list[tuple[str, int]] = []

    def should_stop() -> bool:
        return any(name == second and done > 0 for name, done in seen)

    with pytest.raises(DownloadCancelled):
        download_mnist(
            tmp_path,
            mirrors=[mirrors["good"]],
            on_progress=lambda name, done, total: seen.append((name, done)),
            should_stop=should_stop,
        )
    assert listing(tmp_path) == {f"{FILES['train_images']}.gz"}
    assert any(name == second for name, _ in seen)


def test_default_destination(
    tmp_path: Path, mirrors: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download, "default_cache_dir", lambda: tmp_path / "default")
    assert download_mnist(mirrors=[mirrors["good"]]) == tmp_path / "default"
    assert listing(tmp_path / "default") == ALL_GZ


def test_download_file_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown MNIST file"):
        download_file("cifar-10", tmp_path, mirrors=[])


def test_verify_file(tmp_path: Path) -> None:
    labels = np.array([1, 2, 3], dtype=np.uint8)
    gz = write_idx(tmp_path / "l.gz", labels)
    raw = write_idx(tmp_path / "l", labels)
    checksum = hashlib.sha256(raw.read_bytes()).hexdigest()
    assert verify_file(gz, checksum)
    assert verify_file(raw, checksum)
    assert verify_file(raw, checksum.upper())
    assert not verify_file(gz, "0" * 64)
    assert not verify_file(tmp_path / "missing.gz", checksum)
    truncated = tmp_path / "cut.gz"
    truncated.write_bytes(gz.read_bytes()[:-6])
    assert not verify_file(truncated, checksum)


# --------------------------------------------------------------------------- the real files


def test_real_checksums(real_data_dir: Path) -> None:
    """The SHA256 table matches the real MNIST files."""
    for name in FILES.values():
        assert download.SHA256[name] == SHA256[name]
        assert verify_file(find_mnist_file(real_data_dir, name), SHA256[name]), name


def test_real_labels_download(tmp_path: Path, real_data_dir: Path, server: Server) -> None:
    name = FILES["test_labels"]
    source = find_mnist_file(real_data_dir, name)  # serve it gzipped, as mirrors do
    served = source.read_bytes() if source.suffix == ".gz" else gzip.compress(source.read_bytes())
    (server.root / f"{name}.gz").write_bytes(served)
    dest = tmp_path / "dest"
    path = download_file(name, dest, mirrors=[f"http://{HOST}:{server.port}/"])
    assert path == dest / f"{name}.gz"
    assert listing(dest) == {path.name}
    labels = read_idx(path)
    assert labels.shape == (10000,)
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
