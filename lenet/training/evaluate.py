"""Accuracy, per-class accuracy, the confusion matrix and the calibration error of a
classifier on labelled images."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenet.training.calibrate import expected_calibration_error


@dataclass(frozen=True)
class EvalReport:
    accuracy: float  # fraction correct, 0..1
    loss: float  # mean cross-entropy
    per_class_accuracy: np.ndarray  # (10,) recall of each digit
    confusion: np.ndarray  # (10, 10) counts, rows = true digit, columns = predicted
    count: int
    ece: float = 0.0  # expected calibration error, 15 bins (0 = confidence means accuracy)

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "loss": self.loss,
            "ece": self.ece,
            "count": self.count,
            "per_class_accuracy": {str(d): float(a) for d, a in enumerate(self.per_class_accuracy)},
            "confusion": self.confusion.tolist(),
        }


def evaluate(classifier, images: np.ndarray, labels: np.ndarray) -> EvalReport:
    """images (N, 28, 28) in [0, 1], labels (N,) -> EvalReport."""
    labels = np.asarray(labels, dtype=np.intp)
    probs = classifier.predict_proba(images)
    predicted = probs.argmax(axis=1)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    totals = confusion.sum(axis=1)
    per_class = np.divide(np.diag(confusion), totals, out=np.zeros(10), where=totals > 0)
    picked = probs[np.arange(len(labels)), labels]
    loss = float(-np.log(np.maximum(picked, 1e-12)).mean()) if len(labels) else 0.0
    return EvalReport(
        accuracy=float((predicted == labels).mean()) if len(labels) else 0.0,
        loss=loss,
        per_class_accuracy=per_class,
        confusion=confusion,
        count=len(labels),
        ece=expected_calibration_error(probs, labels),
    )


def not_sure_report(classifier, images: np.ndarray, labels: np.ndarray) -> dict:
    """How the "not sure" flag (calibrated probability and test-time variants, see
    `lenet.classifier`) splits the answers: the share flagged, the share of the wrong and of
    the right answers flagged, and the accuracy of the answers given without the flag (the
    risk-coverage point the app works at); and the accuracy and calibration error of those
    answers (with second opinions, the networks' mean: `Classifier.proba_and_stability`).
    Reads every image 13 times per network: not for training."""
    labels = np.asarray(labels, dtype=np.intp)
    probs, stability = classifier.proba_and_stability(images)
    flagged = classifier.not_sure_flags(probs, stability)
    right = probs.argmax(axis=1) == labels

    def share(mask: np.ndarray) -> float:
        return float(mask.mean()) if mask.size else 0.0

    return {
        "networks": 1 + len(classifier.second_opinions),
        "accuracy": share(right),
        "ece": expected_calibration_error(probs, labels),
        "flagged": share(flagged),
        "wrong_flagged": share(flagged[~right]),
        "right_flagged": share(flagged[right]),
        "accuracy_when_sure": share(right[~flagged]),
        "wrong_when_sure": int((~right & ~flagged).sum()),
    }
