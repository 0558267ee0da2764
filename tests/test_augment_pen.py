"""Pen strokes (lenet.data.augment_pen): the kernel against its NumPy twin, the pen's width and
the digit's box, and the switch in the augmentation pipeline and the training config."""

from __future__ import annotations

import numpy as np
import pytest

from lenet.data.augment import AugmentConfig, augment_batch, without_distortions
from lenet.data.augment_pen import PEN_MASK_LEVEL, pen_kernel, pen_numpy
from lenet.training.config import TrainConfig
from lenet.training.trainer import augmentation_of

H = W = 28
YY, XX = np.mgrid[0:H, 0:W].astype(np.float64)

# Every geometric and thickness stage off: only the pen changes an image.
STILL = AugmentConfig(max_shift=0.0, max_rotation=0.0, scale_min=1.0, scale_max=1.0,
                      max_aspect=0.0, max_shear=0.0, dilate_prob=0.0, erode_prob=0.0,
                      elastic_prob=0.0, affine_enabled=False)


def _line(p0: tuple[float, float], p1: tuple[float, float], w0: float, w1: float
          ) -> np.ndarray:
    """A soft-edged (28, 28) stroke from p0 to p1 ((y, x) px) whose width goes w0 → w1 px."""
    (ay, ax), (by, bx) = p0, p1
    dy, dx = by - ay, bx - ax
    t = np.clip(((YY - ay) * dy + (XX - ax) * dx) / (dy * dy + dx * dx), 0, 1)
    dist = np.hypot(YY - ay - t * dy, XX - ax - t * dx)
    return np.clip(0.5 * (w0 + t * (w1 - w0)) - dist + 0.5, 0, 1).astype(np.float32)


def _ring(radius: float, width: float) -> np.ndarray:
    r = np.hypot(YY - 13.5, XX - 13.5)
    return np.clip(0.5 * width - np.abs(r - radius) + 0.5, 0, 1).astype(np.float32)


def _shapes() -> np.ndarray:
    """Digit-like images: lines thick and thin, rings, a cross, a dot, ink on the border,
    nothing at all, a loop inked full and random blotches (N, 28, 28) float32 in [0, 1]."""
    rng = np.random.default_rng(3)
    seven = np.maximum(_line((5, 6), (5, 21), 2, 3), _line((5, 21), (23, 10), 3, 1.5))
    cross = np.maximum(_line((4, 14), (24, 14), 2.5, 2.5), _line((14, 4), (14, 24), 2.5, 2.5))
    edge = _line((0, 0), (27, 27), 3, 3)
    dot = np.zeros((H, W), np.float32)
    dot[13:15, 13:15] = 1.0
    blotches = (rng.random((6, H, W)) ** 3).astype(np.float32)
    return np.stack([_line((4, 14), (24, 12), 1.5, 4.5), _ring(8, 2.5), _ring(9, 5),
                     seven, cross, edge, dot, np.zeros((H, W), np.float32), _inked_six(),
                     *blotches])


def _inked_six() -> np.ndarray:
    """A 6 whose loop is inked full: a disc 9 px across under a 3 px stroke."""
    disc = np.clip(4.5 - np.hypot(YY - 18, XX - 13) + 0.5, 0, 1).astype(np.float32)
    return np.maximum(disc, _line((4, 17), (18, 10), 3, 3))


