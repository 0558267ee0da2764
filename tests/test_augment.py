"""Augmentation (augment, augment_geometry, augment_kernels): kernels vs NumPy twins, geometry,
determinism, API contract."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from lenet.data.augment import AugmentConfig, augment_batch
from lenet.data.augment_geometry import affine_matrices, fit_in_frame, linear_part
from lenet.data.augment_kernels import (
    OP_DILATE,
    OP_ERODE,
    OP_NONE,
    dilate_numpy,
    erode_numpy,
    gaussian_weights,
    ink_bbox_kernel,
    ink_bbox_numpy,
    morph_kernel,
    morph_numpy,
    smooth_fields,
    smooth_numpy,
    warp_kernel,
    warp_numpy,
)

H = W = 28
NO_DISP = np.zeros((0, 2, H, W), dtype=np.float32)

# Every random stage switched to "do nothing" while the pipeline still runs.
IDENTITY = AugmentConfig(
    max_shift=0.0,
    max_rotation=0.0,
    scale_min=1.0,
    scale_max=1.0,
    max_aspect=0.0,
    max_shear=0.0,
    dilate_prob=0.0,
    erode_prob=0.0,
    elastic_prob=0.0,
)


def _no_disp_idx(n: int) -> np.ndarray:
    return np.full(n, -1, dtype=np.int64)


def _digit_like(size: int = 20) -> np.ndarray:
    """A (28, 28) float32 '0'-like ring with soft edges, filling a centred size×size box."""
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    c = (H - 1) / 2.0
    r = np.hypot((xs - c) / (size / 2.0), (ys - c) / (size / 2.0))
    ring = np.clip(1.0 - np.abs(r - 0.8) / 0.2, 0.0, 1.0)
    return ring.astype(np.float32)


def _random_images(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sparse-ish random images in [0, 1] with exact zeros and ones, float32."""
    img = rng.random((n, H, W), dtype=np.float32)
    img[img < 0.5] = 0.0
    img[img > 0.9] = 1.0
    return img


# ------------------------------------------------------------------ kernels vs NumPy twins


def test_morph_kernel_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    n = 24
    images = _random_images(rng, n)
    ops = rng.integers(0, 3, n).astype(np.int8)
    square = rng.random(n) < 0.5
    strength = rng.random(n).astype(np.float32)
    got = morph_kernel(images, ops, square, strength)
    want = morph_numpy(images, ops, square, strength)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize("square", [False, True])
def test_morph_kernel_full_strength_is_plain_dilation_and_erosion(square: bool) -> None:
    rng = np.random.default_rng(1)
    images = _random_images(rng, 4)
    one = np.ones(4, dtype=np.float32)
    sq = np.full(4, square)
    dil = morph_kernel(images, np.full(4, OP_DILATE, np.int8), sq, one)
    ero = morph_kernel(images, np.full(4, OP_ERODE, np.int8), sq, one)
    for i in range(4):
        np.testing.assert_array_equal(dil[i], dilate_numpy(images[i], square))
        np.testing.assert_array_equal(ero[i], erode_numpy(images[i], square))


def test_ink_bbox_kernel_matches_numpy() -> None:
    rng = np.random.default_rng(2)
    images = np.zeros((6, H, W), dtype=np.float32)
    for i in range(5):
        y0, x0 = rng.integers(0, 20, 2)
        images[i, y0 : y0 + rng.integers(1, 8), x0 : x0 + rng.integers(1, 8)] = 0.7
    # image 5 stays empty -> NaN row
    got = ink_bbox_kernel(images, 0.2)
    want = ink_bbox_numpy(images, 0.2)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[5]).all()


@pytest.mark.parametrize("sigma", [1.5, 4.0])
def test_smooth_fields_matches_numpy(sigma: float) -> None:
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (5, 2, H, W), dtype=np.uint8)
    weights = gaussian_weights(sigma, H)
    got = smooth_fields(noise, weights, 20.0)
    want = smooth_numpy(noise, weights, 20.0)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_smoothed_field_has_documented_magnitude() -> None:
    """Interior displacement std ≈ alpha · sqrt(1/3) · Σw² (≈ 0.04·alpha for sigma = 4)."""
    rng = np.random.default_rng(4)
    weights = gaussian_weights(4.0, H)
    alpha = 20.0
    noise = rng.integers(0, 256, (400, 2, H, W), dtype=np.uint8)
    field = smooth_fields(noise, weights, alpha)
    expected = alpha * np.sqrt(1.0 / 3.0) * np.sum(weights**2)
    assert expected == pytest.approx(0.04 * alpha, rel=0.05)
    assert field[:, :, 12:16, 12:16].std() == pytest.approx(expected, rel=0.15)


