"""Damaged, unreadable and hostile MNIST files: folders, permissions, gzip bombs, flipped
bytes, seeded fuzzing."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from lenet.data.idx import IdxError, read_idx, write_idx
from lenet.data.mnist import FILES, load_mnist
from tests.test_mnist import make_fake_mnist


def test_a_folder_named_like_an_mnist_file(tmp_path: Path) -> None:
    make_fake_mnist(tmp_path)
    (tmp_path / f"{FILES['test_labels']}.gz").unlink()
    (tmp_path / f"{FILES['test_labels']}.gz").mkdir()
    with pytest.raises(IdxError, match="is a folder or a device, not an MNIST file"):
        load_mnist(tmp_path)
    with pytest.raises(IdxError, match="is a folder"):
        read_idx(tmp_path / f"{FILES['test_labels']}.gz")


def test_an_unreadable_file_is_an_idx_error(tmp_path: Path, monkeypatch) -> None:
    """Permission denied (simulated: the tests may run as root, who may read anything)."""
    path = write_idx(tmp_path / "a.idx", np.zeros(3, np.uint8))
    real_open = open

    def denied(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(IdxError, match="cannot read the file \\(Permission denied\\)") as info:
        read_idx(path)
    assert str(path) in str(info.value) and "Errno" not in str(info.value)


def test_a_gzip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    """A 1 MB file whose header declares 2**31 images and whose payload inflates to
    gigabytes: refused from the header, with memory for one small read."""
    make_fake_mnist(tmp_path)
    name = FILES["train_images"]
    header = struct.pack(">BBBBIII", 0, 0, 0x08, 3, 2**31, 28, 28)
    with gzip.open(tmp_path / f"{name}.gz", "wb", compresslevel=9) as f:
        f.write(header)
        zeros = bytes(1 << 20)
        for _ in range(64):  # 64 MiB of zeros: a few hundred KB compressed
            f.write(zeros)
    tracemalloc.start()
    with pytest.raises(IdxError, match="larger than this file can be") as info:
        load_mnist(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert name in str(info.value)
    assert peak < 8 * 2**20


def test_a_damaged_raw_standard_file_fails_its_checksum(tmp_path: Path) -> None:
    """Raw files have no CRC: one of exactly the standard size is checked by SHA-256."""
    make_fake_mnist(tmp_path)
    name = FILES["test_labels"]
    (tmp_path / f"{name}.gz").unlink()
    labels = np.zeros(10_000, np.uint8)  # the standard size, not the standard content
    write_idx(tmp_path / name, labels)
    with pytest.raises(IdxError, match="has the size of MNIST's t10k-labels-idx1-ubyte but not"):
        load_mnist(tmp_path)


# --------------------------------------------------------------------------- seeded fuzzing


@pytest.mark.parametrize("compressed", [False, True])
def test_mutated_idx_files(tmp_path: Path, compressed: bool) -> None:
    """Byte flips in the header and payload, and truncations: an array or an IdxError naming
    the file, never another exception. (A flip in a raw file's pixels cannot be seen from
    the file alone: that is why the standard files are checked against their SHA-256.)"""
    images = np.random.default_rng(0).integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    original = write_idx(tmp_path / ("a.idx.gz" if compressed else "a.idx"), images).read_bytes()
    target = tmp_path / "mutated"
    rng = np.random.default_rng(1 + compressed)
    refused = 0
    for trial in range(400):
        data = bytearray(original)
        if trial % 5 == 4:
            data = data[: int(rng.integers(0, len(data)))]
        else:
            span = len(data) if trial % 2 else min(len(data), 40)  # half of them in the header
            for pos in rng.integers(0, span, size=int(rng.integers(1, 4))):
                data[pos] ^= int(rng.integers(1, 256))
        target.write_bytes(bytes(data))
        try:
            result = read_idx(target, max_bytes=16 + images.size)
        except IdxError as e:
            assert str(target) in str(e)
            refused += 1
            continue
        assert result.nbytes <= images.size
    assert refused > 100
