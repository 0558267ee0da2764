"""The PyTorch reference for ``lenet bench --torch``.

Run as ``python -m lenet.bench.torch_reference``: the same LeNet-5 and the same measurements
as ``lenet.bench.measure.bench_engine``, in PyTorch on the CPU. PyTorch is an optional extra
(``pip install -e ".[torch]"``) used only here; nothing in the engine imports this module.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

import numpy as np

from lenet.bench.measure import BATCH_SIZES, latencies_us, median_rate


def _lenet5(nn):  # torch.nn, imported by the caller (torch is an optional extra)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def _training_step(torch, nn, batch: int) -> Callable[[], None]:
    """A fresh LeNet-5's training step (Adam) on a random batch, after three warm-up steps."""
    net = _lenet5(nn)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x, y = torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))

    def step() -> None:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    return step


def bench_torch(threads: int, quick: bool, log: Callable[[str], None],
                onednn: bool = True) -> dict:
    """The same measurements for an equivalent PyTorch LeNet-5 (CPU); `onednn` False turns
    PyTorch's oneDNN (MKL-DNN) convolutions off (its own kernels instead)."""
    import torch
    from torch import nn

    torch.backends.mkldnn.enabled = onednn
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    repeats, min_s = (3, 0.3) if quick else (5, 1.0)

    out: dict = {"threads": threads, "version": torch.__version__, "onednn": onednn,
                 "train_images_per_s": {}}
    for bs in BATCH_SIZES:
        step = _training_step(torch, nn, bs)
        out["train_images_per_s"][str(bs)] = median_rate(step, bs, repeats, min_s)
        log(f"torch train batch {bs}: {out['train_images_per_s'][str(bs)]:,.0f} images/s")

    net = _lenet5(nn).eval()
    images = torch.rand(10_000, 1, 28, 28)

    def infer() -> None:
        with torch.inference_mode():
            for start in range(0, len(images), 1000):
                torch.softmax(net(images[start : start + 1000]), dim=1)

    infer()
    out["infer_images_per_s"] = median_rate(infer, len(images), repeats, min_s)
    one = images[:1]

    def single() -> None:
        with torch.inference_mode():
            torch.softmax(net(one), dim=1).numpy()

    for _ in range(50):
        single()
    lat = latencies_us(single, 1000)
    out["latency_us_median"] = float(np.median(lat))
    out["latency_us_p99"] = float(np.percentile(lat, 99))
    return out


def serve_train_rounds(threads: int, batch: int, seconds: float) -> None:
    """Answer ``on`` / ``off`` lines on stdin with one line each: the images/s of the
    training step at `batch` over `seconds`, with oneDNN on or off (`lenet.bench.paired`
    alternates these rounds with its own); stops at end of input."""
    import sys

    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    steps = {}
    for state in ("on", "off"):
        torch.backends.mkldnn.enabled = state == "on"
        steps[state] = _training_step(torch, nn, batch)
    print("ready", flush=True)
    for line in sys.stdin:
        state = line.strip()
        torch.backends.mkldnn.enabled = state == "on"
        print(median_rate(steps[state], batch, 1, seconds), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-onednn", action="store_true", help="PyTorch without oneDNN")
    parser.add_argument("--serve-train", type=int, metavar="BATCH",
                        help="serve training rounds at BATCH (see serve_train_rounds)")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of a served round")
    args = parser.parse_args()
    if args.serve_train:
        serve_train_rounds(args.threads, args.serve_train, args.seconds)
        return
    print(json.dumps(bench_torch(args.threads, args.quick, lambda msg: None,
                                 onednn=not args.no_onednn)))


if __name__ == "__main__":
    main()
