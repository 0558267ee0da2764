"""``lenet bench``: how fast this engine trains and predicts on the current machine.

Measured (medians over repeats, after a warm-up that also triggers numba's compilation):

- training throughput, images/s, of forward + backward + Adam step at batch 32/64/128/256,
  and of the whole training loop at batch 64 (``Trainer`` on the default recipe: batches
  gathered and augmented on their own thread, weight averaging, progress) — the rate a real
  run trains at;
- batch inference throughput on 10,000 images, in batches of 1,000;
- single-image latency of ``Classifier.predict_proba`` (median and p99 of 1,000 calls), and
  separately of preprocessing a 280x280 drawing (``lenet.ink.preprocess_image``);
- the GFLOP/s those rates mean (``lenet.bench.flops``) next to this machine's measured
  float32 matrix-product peak with the same thread count: the distance to the hardware.

With ``with_torch`` the same LeNet-5 in PyTorch (an optional extra, never used by the engine)
is measured in the same run (``lenet.bench.torch_reference``, in its own process) with the
same thread count, and ratios are reported; the training step at batch 64 also in
alternating rounds of both (``lenet.bench.paired``), a ratio the machine's drift spares.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable

import numba
import numpy as np

from lenet.bench.flops import network_flops, sgemm_peak_gflops
from lenet.classifier import Classifier
from lenet.nn.kernels.threads import set_threads
from lenet.nn.losses import SoftmaxCrossEntropy
from lenet.nn.model import lenet5
from lenet.nn.optim import Adam
from lenet.training.split_step import SplitStep

BATCH_SIZES = (32, 64, 128, 256)
LOOP_BATCH = 64  # the default recipe's


def median_rate(fn: Callable[[], None], items: int, repeats: int, min_seconds: float) -> float:
    """items/s of fn: median over `repeats` timings, each looping for at least min_seconds."""
    rates = []
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        rates.append(calls * items / elapsed)
    return float(np.median(rates))


def latencies_us(fn: Callable[[], None], calls: int) -> np.ndarray:
    times = np.empty(calls)
    for i in range(calls):
        t = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - t
    return times * 1e6


def training_step(batch: int, rng: np.random.Generator) -> Callable[[], None]:
    """One training step (forward + backward + Adam) of a fresh LeNet-5 on a random batch,
    as the trainer makes it (`SplitStep`, on the thread count in use)."""
    net = lenet5(rng=rng)
    split = SplitStep(net, SoftmaxCrossEntropy(), numba.get_num_threads())
    opt = Adam(net.params(), net.grads())
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, batch)

    def step() -> None:
        split(x, y)
        opt.step()

    return step


def train_rate(batch: int, rng: np.random.Generator, quick: bool) -> float:
    """Median images/s of `training_step` at `batch`, with the thread count in use, after
    three warm-up steps."""
    step = training_step(batch, rng)
    for _ in range(3):
        step()
    repeats, min_s = (3, 0.3) if quick else (5, 1.0)
    return median_rate(step, batch, repeats, min_s)


def loop_rate(batch: int, quick: bool) -> float:
    """Median images/s of the real training loop at `batch`: `Trainer` running the default
    recipe (augmentation on the batch thread, Adam, weight averaging) for an epoch over
    random ink in MNIST's 20x20 middle, after a short warm-up run."""
    from types import SimpleNamespace

    from lenet.training.config import recipe
    from lenet.training.trainer import Trainer

    rng = np.random.default_rng(0)
    n = 2048 if quick else 8192
    images = np.zeros((n, 28, 28), np.uint8)
    images[:, 4:24, 4:24] = (rng.random((n, 20, 20)) < 0.2) * 255
    data = SimpleNamespace(train_images=images, train_labels=rng.integers(0, 10, n),
                           test_images=images[:0], test_labels=np.zeros(0, np.intp))
    config = recipe("default", epochs=1, batch_size=batch, val_fraction=0.0)
    Trainer(recipe("default", epochs=1, batch_size=batch, val_fraction=0.0, subset=4 * batch),
            data).run()
    rates = [Trainer(config, data).run().history[0].images_per_s
             for _ in range(1 if quick else 3)]
    return float(np.median(rates))


def _sample_drawing(rng: np.random.Generator) -> np.ndarray:
    """A 280x280 dark-on-light "7"-like drawing, uint8 (for the preprocessing latency)."""
    img = np.full((280, 280), 255, np.uint8)
    img[60:80, 70:210] = 0
    for y in range(80, 230):
        x = int(200 - (y - 80) * 0.55)
        img[y, x - 9 : x + 9] = 0
    return img


