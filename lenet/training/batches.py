"""The batches of a training run, and preparing the next ones while the network trains.

`training_batches` is the whole data side of a run as one stream: each epoch shuffles the
training images, then gathers and augments one batch after another, drawing every random
number from the run's generator in that order. `Prefetched` runs such a stream on a thread
of its own, a few batches ahead: augmentation (a fifth of a step's time) and shuffling then
happen while the previous batch trains, and the batches, and so the trained weights, are the
same as without it (the kernels give the same numbers whichever thread runs them).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import numpy as np

from lenet.data.augment import AugmentConfig, augment_batch, without_distortions

__all__ = ["Prefetched", "training_batches"]

Batch = tuple[np.ndarray, np.ndarray]  # images (B, 28, 28) float32 in [0, 1], labels (B,) intp


def to_unit_float(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 in [0, 1]; float input is passed through as float32."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) * np.float32(1 / 255)
    return images.astype(np.float32, copy=False)


def training_batches(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
                     epochs: int, batch_size: int, augment: AugmentConfig | None,
                     plain_final_epochs: int = 0) -> Iterator[Batch]:
    """Every batch of `epochs` epochs in order; `augment` None: no augmentation. The last
    `plain_final_epochs` (at most half the run) keep only the writing styles: the network
    settles on digits as they are, without forgetting the other ways of writing them."""
    n = len(images)
    plain_from = epochs - min(plain_final_epochs, epochs // 2)
    for epoch in range(epochs):
        if epoch == plain_from and augment is not None:
            augment = without_distortions(augment)
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            batch, batch_labels = images[idx], labels[idx].astype(np.intp)
            # the labels let augmentation draw other ways of writing each digit
            batch = (augment_batch(batch, rng, augment, batch_labels) if augment
                     else to_unit_float(batch))
            yield batch, batch_labels


_END = object()


class Prefetched(Iterator[Batch]):
    """``for batch in Prefetched(stream)``: the same items, made `depth` ahead on a thread.

    An error in the stream is raised here, at the item it replaced. `close()` (or leaving a
    ``with`` block) stops the thread; call it when a run ends early (cancelled, diverged).
    """

    def __init__(self, stream: Iterator[Batch], depth: int = 3) -> None:
        self._items: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True,
                                        name="lenet-batches")
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, stream: Iterator[Batch]) -> None:
        try:
            for item in stream:
                if not self._put(item):
                    return
        except BaseException as e:  # handed to the consumer, raised in its thread
            self._put(e)
            return
        self._put(_END)

    def __next__(self) -> Batch:
        item = self._items.get()
        if item is _END:
            self._items.put(_END)  # stays exhausted
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop making batches and wait for the thread to end."""
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Prefetched:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
