"""Training: the mini-batch loop (`Trainer`, reporting through callbacks) and evaluation."""

from lenet.training.evaluate import EvalReport, evaluate
from lenet.training.trainer import (
    Progress,
    TrainConfig,
    Trainer,
    TrainingCancelled,
    TrainingDiverged,
    TrainResult,
)

__all__ = [
    "EvalReport",
    "Progress",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "TrainingCancelled",
    "TrainingDiverged",
    "evaluate",
]