def bench_engine(threads: int | None, quick: bool, log: Callable[[str], None]) -> dict:
    used = set_threads(threads)
    rng = np.random.default_rng(0)
    repeats, min_s = (3, 0.3) if quick else (5, 1.0)
    out: dict = {"threads": used, "train_images_per_s": {}}

    for bs in BATCH_SIZES:
        out["train_images_per_s"][str(bs)] = train_rate(bs, rng, quick)
        log(f"train batch {bs}: {out['train_images_per_s'][str(bs)]:,.0f} images/s")

    out["loop_images_per_s"] = {str(LOOP_BATCH): loop_rate(LOOP_BATCH, quick)}
    log(f"training loop, batch {LOOP_BATCH}: {out['loop_images_per_s'][str(LOOP_BATCH)]:,.0f}"
        " images/s")

    classifier = Classifier(lenet5(rng=rng))
    images = rng.random((10_000, 28, 28), dtype=np.float32)
    classifier.predict_proba(images[:1000])
    out["infer_images_per_s"] = median_rate(
        lambda: classifier.predict_proba(images), len(images), repeats, min_s
    )
    log(f"inference: {out['infer_images_per_s']:,.0f} images/s")

    one = images[0]
    for _ in range(50):
        classifier.predict_proba(one)
    lat = latencies_us(lambda: classifier.predict_proba(one), 1000)
    out["latency_us_median"] = float(np.median(lat))
    out["latency_us_p99"] = float(np.percentile(lat, 99))
    log(f"single image: {out['latency_us_median']:.1f} us median")

    try:
        from lenet.ink import preprocess_image
    except ImportError:
        pass
    else:
        drawing = _sample_drawing(rng)
        preprocess_image(drawing)
        lat = latencies_us(lambda: preprocess_image(drawing), 200)
        out["preprocess_us_median"] = float(np.median(lat))
        out["preprocess_us_p99"] = float(np.percentile(lat, 99))

    flops = network_flops(classifier.net)
    out["gflops"] = {
        "train": {bs: v * flops["train"] / 1e9 for bs, v in out["train_images_per_s"].items()},
        "infer": out["infer_images_per_s"] * flops["forward"] / 1e9,
        "sgemm_peak": sgemm_peak_gflops(used),
    }
    log(f"sgemm peak: {out['gflops']['sgemm_peak']:.1f} GFLOP/s")
    return out


def _bench_torch_in_subprocess(threads: int, quick: bool, log: Callable[[str], None],
                               onednn: bool = True) -> dict:
    """Run lenet.bench.torch_reference in a fresh process: numba's OpenMP threads keep spinning
    after a parallel region and would steal the cores from PyTorch's own pool in this one."""
    log(f"measuring PyTorch ({'with' if onednn else 'without'} oneDNN) in a separate process...")
    cmd = [sys.executable, "-m", "lenet.bench.torch_reference", "--threads", str(threads)]
    if quick:
        cmd.append("--quick")
    if not onednn:
        cmd.append("--no-onednn")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"the PyTorch benchmark failed (is the torch extra installed?):\n"
            f"{done.stderr.strip()[-2000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _best_of(runs: list[dict]) -> dict:
    """PyTorch's best figure per measure over its runs (with and without oneDNN)."""
    best = dict(runs[0], onednn="best of on/off")
    best["train_images_per_s"] = {bs: max(r["train_images_per_s"][bs] for r in runs)
                                  for bs in runs[0]["train_images_per_s"]}
    best["infer_images_per_s"] = max(r["infer_images_per_s"] for r in runs)
    for key in ("latency_us_median", "latency_us_p99"):
        best[key] = min(r[key] for r in runs)
    return best


def run_bench(
    threads: int | None = None,
    with_torch: bool = False,
    quick: bool = False,
    log: Callable[[str], None] = lambda msg: None,
) -> dict:
    """Run the benchmark; returns the JSON-ready results (see module docstring)."""
    results = bench_engine(threads, quick, log)
    if with_torch:
        runs = [_bench_torch_in_subprocess(results["threads"], quick, log, onednn)
                for onednn in (True, False)]
        results["torch_by_onednn"] = {"on": runs[0], "off": runs[1]}
        from lenet.bench.paired import paired_train_ratio

        log("training at batch 64, lenet and PyTorch in alternating rounds...")
        results["paired_train_b64"] = paired_train_ratio(
            results["threads"], *((3, 64, 0.5) if quick else (7, 64, 1.0)), log=log)
        results["torch"] = ref = _best_of(runs)
        results["ratio_vs_torch"] = {
            "train_images_per_s": {
                bs: results["train_images_per_s"][bs] / v
                for bs, v in ref["train_images_per_s"].items()
            },
            "infer_images_per_s": results["infer_images_per_s"] / ref["infer_images_per_s"],
            "latency_us_median": results["latency_us_median"] / ref["latency_us_median"],
        }
    return results


