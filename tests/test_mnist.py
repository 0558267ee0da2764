"""Tests for lenet.data.mnist: the IDX reader, the MnistData checks, and finding the data folder."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from lenet.data import mnist
from lenet.data.idx import IdxError, read_idx, write_idx
from lenet.data.mnist import FILES, MnistData, default_cache_dir, load_mnist, locate_data_dir

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(shape: tuple[int, ...], payload: bytes | None = None, type_code: int = 0x08) -> bytes:
    """Build an IDX file by hand (independently of lenet.data.idx.write_idx)."""
    header = struct.pack(">BBBB", 0, 0, type_code, len(shape))
    header += struct.pack(f">{len(shape)}I", *shape)
    if payload is None:
        payload = bytes(i % 256 for i in range(int(np.prod(shape))))
    return header + payload


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- read_idx: good files


@pytest.mark.parametrize("compressed", [False, True], ids=["raw", "gz"])
def test_read_idx_round_trip(tmp_path: Path, compressed: bool) -> None:
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    data = idx_bytes(images.shape, images.tobytes())
    name = "images.idx3" + (".gz" if compressed else "")
    path = write(tmp_path / name, gzip.compress(data) if compressed else data)

    result = read_idx(path)

    assert result.dtype == np.uint8
    assert result.shape == (5, 28, 28)
    np.testing.assert_array_equal(result, images)
    assert result.flags.writeable  # callers may normalise in place


def test_gzip_is_detected_by_content_not_suffix(tmp_path: Path) -> None:
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    data = idx_bytes(labels.shape, labels.tobytes())
    gz_without_suffix = write(tmp_path / "labels-idx1-ubyte", gzip.compress(data))
    raw_with_gz_suffix = write(tmp_path / "labels-idx1-ubyte.gz", data)
    np.testing.assert_array_equal(read_idx(gz_without_suffix), labels)
    np.testing.assert_array_equal(read_idx(raw_with_gz_suffix), labels)


def test_read_idx_big_endian_types(tmp_path: Path) -> None:
    values = np.array([[-1, 300], [2, -32768]], dtype=">i2")
    path = write(tmp_path / "shorts.idx", idx_bytes(values.shape, values.tobytes(), 0x0B))
    result = read_idx(path)
    assert result.dtype == np.int16 and result.dtype.isnative
    np.testing.assert_array_equal(result, [[-1, 300], [2, -32768]])


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_write_idx_round_trip(tmp_path: Path, dtype: type, suffix: str) -> None:
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = write_idx(tmp_path / f"a.idx{suffix}", array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    result = read_idx(path)
    assert result.dtype == array.dtype
    np.testing.assert_array_equal(result, array)


def test_write_idx_rejects_unstorable_arrays(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dtype"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.uint16))
    with pytest.raises(ValueError, match="dimensions"):
        write_idx(tmp_path / "x", np.zeros((1,) * 5, dtype=np.uint8))


# --------------------------------------------------------------------------- read_idx: bad files


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty file"),
        (b"\x00\x00", "too short for an IDX header"),
        (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x05", "bad magic number"),
        (b"<html><body>404 Not Found</body></html>", "bad magic number"),
        (idx_bytes((2,), b"\x00\x00", type_code=0x42), "unknown IDX element type code 0x42"),
        (b"\x00\x00\x08\x00", "unsupported number of dimensions 0"),
        (idx_bytes((1, 1, 1, 1, 1)), "unsupported number of dimensions 5"),
        (idx_bytes((3, 0, 28), b""), "dimension sizes must be positive"),
        (idx_bytes((10, 28, 28))[:10], "header truncated: 3 dimensions need 12 bytes"),
        (idx_bytes((1, 28, 28))[:-84], "truncated: expected 784 bytes of data, found 700"),
        (idx_bytes((4,), b"\x01\x02\x03\x04") + b"xyz", "3 unexpected trailing bytes"),
        # a lying header (4 * 10^9 elements) must not make the reader allocate gigabytes
        (idx_bytes((40000, 100000), b"\x00" * 10), "truncated: expected 4000000000 bytes"),
    ],
    ids=[
        "zero-bytes",
        "short-header",
        "bad-magic",
        "garbage",
        "unknown-dtype",
        "zero-dims",
        "five-dims",
        "zero-size-dim",
        "truncated-header",
        "truncated-payload",
        "trailing-bytes",
        "lying-header",
    ],
)
@pytest.mark.parametrize("compressed", [False, True], ids=["raw", "gz"])
def test_read_idx_rejects_bad_files(
    tmp_path: Path, data: bytes, expected: str, compressed: bool
) -> None:
    path = write(tmp_path / "bad-idx1-ubyte", gzip.compress(data) if compressed else data)
    with pytest.raises(IdxError) as info:
        read_idx(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message  # names the file


def test_read_idx_truncated_gzip_stream(tmp_path: Path) -> None:
    data = gzip.compress(idx_bytes((50, 28, 28), bytes(range(256)) * 153 + b"\x00" * 88))
    path = write(tmp_path / "cut.gz", data[: len(data) // 2])
    with pytest.raises(IdxError, match="corrupt or truncated gzip data") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_gzip_crc_error(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(idx_bytes((4,), b"\x01\x02\x03\x04")))
    data[-8] ^= 0xFF  # the trailer: CRC-32 (4 bytes) then the uncompressed size (4 bytes)
    path = write(tmp_path / "crc.gz", bytes(data))
    with pytest.raises(IdxError, match="corrupt or truncated gzip data"):
        read_idx(path)


def test_read_idx_garbage_after_gzip_stream(tmp_path: Path) -> None:
    data = gzip.compress(idx_bytes((4,), b"\x01\x02\x03\x04")) + b"garbage!"
    path = write(tmp_path / "tail.gz", data)
    with pytest.raises(IdxError, match="gzip"):
        read_idx(path)


def test_read_idx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


# --------------------------------------------------------------------------- MnistData / load_mnist


def make_fake_mnist(folder: Path, n_train: int = 6, n_test: int = 4, compress: bool = True) -> dict:
    """Write four tiny MNIST files to `folder`; return the arrays, keyed like FILES."""
    rng = np.random.default_rng(1)
    arrays = {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in FILES.items():
        write_idx(folder / (name + (".gz" if compress else "")), arrays[key])
    return arrays


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "raw"])
def test_load_mnist_fake_folder(tmp_path: Path, compress: bool) -> None:
    arrays = make_fake_mnist(tmp_path, compress=compress)
    data = load_mnist(tmp_path)
    for key, expected in arrays.items():
        np.testing.assert_array_equal(getattr(data, key), expected)
    assert data.train_images.shape == (6, 28, 28)
    assert data.test_labels.shape == (4,)
    assert repr(data) == "MnistData(train=6, test=4)"
    assert data.sources["train_images"].parent == tmp_path


def test_load_mnist_mixed_raw_and_gz(tmp_path: Path) -> None:
    make_fake_mnist(tmp_path)
    name = FILES["test_labels"]
    (tmp_path / name).write_bytes(gzip.decompress((tmp_path / f"{name}.gz").read_bytes()))
    (tmp_path / f"{name}.gz").unlink()
    assert load_mnist(tmp_path).test_labels.shape == (4,)


def test_mismatched_counts(tmp_path: Path) -> None:
    make_fake_mnist(tmp_path)
    write_idx(tmp_path / f"{FILES['train_labels']}.gz", np.zeros(5, dtype=np.uint8))
    with pytest.raises(IdxError) as info:
        load_mnist(tmp_path)
    message = str(info.value)
    assert FILES["train_labels"] in message and FILES["train_images"] in message
    assert "5 labels" in message and "6 images" in message


def test_labels_out_of_range(tmp_path: Path) -> None:
    make_fake_mnist(tmp_path)
    write_idx(tmp_path / f"{FILES['test_labels']}.gz", np.array([1, 2, 10, 255], dtype=np.uint8))
    with pytest.raises(IdxError) as info:
        load_mnist(tmp_path)
    message = str(info.value)
    assert FILES["test_labels"] in message
    assert "labels must be 0..9, found 10 at index 2 (2 bad labels)" in message


def test_wrong_image_shape(tmp_path: Path) -> None:
    make_fake_mnist(tmp_path)
    write_idx(tmp_path / f"{FILES['train_images']}.gz", np.zeros((6, 32, 32), dtype=np.uint8))
    with pytest.raises(IdxError, match=r"shape \(N, 28, 28\), got uint8 \(6, 32, 32\)") as info:
        load_mnist(tmp_path)
    assert FILES["train_images"] in str(info.value)


def test_labels_must_be_one_dimensional(tmp_path: Path) -> None:
    make_fake_mnist(tmp_path)
    write_idx(tmp_path / f"{FILES['train_labels']}.gz", np.zeros((6, 1), dtype=np.uint8))
    with pytest.raises(IdxError, match="labels of shape") as info:
        load_mnist(tmp_path)
    assert FILES["train_labels"] in str(info.value)


def test_mnist_data_from_arrays_names_the_field() -> None:
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    good = np.array([0, 9], dtype=np.uint8)
    MnistData(images, good, images, good)  # fine
    with pytest.raises(IdxError, match=r"test_labels: labels must be 0\.\.9"):
        MnistData(images, good, images, np.array([0, 12], dtype=np.uint8))
    with pytest.raises(IdxError, match="train_images: expected uint8 images"):
        MnistData(images.astype(np.float32), good, images, good)


def test_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(missing)
    message = str(info.value)
    for part in (str(missing), "lenet download", "--data-dir", "LENET_DATA_DIR"):
        assert part in message


def test_missing_file(tmp_path: Path) -> None:
    make_fake_mnist(tmp_path)
    (tmp_path / f"{FILES['test_images']}.gz").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path)
    message = str(info.value)
    for part in ("t10k-images-idx3-ubyte", str(tmp_path), "lenet download", "LENET_DATA_DIR"):
        assert part in message


# --------------------------------------------------------------------------- locating the data


def test_locate_explicit_beats_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENET_DATA_DIR", str(tmp_path / "from-env"))
    assert locate_data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert locate_data_dir(str(tmp_path / "explicit")) == tmp_path / "explicit"


def test_locate_env_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENET_DATA_DIR", str(tmp_path / "from-env"))
    assert locate_data_dir() == tmp_path / "from-env"
    assert locate_data_dir(None) == tmp_path / "from-env"


@pytest.mark.parametrize("env_value", [None, "", "   "])
def test_locate_default(monkeypatch: pytest.MonkeyPatch, env_value: str | None) -> None:
    if env_value is None:
        monkeypatch.delenv("LENET_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("LENET_DATA_DIR", env_value)
    assert locate_data_dir() == default_cache_dir()


def test_locate_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LENET_DATA_DIR", "~/mnist-here")
    assert locate_data_dir() == tmp_path / "mnist-here"


def test_default_cache_dir_is_per_user() -> None:
    path = default_cache_dir()
    assert path.name == "mnist"
    assert "lenet-digits" in path.parts
    assert path.is_absolute()


def test_load_mnist_without_argument_uses_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_fake_mnist(tmp_path / "data")
    monkeypatch.setenv("LENET_DATA_DIR", str(tmp_path / "data"))
    assert load_mnist().train_labels.shape == (6,)
    assert mnist.ENV_VAR == "LENET_DATA_DIR"


# --------------------------------------------------------------------------- the real MNIST


def test_real_mnist(real_data_dir: Path) -> None:
    data = load_mnist(real_data_dir)
    assert data.train_images.shape == (60000, 28, 28)
    assert data.train_labels.shape == (60000,)
    assert data.test_images.shape == (10000, 28, 28)
    assert data.test_labels.shape == (10000,)
    assert data.train_images.dtype == np.uint8 and data.test_labels.dtype == np.uint8
    assert int(data.train_images.max()) == 255 and int(data.train_images.min()) == 0
    assert np.bincount(data.train_labels, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(data.test_labels, minlength=10).tolist() == TEST_COUNTS
