"""The very first start: plain NumPy answers while numba compiles, then the kernels take over.

The NumPy twins are pinned to the compiled paths (the fused LeNet-5, the layered pass, the
ink kernels), and the start-up is run with a compile that waits until the test lets it
finish: live prediction is on before it ends, and the answers keep their class after.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lenet.classifier import Classifier
from lenet.ink.components import label_components, label_components_numpy
from lenet.ink.distance import squared_distance_transform, squared_distance_transform_numpy
from lenet.nn.kernels import readiness
from lenet.nn.model import lenet5
from tests.conftest import BUNDLED_MODEL
from tests.datasets import real_mnist


@pytest.fixture
def plain_numpy():
    """Every thread on the NumPy twins for the test, the kernels again afterwards."""
    readiness.plain_numpy_until_compiled()
    yield
    readiness.compiled_everywhere()


def _bundled() -> Classifier:
    from lenet.model_file import load_model

    return load_model(BUNDLED_MODEL)


def _both(fn, *args):
    """fn(*args) through the compiled kernels, then through the NumPy twins."""
    compiled = fn(*args)
    readiness.plain_numpy_until_compiled()
    try:
        plain = fn(*args)
    finally:
        readiness.compiled_everywhere()
    return compiled, plain


@pytest.mark.parametrize("activation,pooling", [("relu", "max"), ("tanh", "avg")])
def test_numpy_inference_equals_the_fused_kernel_on_random_inputs(activation, pooling):
    rng = np.random.default_rng(3)
    clf = Classifier(lenet5(activation, pooling, rng=rng),
                     {"calibration": {"temperature": 1.3}})
    assert clf._fused is not None
    images = rng.random((300, 28, 28), dtype=np.float32)  # more than one NumPy chunk
    compiled, plain = _both(clf.predict_proba, images)
    assert plain.dtype == np.float32 and plain.shape == (300, 10)
    np.testing.assert_allclose(plain, compiled, atol=2e-6)
    np.testing.assert_allclose(plain, clf.predict_proba_layered(images), atol=2e-6)


def test_numpy_inference_equals_the_fused_kernel_on_mnist():
    data = real_mnist()
    clf = _bundled()
    images = data.test_images[:2000].astype(np.float32) / 255.0
    compiled, plain = _both(clf.predict_proba, images)
    np.testing.assert_allclose(plain, compiled, atol=1e-5)
    assert (plain.argmax(axis=1) == compiled.argmax(axis=1)).all()
    assert (plain.argmax(axis=1) == data.test_labels[:2000]).mean() > 0.98


def test_numpy_network_view_equals_the_layered_pass():
    clf = _bundled()
    image = real_mnist().test_images[7].astype(np.float32) / 255.0
    compiled, plain = _both(clf.activations, image)
    assert list(plain) == list(compiled)
    for name in compiled:
        assert plain[name].shape == compiled[name].shape, name
        np.testing.assert_allclose(plain[name], compiled[name], atol=2e-5, err_msg=name)


@pytest.mark.parametrize("shape,p", [((28, 28), 0.3), ((140, 170), 0.5), ((9, 300), 0.7),
                                     ((1, 1), 1.0), ((6, 5), 0.0)])
def test_numpy_ink_kernels_equal_the_compiled_ones(shape, p):
    mask = np.random.default_rng(sum(shape)).random(shape) < p
    (labels, stats), (plain_labels, plain_stats) = (label_components(mask),
                                                    label_components_numpy(mask))
    np.testing.assert_array_equal(plain_labels, labels)
    np.testing.assert_array_equal(plain_stats, stats)
    if mask.any():
        np.testing.assert_array_equal(squared_distance_transform_numpy(mask),
                                      squared_distance_transform(mask))


def test_numpy_thinning_equals_the_compiled_one():
    from lenet.ink.thinning import (
        skeleton,
        skeleton_ends_and_forks,
        skeleton_ends_and_forks_numpy,
        skeleton_numpy,
    )

    rng = np.random.default_rng(5)
    masks = [rng.random(tuple(rng.integers(1, 40, 2))) < rng.random() for _ in range(60)]
    plus = np.zeros((28, 28), bool)
    plus[4:24, 12:16] = plus[12:16, 4:24] = True
    for mask in [*masks, plus]:
        np.testing.assert_array_equal(skeleton_numpy(mask), skeleton(mask))
        assert skeleton_ends_and_forks_numpy(mask) == skeleton_ends_and_forks(mask)
    assert skeleton_ends_and_forks_numpy(plus)[0] == 4


def test_numpy_components_follow_a_long_winding_stroke():
    mask = np.zeros((60, 61), bool)
    mask[::4, 1:-1] = True
    for row in range(0, 56, 4):  # joined at alternate ends: one snake, numbered once
        mask[row : row + 5, 1 if row % 8 else 59] = True
    labels, stats = label_components_numpy(mask)
    assert len(stats) == 1 and stats[0, 0] == mask.sum()
    np.testing.assert_array_equal(labels, label_components(mask)[0])


def test_the_front_doors_switch_with_the_flag(plain_numpy, monkeypatch):
    """While NumPy answers, no compiled kernel is called; a compiling thread calls them."""
    from lenet.ink import preprocess_ink
    from lenet.nn import fused_inference

    calls = []
    real = fused_inference.FusedLeNet5.predict_proba
    monkeypatch.setattr(fused_inference.FusedLeNet5, "predict_proba",
                        lambda self, *a: calls.append(1) or real(self, *a))
    clf = _bundled()
    ink = np.zeros((60, 40), np.float32)
    ink[5:55, 18:23] = 1.0
    image = preprocess_ink(ink).image
    plain = clf.classify(image)
    assert calls == [] and not readiness.use_compiled()
    with readiness.compiled_in_this_thread():
        assert readiness.use_compiled()
        compiled = clf.classify(image)
    assert calls and not readiness.use_compiled()
    assert plain.digit == compiled.digit == 1
    np.testing.assert_allclose(plain.probabilities, compiled.probabilities, atol=1e-5)


class SlowCompile:
    """Stands in for `lenet.compile_ahead.compile_ahead`: waits until released (or fails)."""

    def __init__(self, fails: bool = False) -> None:
        self.started, self.release, self.fails = threading.Event(), threading.Event(), fails

    def __call__(self) -> float:
        self.started.set()
        assert self.release.wait(30)
        if self.fails:
            raise RuntimeError("the kernels could not be compiled")
        return 0.0


def test_warm_up_says_ready_before_the_compile_ends_then_swaps(monkeypatch, qapp):
    # qapp: the warm-up paints ink with Qt on its own thread; had no QApplication been made
    # before, Qt would take that thread for the main one and the app's timers in later
    # tests would not run (as in the app, where the QApplication always comes first)
    from app.ink import InkStroke
    from app.predictor import Predictor, warm_up
    from lenet import compile_ahead

    slow = SlowCompile()
    monkeypatch.setattr(compile_ahead, "compile_ahead", slow)
    clf = _bundled()
    ready = threading.Event()
    thread = threading.Thread(target=warm_up, args=(clf, ready.set))
    thread.start()
    try:
        assert ready.wait(30) and slow.started.wait(30)
        assert not readiness.use_compiled()  # the compile has not ended: NumPy answers
        one = [InkStroke(points=[(256.0, 60.0), (256.0, 450.0)], width=24.0)]
        before = Predictor(clf).predict_strokes(one, (512, 512), want_maps=True)
    finally:
        slow.release.set()
        thread.join(120)
    assert readiness.use_compiled()  # swapped
    after = Predictor(clf).predict_strokes(one, (512, 512), want_maps=True)
    assert before.digit.digit == after.digit.digit == 1
    np.testing.assert_allclose(before.digit.probabilities, after.digit.probabilities,
                               atol=1e-5)
    for name, maps in after.activations.items():
        np.testing.assert_allclose(before.activations[name], maps, atol=2e-5)


def test_a_failed_compile_leaves_numpy_answering(monkeypatch):
    from app.predictor import warm_up
    from lenet import compile_ahead

    slow = SlowCompile(fails=True)
    slow.release.set()
    monkeypatch.setattr(compile_ahead, "compile_ahead", slow)
    ready = threading.Event()
    try:
        with pytest.raises(RuntimeError):
            warm_up(_bundled(), ready.set)
        assert ready.is_set() and not readiness.use_compiled()
    finally:
        readiness.compiled_everywhere()


_FIRST_SCREEN = """
import gc
from numba.core.dispatcher import Dispatcher
from lenet.nn.kernels import readiness
readiness.plain_numpy_until_compiled()
from app.ink import InkStroke, render_ink
from app.predictor import Predictor, looks_like_several_digits
from lenet.model_file import load_model
predictor = Predictor(load_model({model!r}))
seven = [InkStroke(points=[(120.0, 110.0), (380.0, 110.0), (230.0, 420.0)], width=26.0)]
erased = [*seven, InkStroke(points=[(300.0, 100.0), (310.0, 120.0)], width=10.0, erase=True)]
assert predictor.predict_strokes(seven, (512, 512), want_maps=True).digit.digit == 7
predictor.predict_strokes(erased, (512, 512), want_maps=True)
ink = render_ink(seven, (512, 512), 0.5)
looks_like_several_digits(ink)
predictor.predict_ink(ink, want_maps=True)
print(sorted(d.py_func.__qualname__ for d in gc.get_objects() if isinstance(d, Dispatcher)
             and d.signatures and d.py_func.__module__.startswith("lenet")))
"""


def test_the_first_screen_calls_no_compiled_kernel_while_numpy_answers():
    """What the window's thread runs (a drawing, erased or not, with its network view; a
    picture; the "several digits?" hint) needs no kernel: a kernel called here would make the
    window wait for its compile on a first start. A new kernel on this path needs a twin."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _FIRST_SCREEN.format(model=str(BUNDLED_MODEL))],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_loading_the_bundled_model_runs_no_compiled_kernel(monkeypatch):
    """The app loads its model before anything is compiled: on the very first start a
    kernel called while loading would compile for seconds before the first answer (the
    novelty statistics' shape check once did: 8-10 s on an empty cache)."""
    from lenet.nn.model import Sequential

    def compiled_path(*_args, **_kwargs):
        raise AssertionError("a compiled kernel was called while loading")

    monkeypatch.setattr(Sequential, "forward", compiled_path)
    monkeypatch.setattr(Sequential, "forward_until", compiled_path)
    classifier = _bundled()
    assert classifier.novelty is not None and classifier.second_opinions