def test_warp_kernel_matches_numpy() -> None:
    rng = np.random.default_rng(5)
    n = 16
    images = _random_images(rng, n)
    inv = affine_matrices(
        (H, W),
        angle_deg=rng.uniform(-40, 40, n),
        scale=rng.uniform(0.7, 1.3, n),
        shift=rng.uniform(-4, 4, (n, 2)),
        shear=rng.uniform(-0.4, 0.4, n),
        aspect=rng.uniform(0.8, 1.25, n),
    )
    disp = rng.normal(0.0, 1.5, (5, 2, H, W)).astype(np.float32)
    disp_idx = _no_disp_idx(n)
    disp_idx[[1, 4, 7, 10, 15]] = np.arange(5)
    got = warp_kernel(images, inv, disp, disp_idx)
    want = warp_numpy(images, inv, disp, disp_idx)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-5)


# ------------------------------------------------------------------ geometry


def test_identity_matrix_returns_input() -> None:
    images = _random_images(np.random.default_rng(6), 3)
    inv = affine_matrices((H, W), angle_deg=np.zeros(3))
    np.testing.assert_array_equal(warp_kernel(images, inv, NO_DISP, _no_disp_idx(3)), images)


def test_identity_config_returns_input() -> None:
    img = (_digit_like() * 255).round().astype(np.uint8)[None].repeat(5, axis=0)
    out = augment_batch(img, np.random.default_rng(7), IDENTITY)
    np.testing.assert_allclose(out, img / 255.0, atol=1e-7)


def _centre_of_mass(img: np.ndarray) -> np.ndarray:
    ys, xs = np.mgrid[0 : img.shape[0], 0 : img.shape[1]]
    return np.array([(xs * img).sum(), (ys * img).sum()]) / img.sum()


@pytest.mark.parametrize("shift", [(3.0, -2.0), (-1.0, 4.0), (0.0, 0.0)])
def test_integer_shift_moves_centre_of_mass(shift: tuple[float, float]) -> None:
    img = _digit_like(16)[None]
    inv = affine_matrices((H, W), shift=shift)
    out = warp_kernel(img, inv, NO_DISP, _no_disp_idx(1))
    np.testing.assert_allclose(_centre_of_mass(out[0]) - _centre_of_mass(img[0]), shift, atol=1e-9)
    np.testing.assert_allclose(out.sum(), img.sum(), rtol=1e-6)  # nothing left the frame


def test_rotation_by_90_degrees_matches_rot90() -> None:
    pattern = np.zeros((H, W), dtype=np.float32)
    pattern[5:9, 6:20] = 1.0  # horizontal bar near the top
    pattern[9:22, 6:9] = 0.5  # vertical bar on the left
    pattern[20, 23] = 0.8  # a lone dot
    inv = affine_matrices((H, W), angle_deg=90.0)
    out = warp_kernel(pattern[None], inv, NO_DISP, _no_disp_idx(1))[0]
    # positive angle = counter-clockwise on screen, like np.rot90
    np.testing.assert_allclose(out, np.rot90(pattern), atol=1e-6)


def test_dilation_adds_ink_and_erosion_removes_it() -> None:
    img = _digit_like()[None].repeat(2, axis=0)
    strength = np.ones(2, dtype=np.float32)
    for square in (False, True):
        sq = np.full(2, square)
        dil = morph_kernel(img, np.full(2, OP_DILATE, np.int8), sq, strength)
        ero = morph_kernel(img, np.full(2, OP_ERODE, np.int8), sq, strength)
        assert dil.sum() > 1.2 * img.sum()
        assert ero.sum() < 0.8 * img.sum()
        assert (dil >= img).all() and (ero <= img).all()
    same = morph_kernel(img, np.full(2, OP_NONE, np.int8), np.zeros(2, bool), strength)
    np.testing.assert_array_equal(same, img)


def test_fit_in_frame_clamps_shift_and_shrinks_oversized_digits() -> None:
    bbox = np.array([[4.0, 23.0, 4.0, 23.0], [4.0, 23.0, 4.0, 23.0], [np.nan] * 4])
    lin = linear_part(
        np.array([0.0, 45.0, 0.0]), np.array([1.0, 1.3, 1.0]), np.ones(3), np.zeros(3)
    )
    shift = np.array([[10.0, -10.0], [3.0, 3.0], [2.0, -2.0]])
    new_lin, new_shift = fit_in_frame(lin, shift, bbox, (H, W), margin=1.0)
    # a 19-px box may move by 13.5 - 1 - 9.5 = 3 px at most
    np.testing.assert_allclose(new_shift[0], [3.0, -3.0])
    # 1.3 × rotated 45° does not fit: shrunk to exactly fill the allowed 25 px, centred
    assert np.abs(new_lin[1]).sum(axis=1).max() * 19.0 == pytest.approx(25.0)
    np.testing.assert_allclose(new_shift[1], [0.0, 0.0], atol=1e-9)
    # no ink: untouched
    np.testing.assert_array_equal(new_shift[2], shift[2])
    np.testing.assert_array_equal(new_lin[2], lin[2])


# ------------------------------------------------------------------ determinism


