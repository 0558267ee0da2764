"""Writing styles: the training-side synthesis (lenet.data.augment_styles) and the per-style
drawn test set (lenet.devtools.styles) read with the bundled model."""

from __future__ import annotations

import numpy as np
import pytest

from lenet.data.augment import AugmentConfig, augment_batch
from lenet.data.augment_styles import StyleConfig, draw_styles, synthesise_styles
from lenet.devtools.styles import CANVAS, STYLES, draw_style_set, score_style
from lenet.devtools.styles.templates import PLAIN
from lenet.ink import Stroke, render_strokes
from lenet.model_file import bundled_model_path, load_model

STYLED = (0, 1, 4, 6, 7, 9)  # the labels with a style of their own
ALWAYS = StyleConfig(one_flag=1.0, one_base=0.5, seven_bar=1.0, zero_slash=0.5, zero_open=0.5,
                     four_near_closed=1.0, six_overshoot=1.0, nine_curl=1.0, bold=0.0,
                     flat=0.0)


def _digits(per_label: int = 6, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-like 28x28 float32 digits drawn from the plain templates (20 px box, centred,
    about MNIST's stroke width), and their labels."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label in range(10):
        for _ in range(per_label):
            lines = PLAIN[label](rng)
            allp = np.concatenate(lines)
            lo, hi = allp.min(axis=0), allp.max(axis=0)
            k = 18.0 / max(hi - lo)
            off = 14.0 - 0.5 * (lo + hi) * k
            strokes = [Stroke(p * k + off, rng.uniform(2.0, 3.0)) for p in lines]
            images.append(render_strokes(strokes, (28, 28)))
            labels.append(label)
    return np.stack(images).astype(np.float32), np.asarray(labels)


def _synth(x, y, seed, config=ALWAYS):
    return synthesise_styles(x, y, draw_styles(len(x), np.random.default_rng(seed)), config)


def test_synthesis_is_deterministic_per_seed() -> None:
    x, y = _digits()
    a, _, _ = _synth(x, y, 1)
    b, _, _ = _synth(x, y, 1)
    c, _, _ = _synth(x, y, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    full = augment_batch(x, np.random.default_rng(5), labels=y)
    np.testing.assert_array_equal(full, augment_batch(x, np.random.default_rng(5), labels=y))


def test_only_the_intended_labels_change() -> None:
    x, y = _digits()
    out, aspect, scale = _synth(x, y, 4)
    changed = np.abs(out - x).max(axis=(1, 2)) > 0.05
    assert not changed[~np.isin(y, STYLED)].any()  # 2, 3, 5, 8 have no style of their own
    assert changed[np.isin(y, STYLED)].all()
    assert (aspect == 1.0).all() and (scale == 1.0).all()
    bold, _, _ = _synth(x, y, 4, StyleConfig(**{**_off(), "bold": 1.0}))
    thicker = bold.sum(axis=(1, 2)) > 1.2 * x.sum(axis=(1, 2))
    np.testing.assert_array_equal(thicker, y != 1)  # a bold 1 is still a 1: left alone
    _, aspect, scale = _synth(x, y, 4, StyleConfig(**{**_off(), "flat": 1.0}))
    np.testing.assert_array_equal(aspect > 1.7, y != 1)
    np.testing.assert_array_equal(scale < 1.0, y != 1)


def _off() -> dict:
    return dict(one_flag=0.0, seven_bar=0.0, zero_slash=0.0, zero_open=0.0,
                four_near_closed=0.0, six_overshoot=0.0, nine_curl=0.0, bold=0.0, flat=0.0)


def test_a_zero_left_open_loses_ink_at_its_top_only() -> None:
    x, y = _digits()
    out, _, _ = _synth(x, y, 6, StyleConfig(**{**_off(), "zero_open": 1.0}))
    zeros = y == 0
    lost = (x - out)[zeros]
    assert (lost >= 0).all() and (lost[:, :12].sum(axis=(1, 2)) > 1.0).all()
    assert lost[:, 16:].sum() == 0.0


def test_synthesised_strokes_stay_inside_the_frame() -> None:
    x, y = _digits(per_label=12)
    for seed in range(3):
        for config in (ALWAYS, StyleConfig(**{**_off(), "bold": 1.0})):
            out, _, _ = _synth(x, y, seed, config)
            added = np.clip(out - x, 0.0, None)
            ring = added.copy()
            ring[:, 1:-1, 1:-1] = 0.0
            assert ring.max() == 0.0


def test_styles_are_used_only_with_labels() -> None:
    x, y = _digits()
    cfg = AugmentConfig(styles=StyleConfig(one_flag=1.0, bold=1.0))
    plain = augment_batch(x, np.random.default_rng(8))
    np.testing.assert_array_equal(plain, augment_batch(x, np.random.default_rng(8), cfg))
    assert not np.array_equal(plain, augment_batch(x, np.random.default_rng(8), cfg, y))
    with pytest.raises(ValueError, match="one label per image"):
        augment_batch(x, np.random.default_rng(8), cfg, y[:-1])


def test_style_config_rejects_bad_probabilities() -> None:
    with pytest.raises(ValueError):
        StyleConfig(one_flag=1.5)
    with pytest.raises(ValueError):
        StyleConfig(zero_slash=0.6, zero_open=0.6)
    with pytest.raises(ValueError):
        StyleConfig(flat_aspect=(0.5, 2.0))


# ------------------------------------------------------------------ the drawn style set

# Seed 7 was never looked at while developing (development: 100, reported figures: 0).
SEED, N = 7, 10


def test_the_style_set_is_deterministic_and_inside_the_canvas() -> None:
    for style in STYLES:
        drawings, labels = draw_style_set(style, 4, SEED)
        again, _ = draw_style_set(style, 4, SEED)
        assert set(labels) <= set(style.digits)
        for strokes, same in zip(drawings, again, strict=True):
            pts = np.concatenate([s.points for s in strokes])
            assert pts.min() >= 0.0 and pts.max() <= CANVAS
            np.testing.assert_array_equal(pts, np.concatenate([s.points for s in same]))


# Floors: what the bundled model read on seed 7 (strokes, image path), less a margin.
FLOORS = {"1 long flag, no foot": 0.8, "6 loop overshooting": 0.7, "flat, about 2:1": 0.8,
          "bold (loops nearly filled)": 0.8}
DEFAULT_FLOOR = 0.9


@pytest.fixture(scope="module")
def bundled():
    return load_model(bundled_model_path())


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_each_writing_style_reads_right(bundled, style) -> None:
    score = score_style(bundled, style, N, SEED)
    floor = FLOORS.get(style.name, DEFAULT_FLOOR)
    assert score.strokes_right >= floor, score
    assert score.image_right >= floor, score


def test_strips_of_style_digits_are_deterministic_and_well_formed() -> None:
    from lenet.devtools.drawn.strips import make_strips_from
    from lenet.devtools.styles.draw import strip_digits

    strips = make_strips_from(strip_digits(), 12, SEED)
    again = make_strips_from(strip_digits(), 12, SEED)
    assert [s.number for s in strips] == [s.number for s in again]
    assert any(s.touching for s in strips) and not all(s.touching for s in strips)
    for s, t in zip(strips, again, strict=True):
        assert 2 <= len(s.number) <= 6 and s.number.isdigit()
        assert len(s.digit_strokes) == len(s.number) and sum(s.digit_strokes) == len(s.strokes)
        np.testing.assert_array_equal(np.concatenate([k.points for k in s.strokes]),
                                      np.concatenate([k.points for k in t.strokes]))
    digits = "".join(s.number for s in make_strips_from(strip_digits(), 40, SEED))
    assert set(digits) == set("0123456789")