def format_table(r: dict) -> str:
    """A plain-text table of run_bench's results."""
    torch_r = r.get("torch")
    head = f"{'measure':<34}{'lenet':>14}"
    if torch_r:
        head += f"{'torch ' + torch_r['version'].split('+')[0]:>16}{'ratio':>9}"
    rows = [f"threads: {r['threads']}", head, "-" * len(head)]

    def row(label: str, ours: float, theirs: float | None, unit_fmt: str) -> None:
        line = f"{label:<34}{format(ours, unit_fmt):>14}"
        if theirs is not None:
            ratio = ours / theirs
            line += f"{format(theirs, unit_fmt):>16}{ratio:>8.2f}x"
        rows.append(line)

    for bs, v in r["train_images_per_s"].items():
        row(f"train images/s, batch {bs}", v, torch_r and torch_r["train_images_per_s"][bs], ",.0f")
    for bs, v in r.get("loop_images_per_s", {}).items():
        row(f"training loop images/s, batch {bs}", v, None, ",.0f")
        rows.append(f"{'  ... / the step alone':<34}{v / r['train_images_per_s'][bs]:>14.2f}")
    row(
        "inference images/s (10k, by 1000)",
        r["infer_images_per_s"],
        torch_r and torch_r["infer_images_per_s"],
        ",.0f",
    )
    row(
        "single image latency, median us",
        r["latency_us_median"],
        torch_r and torch_r["latency_us_median"],
        ".1f",
    )
    row(
        "single image latency, p99 us",
        r["latency_us_p99"],
        torch_r and torch_r["latency_us_p99"],
        ".1f",
    )
    if "preprocess_us_median" in r:
        row("preprocess 280x280, median us", r["preprocess_us_median"], None, ".1f")
        row("preprocess 280x280, p99 us", r["preprocess_us_p99"], None, ".1f")
    if "gflops" in r:
        g = r["gflops"]
        peak = g["sgemm_peak"]
        achieved = [(f"GFLOP/s, train batch {bs}", v) for bs, v in g["train"].items()]
        for label, v in [*achieved, ("GFLOP/s, inference", g["infer"])]:
            rows.append(f"{label:<34}{v:>14.2f}   {v / peak:>5.1%} of peak")
        rows.append(f"{'sgemm peak GFLOP/s (1024x1024)':<34}{peak:>14.2f}")
    if "torch_by_onednn" in r:
        rows.append("torch: its best per measure of the runs with and without oneDNN")
    if "paired_train_b64" in r:
        p = r["paired_train_b64"]
        rows.append(f"train b64 in {p['rounds']} alternating rounds: lenet / torch's best "
                    f"{np.median(p['ratios']):.2f}x median "
                    f"({min(p['ratios']):.2f}-{max(p['ratios']):.2f}x; "
                    f"lenet {np.median(p['lenet']):,.0f}, torch oneDNN on "
                    f"{np.median(p['torch_onednn_on']):,.0f}, off "
                    f"{np.median(p['torch_onednn_off']):,.0f} images/s)")
    for state, t in r.get("torch_by_onednn", {}).items():
        rows.append(f"torch, oneDNN {state}: train b64 {t['train_images_per_s']['64']:,.0f} "
                    f"images/s, inference {t['infer_images_per_s']:,.0f} images/s, "
                    f"latency {t['latency_us_median']:.1f} us")
    if "busy" in r:
        b = r["busy"]
        n = b["busy_processes"]
        row("train b64, idle, 1 thread", b["idle_1_thread_images_per_s"], None, ",.0f")
        row(f"train b64, {n} busy, 1 thread", b["busy_1_thread_images_per_s"], None, ",.0f")
        row(f"train b64, {n} busy, {b['threads']} threads", b["busy_images_per_s"], None, ",.0f")
        row("  ... / idle 1 thread", b["busy_ratio_to_idle_1_thread"], None, ".2f")
    return "\n".join(rows)
