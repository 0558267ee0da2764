"""A trained network plus what it needs to be used: input normalisation and its metadata.

This is what the app and the CLI hold: ``predict_proba`` on 28x28 images in [0, 1] (ink = 1,
as ``lenet.ink`` produces them), ``classify`` for one image with a "not sure" flag.

"Not sure" is said when the answer does not survive the hand's small wobble: the input and 12
test-time variants of it (1 px shifts, straight and diagonal, 10 degree turns, 15 % bigger or
smaller: `lenet.input_variants`) are read in one batch, and the mean probability they give
the input's answer (its "stability") must be at least UNSTABLE_BELOW. A classifier may also
hold *second opinions*: LeNet-5s trained the same way from other random starts (the bundled
model has two, `lenet.model_file`). The answer is then the mean of all the networks'
probabilities for the input (`proba_and_stability`; three networks err less than one), each
network reads the variants too, and the stability is the lowest of the networks' means for
that answer: an answer one network does not hold is doubtful (threshold
UNSTABLE_BELOW_WITH_SECOND_OPINIONS). `predict_proba` stays the first network's own. Chosen
on one drawn set, measured on others, on MNIST test and on the writing styles
(models/MODEL_CARD.md, "Not sure").

A classifier may also carry its *novelty statistics* (`lenet.nn.class_gaussians`, fitted on
its training digits when it was trained): `novelty_distances` then says how far an input's
hidden features lie from every digit class, which the "not a digit" rule reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenet.input_variants import input_variants
from lenet.nn.class_gaussians import ClassGaussians
from lenet.nn.fused_inference import FusedLeNet5
from lenet.nn.kernels.readiness import use_compiled
from lenet.nn.losses import softmax
from lenet.nn.model import Sequential
from lenet.nn.plain_forward import forward_collect_plain, forward_plain
from lenet.nn.stages import Stage, network_stages, stage_outputs

# MNIST's pixel mean and standard deviation (on [0, 1]); stored in every model file.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

# An answer whose stability (see `Classifier.proba_and_stability`) is below this is flagged
# "not sure"; it flags 2.5 % of the right answers of the drawn set it was chosen on.
UNSTABLE_BELOW = 0.83
# With second opinions, the lowest stability of the networks for their mean answer; flags
# 2.5 % of the same set's right answers (0.7067).
UNSTABLE_BELOW_WITH_SECOND_OPINIONS = 0.707
# Without the stability (`prediction_from(p)`), one whose probability is below this is.
NOT_SURE_BELOW = 0.60
# With it, an answer under even odds is flagged however stable: the app never shows "46 %"
# as a sure answer (set a priori, not fitted: on the development data a few answers in
# 10,000 were under 60 % and stable).
EVEN_ODDS = 0.5

BATCH = 1000


def stability_of(variant_probs: np.ndarray, answers: np.ndarray | None = None) -> np.ndarray:
    """(N,): the mean probability the variants (N, V, 10) give `answers` (N,) (default:
    variant 0's own answers)."""
    if answers is None:
        answers = variant_probs[:, 0].argmax(axis=1)
    return variant_probs[np.arange(len(variant_probs)), :, answers].mean(axis=1)


def answer_and_stability(every: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """From every network's variant probabilities (N, V, 10) each: the answer's
    probabilities (N, 10), the networks' mean for the image itself (variant 0), and its
    stability (N,), the lowest over the networks of the mean probability the image and its
    variants give that answer (1.0: all agree fully)."""
    probs = np.mean([p[:, 0] for p in every], axis=0, dtype=np.float32)
    answers = probs.argmax(axis=1)
    return probs, np.min([stability_of(p, answers) for p in every], axis=0)


@dataclass(frozen=True)
class Prediction:
    """The answer for one image: top digit, its probability, all ten, and the doubt flag."""

    digit: int
    confidence: float
    probabilities: np.ndarray  # (10,) float32, sums to 1
    not_sure: bool


class Classifier:
    """``net`` maps normalised (N, 1, 28, 28) float32 to (N, 10) logits."""

    def __init__(self, net: Sequential, metadata: dict | None = None,
                 novelty: ClassGaussians | None = None) -> None:
        self.net = net.eval()
        self.metadata = dict(metadata or {})
        norm = self.metadata.setdefault("normalization", {"mean": MNIST_MEAN, "std": MNIST_STD})
        self.mean, self.std = float(norm["mean"]), float(norm["std"])
        calibration = self.metadata.get("calibration") or {}
        self.temperature = float(calibration.get("temperature", 1.0))
        # One compiled call per batch for the standard LeNet-5; None -> layer by layer.
        self._fused = FusedLeNet5.from_sequential(self.net)
        self._stages: list[Stage] | None = None  # built when first asked for
        self.second_opinions: tuple[Classifier, ...] = ()  # see the module docstring
        self.novelty = novelty  # see the module docstring

    def normalize(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) or (28, 28) in [0, 1] -> (N, 1, 28, 28) float32, standardised."""
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        if x.ndim == 3:
            x = x[:, None]
        if x.shape[1:] != (1, 28, 28):
            raise ValueError(f"expected 28x28 images, got shape {np.shape(images)}")
        return (x - np.float32(self.mean)) * np.float32(1.0 / self.std)

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities (N, 10) float32 for images (N, 28, 28) or one (28, 28).

        Plain NumPy while the kernels are not compiled yet (`lenet.nn.kernels.readiness`)."""
        if not use_compiled():
            logits = forward_plain(self.net, self.normalize(images))
            return softmax(logits / np.float32(self.temperature)).astype(np.float32)
        if self._fused is not None:
            images = np.asarray(images, dtype=np.float32)
            if images.shape[-2:] != (28, 28) or images.ndim not in (2, 3):
                raise ValueError(f"expected 28x28 images, got shape {images.shape}")
            return self._fused.predict_proba(images.reshape(-1, 28, 28), self.mean, self.std,
                                             self.temperature)
        return softmax(self.logits(images) / np.float32(self.temperature)).astype(np.float32)

    def logits(self, images: np.ndarray) -> np.ndarray:
        """The network's raw outputs (N, 10) float32, before calibration and softmax."""
        x = self.normalize(images)
        out = np.empty((len(x), 10), dtype=np.float32)
        for start in range(0, len(x), BATCH):
            out[start : start + BATCH] = self.net.forward(x[start : start + BATCH])
        return out

    def calibrated(self, temperature: float, **facts: object) -> Classifier:
        """The same network with probabilities softmax(logits / temperature) (temperature
        scaling); `facts` (what it was fitted on, ECE before/after) go into the metadata."""
        meta = dict(self.metadata)
        meta["calibration"] = {"method": "temperature", "temperature": float(temperature),
                               **facts}
        return Classifier(self.net, meta, self.novelty).with_second_opinions(
            self.second_opinions)

    def hidden_features(self, images: np.ndarray, layer: str) -> np.ndarray:
        """The output (N, D) float32 of the network's layer `layer` (e.g. "act4", fc2 after
        its activation) for images (N, 28, 28) or one (28, 28) in [0, 1]."""
        x = self.normalize(images)
        if not use_compiled():
            h = forward_plain(self.net, x, until=layer)
            return h.reshape(len(x), -1).astype(np.float32)
        out = None
        for start in range(0, len(x), BATCH):
            part = self.net.forward_until(x[start : start + BATCH], layer)
            if out is None:  # written in place: 40,000 features are a big array to copy twice
                out = np.empty((len(x), part[0].size), np.float32)
            out[start : start + len(part)] = part.reshape(len(part), -1)
        return out if out is not None else np.zeros((0, 0), np.float32)

    def novelty_distances(self, images: np.ndarray) -> np.ndarray | None:
        """(N, 10): how far images (N, 28, 28) or one (28, 28) lie from each digit class in
        the network's hidden features (`ClassGaussians.distances`: 1 is a typical training
        digit's nearest class); None if this model carries no novelty statistics."""
        if self.novelty is None:
            return None
        return self.novelty.distances(self.hidden_features(images, self.novelty.layer))

    def with_novelty(self, novelty: ClassGaussians | None) -> Classifier:
        """This classifier, with `novelty` as its novelty statistics (see the module
        docstring); ValueError if they do not fit the network."""
        if novelty is not None:
            layers = list(self.net.layers)
            if novelty.layer not in layers:
                raise ValueError(f"the novelty statistics read a layer {novelty.layer!r} "
                                 "this network does not have")
            # in plain NumPy: a model loads before anything is compiled (the very first start)
            probe = forward_plain(self.net, self.normalize(np.zeros((1, 28, 28), np.float32)),
                                  until=novelty.layer).reshape(1, -1)
            c, d = novelty.means.shape
            if c != 10 or novelty.whiten.shape != (d, d) or probe.shape[1] != d:
                raise ValueError(f"the novelty statistics ({c} x {d}) do not fit layer "
                                 f"{novelty.layer}'s {probe.shape[1]} features")
        self.novelty = novelty
        return self

    def with_second_opinions(self, others: tuple[Classifier, ...]) -> Classifier:
        """This classifier, with `others` as its second opinions (see the module docstring)."""
        self.second_opinions = tuple(others)
        return self

    @property
    def unstable_below(self) -> float:
        """The stability under which an answer is "not sure" (depends on second opinions)."""
        return UNSTABLE_BELOW_WITH_SECOND_OPINIONS if self.second_opinions else UNSTABLE_BELOW

    def predict_proba_layered(self, images: np.ndarray) -> np.ndarray:
        """predict_proba through the layers one by one (the fused path's reference)."""
        x = self.normalize(images)
        logits = self.net.forward(x) / np.float32(self.temperature)
        return softmax(logits).astype(np.float32)

    def classify(self, image: np.ndarray) -> Prediction:
        """The prediction for one (28, 28) image (its variants read too, by every network)."""
        probs, stability = self.proba_and_stability(image)
        return self.prediction_from(probs[0], float(stability[0]))

    def variant_probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, len(VARIANTS), 10): this network's probabilities of every test-time variant of
        images (N, 28, 28) or one (28, 28), in one pass; variant 0 is the image itself."""
        return self._read_variants(input_variants(images))

    def _read_variants(self, variants: np.ndarray) -> np.ndarray:
        n, v = variants.shape[:2]
        return self.predict_proba(variants.reshape(n * v, 28, 28)).reshape(n, v, -1)

    def every_variant_probabilities(self, images: np.ndarray) -> list[np.ndarray]:
        """`variant_probabilities` of this network, then of each second opinion (the
        variants made once): one (N, len(VARIANTS), 10) array per network."""
        variants = input_variants(images)
        return [net._read_variants(variants) for net in (self, *self.second_opinions)]

    def proba_and_stability(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For images (N, 28, 28) or one (28, 28), from one pass over every test-time variant:
        `answer_and_stability` of every network's (this one's alone without second
        opinions)."""
        return answer_and_stability(self.every_variant_probabilities(images))

    def stability(self, images: np.ndarray) -> np.ndarray:
        """(N,) for images (N, 28, 28): see `proba_and_stability`."""
        return self.proba_and_stability(images)[1]

    def prediction_from(self, probabilities: np.ndarray,
                        stability: float | None = None) -> Prediction:
        """The answer, with its "not sure" flag, for this model's probabilities (10,) and,
        if known, the input's `stability` (see there): flagged below `unstable_below`;
        without it, when the probability is below NOT_SURE_BELOW; below EVEN_ODDS in any
        case."""
        p = np.asarray(probabilities, dtype=np.float32)
        digit = int(p.argmax())
        if stability is None:
            doubt = p[digit] < NOT_SURE_BELOW
        else:
            doubt = stability < self.unstable_below or p[digit] < EVEN_ODDS
        return Prediction(digit, float(p[digit]), p, bool(doubt))

    def not_sure_flags(self, probabilities: np.ndarray, stability: np.ndarray) -> np.ndarray:
        """(N,) bool: the "not sure" flag of `prediction_from` for every answer's
        probabilities (N, 10) and stability (N,)."""
        return np.array([self.prediction_from(p, float(s)).not_sure
                         for p, s in zip(probabilities, stability, strict=True)], dtype=bool)

    def stages(self) -> list[Stage]:
        """The network's stages in order (input, conv1, pool1, ..., the output), with their
        shapes and weights (see `lenet.nn.stages`); ValueError for a layer it cannot show."""
        if self._stages is None:
            self._stages = network_stages(self.net)
        return self._stages

    def activations(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """Every stage's output for one (28, 28) image, by stage name: "input" (1, 28, 28) as
        given, then after each activation (conv (C, H, W), dense (D,)); the last stage holds
        the raw logits (10,). One layer-by-layer pass, about 0.15 ms."""
        x = self.normalize(image)
        collected = (self.net.forward_collect(x) if use_compiled()
                     else forward_collect_plain(self.net, x))
        return stage_outputs(self.stages(), collected, image)

    @property
    def test_accuracy(self) -> float | None:
        return self.metadata.get("test_accuracy")