def _box(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) (y, x) pixel of the ink above PEN_MASK_LEVEL."""
    yx = np.argwhere(image > PEN_MASK_LEVEL)
    return yx.min(axis=0), yx.max(axis=0)


def test_kernel_matches_numpy_twin() -> None:
    images = _shapes()
    rng = np.random.default_rng(0)
    n = len(images)
    width = rng.uniform(1.2, 4.5, n).astype(np.float32)
    soft = rng.uniform(0.8, 1.5, n).astype(np.float32)
    out = pen_kernel(images, np.ones(n, bool), width, soft)
    for i in range(n):
        np.testing.assert_allclose(out[i], pen_numpy(images[i], width[i], soft[i]), atol=1e-6,
                                   err_msg=f"image {i}")


def test_only_the_chosen_images_change_and_the_input_is_kept() -> None:
    images = _shapes()
    before = images.copy()
    chosen = np.arange(len(images)) % 2 == 0
    out = pen_kernel(images, chosen, np.full(len(images), 3.0, np.float32),
                     np.ones(len(images), np.float32))
    np.testing.assert_array_equal(images, before)
    np.testing.assert_array_equal(out[~chosen], images[~chosen])
    inked = chosen & (images > PEN_MASK_LEVEL).any(axis=(1, 2))
    inked[[6, 8]] = False  # the dot, below, and the inked loop (next test)
    assert all(not np.array_equal(out[i], images[i]) for i in np.flatnonzero(inked))
    np.testing.assert_array_equal(out[7], images[7])  # no ink: nothing to redraw
    dot = pen_kernel(images[6:7], np.ones(1, bool), np.full(1, 3.0, np.float32),
                     np.ones(1, np.float32))
    np.testing.assert_array_equal(dot[0], images[6])  # a 2x2 dot thins to nothing: kept


def test_a_loop_inked_full_is_left_as_it_was() -> None:
    six = _inked_six()
    one = np.ones(1, np.float32)
    np.testing.assert_array_equal(pen_kernel(six[None], np.ones(1, bool), 2 * one, one)[0], six)
    np.testing.assert_array_equal(pen_numpy(six, 2.0, 1.0), six)
    stroke = _line((4, 17), (24, 10), 5, 5)  # a bold stroke is still redrawn
    assert np.abs(pen_numpy(stroke, 2.0, 1.0) - stroke).max() > 0.5


@pytest.mark.parametrize("width", [1.5, 2.5, 4.0])
def test_output_in_unit_range_with_the_digits_box(width: float) -> None:
    images = _shapes()[:6]  # the digit-like ones
    out = pen_kernel(images, np.ones(len(images), bool), np.full(len(images), width, np.float32),
                     np.ones(len(images), np.float32))
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0
    for i in range(len(images)):
        (lo0, hi0), (lo1, hi1) = _box(images[i]), _box(out[i])
        long = int(np.argmax(hi0 - lo0))
        assert abs((hi1 - lo1)[long] - (hi0 - lo0)[long]) <= 1, f"image {i}"
        assert np.abs((lo1 + hi1) - (lo0 + hi0)).max() <= 2, f"image {i}"  # centre ±1 px


def test_pen_width_is_constant_along_a_stroke_and_follows_the_width_asked() -> None:
    swelling = _line((4, 14), (24, 14), 1.2, 5.0)  # a vertical stroke, thin to fat
    rows = slice(8, 21)
    inks = []
    for width in (1.5, 2.5, 3.5):
        out = pen_numpy(swelling, width, 1.0)
        across = out[rows].sum(axis=1)  # ink per row = the stroke's width there
        assert across.max() - across.min() < 0.15
        assert abs(across.mean() - width) < 0.3
        inks.append(out.sum())
    assert inks[0] < inks[1] < inks[2]
    assert np.ptp(swelling[rows].sum(axis=1)) > 2  # the original was not constant


def test_probability_zero_leaves_images_and_random_stream_unchanged() -> None:
    images = (_shapes() * 255).astype(np.uint8)
    labels = np.arange(len(images)) % 10
    for config in (STILL, AugmentConfig()):
        rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
        a = augment_batch(images, rng_a, config, labels)
        b = augment_batch(images, rng_b, AugmentConfig(**{**config.__dict__, "pen_prob": 0.0,
                                                          "pen_width": (1.0, 1.0)}), labels)
        np.testing.assert_array_equal(a, b)
        assert rng_a.random() == rng_b.random()
    still = augment_batch(images, np.random.default_rng(5), STILL)
    np.testing.assert_array_equal(still, images.astype(np.float32) / np.float32(255))


def test_probability_one_redraws_every_inked_image_in_the_pipeline() -> None:
    images = _shapes()
    cfg = AugmentConfig(**{**STILL.__dict__, "pen_prob": 1.0, "pen_width": (3.0, 3.0),
                           "pen_soft": (1.0, 1.0)})
    out = augment_batch(images, np.random.default_rng(1), cfg)
    expected = pen_kernel(images, np.ones(len(images), bool), np.full(len(images), 3.0,
                          np.float32), np.ones(len(images), np.float32))
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_pen_images_skip_the_thickness_change() -> None:
    images = _shapes()[:6]
    thick = {**STILL.__dict__, "dilate_prob": 1.0, "dilate_strength": (1.0, 1.0),
             "pen_width": (2.0, 2.0), "pen_soft": (1.0, 1.0)}
    penned = augment_batch(images, np.random.default_rng(2),
                           AugmentConfig(**{**thick, "pen_prob": 1.0}))
    dilated = augment_batch(images, np.random.default_rng(2), AugmentConfig(**thick))
    assert (penned.sum(axis=(1, 2)) < dilated.sum(axis=(1, 2))).all()
    for i in range(len(images)):  # the pen's 2 px, not dilated further
        np.testing.assert_allclose(penned[i], pen_numpy(images[i], 2.0, 1.0), atol=1e-6)


def test_bad_settings_rejected_and_the_run_config_reaches_the_augmentation() -> None:
    with pytest.raises(ValueError, match="pen_prob"):
        AugmentConfig(pen_prob=1.5)
    with pytest.raises(ValueError, match="pen_width"):
        AugmentConfig(pen_width=(0.0, 2.0))
    with pytest.raises(ValueError, match="pen_soft"):
        AugmentConfig(pen_soft=(2.0, 1.0))
    with pytest.raises(ValueError, match="pen strokes"):
        TrainConfig(pen_strokes=-0.1)
    assert augmentation_of(TrainConfig(pen_strokes=0.4)).pen_prob == 0.4
    light = augmentation_of(TrainConfig(augmentation="light", pen_strokes=0.0))
    assert light.pen_prob == 0.0 and light.elastic_prob == 0.25
    # the last, plain epochs settle on MNIST's own strokes: no pen there
    assert without_distortions(AugmentConfig(pen_prob=0.5)).pen_prob == 0.0
