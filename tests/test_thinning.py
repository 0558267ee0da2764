"""Thinning (lenet.ink.thinning): one-pixel skeletons and their free ends and forks."""

from __future__ import annotations

import numpy as np

from lenet.ink.thinning import skeleton, skeleton_ends_and_forks


def _disc(h: int, w: int, cy: float, cx: float, r: float) -> np.ndarray:
    y, x = np.mgrid[:h, :w]
    return (y - cy) ** 2 + (x - cx) ** 2 <= r * r


def test_a_thick_bar_thins_to_a_line_with_two_ends():
    bar = np.zeros((12, 30), bool)
    bar[3:8, 2:28] = True
    s = skeleton(bar)
    assert s.sum() >= 20 and (s & ~bar).sum() == 0
    assert s.sum(axis=0).max() == 1  # one pixel thick
    assert skeleton_ends_and_forks(bar) == (2, 0)


def test_a_plus_has_four_ends_and_a_fork():
    plus = np.zeros((25, 25), bool)
    plus[11:14, 2:23] = True
    plus[2:23, 11:14] = True
    ends, forks = skeleton_ends_and_forks(plus)
    assert ends == 4 and forks >= 1


def test_a_ring_has_no_ends_and_stays_closed():
    ring = _disc(24, 24, 11.5, 11.5, 10) & ~_disc(24, 24, 11.5, 11.5, 7)
    s = skeleton(ring)
    assert skeleton_ends_and_forks(ring) == (0, 0)
    assert not s[11, 11] and s.sum() > 30


def test_empty_and_single_pixel_masks():
    assert skeleton_ends_and_forks(np.zeros((5, 5), bool)) == (0, 0)
    dot = np.zeros((5, 5), bool)
    dot[2, 2] = True
    assert skeleton(dot).sum() == 1