def _batch() -> np.ndarray:
    rng = np.random.default_rng(8)
    base = (_digit_like() * 255).astype(np.uint8)
    return np.stack([np.roll(base, tuple(rng.integers(-3, 4, 2)), axis=(0, 1)) for _ in range(40)])


def test_same_seed_same_output_different_seed_different_output() -> None:
    x = _batch()
    a = augment_batch(x, np.random.default_rng(123))
    b = augment_batch(x, np.random.default_rng(123))
    c = augment_batch(x, np.random.default_rng(124))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.1


def test_output_independent_of_thread_count() -> None:
    x = _batch()
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = augment_batch(x, np.random.default_rng(9))
    finally:
        numba.set_num_threads(before)
    many = augment_batch(x, np.random.default_rng(9))
    np.testing.assert_array_equal(one, many)


def test_large_batch_spanning_several_chunks_is_deterministic() -> None:
    x = np.tile(_batch(), (60, 1, 1))  # 2400 images > one internal chunk
    a = augment_batch(x, np.random.default_rng(10))
    b = augment_batch(x, np.random.default_rng(10))
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape
    assert np.abs(a[:40] - a[-40:]).max() > 0.1  # later chunks are not copies of the first


# ------------------------------------------------------------------ API contract


def test_dtype_range_shape_and_input_types() -> None:
    x8 = _batch()
    xf = x8.astype(np.float32) / 255.0
    keep = xf.copy()
    out8 = augment_batch(x8, np.random.default_rng(11))
    outf = augment_batch(xf, np.random.default_rng(11))
    out64 = augment_batch(xf.astype(np.float64), np.random.default_rng(11))
    for out in (out8, outf, out64):
        assert out.dtype == np.float32
        assert out.shape == x8.shape
        assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_allclose(out8, outf, atol=1e-5)
    np.testing.assert_allclose(out64, outf, atol=1e-5)
    np.testing.assert_array_equal(xf, keep)  # input untouched


def test_empty_batch() -> None:
    for dtype in (np.uint8, np.float32):
        out = augment_batch(np.zeros((0, H, W), dtype=dtype), np.random.default_rng(12))
        assert out.shape == (0, H, W)
        assert out.dtype == np.float32


def test_disabled_returns_float_copy() -> None:
    x = _batch()
    out = augment_batch(x, np.random.default_rng(13), AugmentConfig(enabled=False))
    np.testing.assert_allclose(out, x / 255.0, atol=1e-7)
    assert out.dtype == np.float32


def test_bad_inputs_rejected() -> None:
    rng = np.random.default_rng(14)
    with pytest.raises(ValueError):
        augment_batch(np.zeros((H, W), dtype=np.uint8), rng)
    with pytest.raises(TypeError):
        augment_batch(np.zeros((1, H, W), dtype=np.int32), rng)
    with pytest.raises(ValueError):
        AugmentConfig(scale_min=1.2, scale_max=1.1)
    with pytest.raises(ValueError):
        AugmentConfig(dilate_prob=0.7, erode_prob=0.5)


def test_each_stage_changes_the_image() -> None:
    x = _batch()
    off = dict(affine_enabled=False, morph_enabled=False, elastic_enabled=False)
    for stage, extra in [
        ("affine_enabled", {}),
        ("morph_enabled", dict(dilate_prob=0.5, erode_prob=0.5)),
        ("elastic_enabled", dict(elastic_prob=1.0)),
    ]:
        cfg = AugmentConfig(**{**off, stage: True, **extra})
        out = augment_batch(x, np.random.default_rng(15), cfg)
        assert np.abs(out - x / 255.0).max() > 0.2, stage


# ------------------------------------------------------------------ ink stays in frame


def test_ink_stays_in_frame() -> None:
    """A centred 20×20 digit-like ring keeps (almost) all its ink off the outermost pixel ring,
    with the default ranges and with maximal parameters (largest scale every time, thickest
    strokes, elastic field on every image, and a much stronger field)."""
    blob = _digit_like(20)  # ink box 20×20, centred, like MNIST
    x = np.repeat(blob[None], 300, axis=0)
    maximal = dict(
        scale_min=1.15, scale_max=1.15, dilate_prob=1.0, dilate_square_prob=1.0, erode_prob=0.0
    )
    for config, worst in [
        (AugmentConfig(), 0.005),
        (AugmentConfig(**maximal, elastic_prob=1.0), 0.01),
        (AugmentConfig(**maximal, elastic_prob=1.0, elastic_alpha=34.0), 0.05),
    ]:
        out = augment_batch(x, np.random.default_rng(16), config)
        border = out.copy()
        border[:, 1:-1, 1:-1] = 0.0  # outermost ring of pixels
        total = out.sum(axis=(1, 2))
        frac = border.sum(axis=(1, 2)) / total
        assert frac.max() <= worst, config
        assert frac.mean() <= 0.005, config
        # the digit is not lost on the way (scale ≥ 0.85 and erosion remove at most ~half)
        assert (total >= 0.4 * blob.sum()).all()
