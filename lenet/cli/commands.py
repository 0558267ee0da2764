"""The ``lenet`` command line: train, evaluate, calibrate, predict, bench, download.

Each subcommand's work lives in its own module; this file only parses arguments, shows
progress bars (tqdm, on stderr) and prints results (human-readable, or JSON with --json).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from pathlib import Path

from lenet.cli.predict import add_predict_parser
from lenet.training.config import AUGMENTATIONS, RECIPES, TrainConfig

DEFAULT_OUT = "lenet5.npz"


def _add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder with the four MNIST files (default: $LENET_DATA_DIR, "
        "else the user cache folder)",
    )


def _add_threads(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threads", type=int, default=None, help="threads for the kernels (default: all cores)"
    )


def _load_data(data_dir: Path | None, splits: tuple[str, ...] = ("train", "test")):
    from lenet.data.mnist import load_mnist, locate_data_dir

    return load_mnist(locate_data_dir(data_dir), splits)


def _load_classifier(path: Path | None):
    from lenet.model_file import bundled_model_path, load_model

    return load_model(path or bundled_model_path())


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from lenet.model_file import check_writable
    from lenet.nn.kernels.threads import set_threads
    from lenet.training.config import recipe
    from lenet.training.trainer import Trainer

    check_writable(args.out)  # before the data and the minutes of training, not after
    set_threads(args.threads)
    data = _load_data(args.data_dir)
    # every option named like a TrainConfig field changes the recipe; left out: its value
    config = recipe(args.recipe, **{
        f.name: value for f in dataclasses.fields(TrainConfig)
        if (value := getattr(args, f.name, None)) is not None})
    _warm_up_saying_so(config, args.quiet)
    bar = tqdm(
        total=None,
        unit="batch",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=args.quiet,
        mininterval=0.1,
    )

    def on_progress(p) -> None:
        if bar.total is None:
            bar.reset(total=p.batches * p.epochs)
        if p.val_accuracy is not None:
            bar.write(
                f"epoch {p.epoch}/{p.epochs}: loss {p.loss:.4f}  train acc "
                f"{p.accuracy:.4f}  val acc {p.val_accuracy:.4f}  {p.images_per_s:,.0f} img/s"
            )
            return
        bar.set_postfix(
            epoch=p.epoch,
            loss=f"{p.loss:.4f}",
            acc=f"{p.accuracy:.4f}",
            img_s=f"{p.images_per_s:,.0f}",
            refresh=False,
        )
        bar.update((p.epoch - 1) * p.batches + p.batch - bar.n)  # redraws at most 10x/s

    result = Trainer(config, data, on_progress=on_progress).run()
    bar.close()
    result.classifier.metadata["description"] = args.description or (
        f"LeNet-5 trained by `lenet train` (recipe {args.recipe}: {config.epochs} epochs, "
        f"seed {config.seed})"
    )
    result.classifier.metadata["command"] = "lenet " + shlex.join(args.argv)
    out = _save_unless_worse(result.classifier, result.test_accuracy, args.out, args.force)
    print(f"test accuracy {result.test_accuracy:.4%} after {result.seconds:.0f} s; saved {out}")
    return 0


def _warm_up_saying_so(config, quiet: bool) -> None:
    """Compile the kernels before the progress bar starts; if that takes more than a
    second (the first run after an install), say why nothing seems to happen."""
    import threading

    from lenet.compile_ahead import TRAINING, compile_ahead
    from lenet.training.trainer import warm_up

    done = threading.Event()

    def work() -> None:
        try:
            compile_ahead(TRAINING, load=False)  # a first run: compiled in parallel processes
            warm_up(config)
        except Exception:  # the real run fails the same way, with its own message
            pass
        finally:
            done.set()

    threading.Thread(target=work, daemon=True).start()
    if not done.wait(1.0) and not quiet:
        print("compiling the kernels (first run only, up to a minute)…", file=sys.stderr)
    done.wait()


WORSE_BY = 0.01
"""A new model this much (1 point) below the one it would replace does not replace it."""


def _save_unless_worse(classifier, accuracy: float, out: Path, force: bool) -> Path:
    """Save to `out`, unless a model there is clearly better: then save beside it
    (`<name>-new.npz`) and say so on stderr. Returns where it was saved."""
    from lenet.model_file import ModelFileError, load_model, save_model

    if out.is_file() and not force:
        try:
            old = load_model(out).test_accuracy
        except ModelFileError:
            old = None  # not a usable model: nothing of value is replaced
        if old is not None and accuracy < old - WORSE_BY:
            beside = out.with_name(f"{out.stem}-new{out.suffix or '.npz'}")
            print(
                f"lenet train: warning: the new model ({accuracy:.2%}) is far worse than the "
                f"one at {out} ({old:.2%}); kept that one and saved the new one as {beside} "
                "(--force replaces it)",
                file=sys.stderr,
            )
            out = beside
    return save_model(classifier, out)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from lenet.nn.kernels.threads import set_threads
    from lenet.training.evaluate import evaluate, not_sure_report
    from lenet.training.trainer import to_unit_float

    set_threads(args.threads)
    classifier = _load_classifier(args.model)
    data = _load_data(args.data_dir, splits=("test",))
    images = to_unit_float(data.test_images)
    report = evaluate(classifier, images, data.test_labels)
    doubt = not_sure_report(classifier, images, data.test_labels)
    if args.json:
        print(json.dumps({**report.to_dict(), "not_sure": doubt}))
        return 0
    t = classifier.temperature
    print(
        f"test accuracy: {report.accuracy:.4%} on {report.count} images "
        f"(mean cross-entropy {report.loss:.4f}, calibration error ECE {report.ece:.4f}"
        + (f" at temperature {t:.3f})" if t != 1.0 else ", not calibrated)")
    )
    if doubt["networks"] > 1:
        print(f"the answers the app gives (the mean of {doubt['networks']} networks): "
              f"{doubt['accuracy']:.4%} right, ECE {doubt['ece']:.4f}")
    print(
        f"not sure: {doubt['flagged']:.2%} of the answers, {doubt['wrong_flagged']:.0%} of the "
        f"wrong ones and {doubt['right_flagged']:.2%} of the right ones; the answers given "
        f"without doubt are {doubt['accuracy_when_sure']:.3%} right "
        f"({doubt['wrong_when_sure']} wrong)"
    )
    print(
        "per class:  " + "  ".join(f"{d}: {a:.2%}" for d, a in enumerate(report.per_class_accuracy))
    )
    print("confusion matrix (rows: true digit, columns: predicted):")
    print("      " + "".join(f"{d:>6}" for d in range(10)))
    for d, row in enumerate(report.confusion):
        print(f"{d:>6}" + "".join(f"{c:>6}" for c in row))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from lenet.model_file import check_writable, save_model
    from lenet.training.evaluate import evaluate
    from lenet.training.trainer import TrainConfig, Trainer, calibrate_on, to_unit_float

    check_writable(args.out)
    classifier = _load_classifier(args.model)
    training = classifier.metadata.get("training")
    if not isinstance(training, dict):
        raise ValueError("the model does not say how it was trained, so its validation "
                         "split cannot be found again")
    fields = TrainConfig.__dataclass_fields__
    config = TrainConfig(**{k: v for k, v in training.items() if k in fields})
    data = _load_data(args.data_dir)
    x_val, y_val = Trainer(config, data).validation_set()
    if len(x_val) == 0:
        raise ValueError("the model was trained without a validation split")
    before = evaluate(classifier, to_unit_float(data.test_images), data.test_labels)
    calibrated = calibrate_on(classifier, to_unit_float(x_val), y_val)
    after = evaluate(calibrated, to_unit_float(data.test_images), data.test_labels)
    calibrated.metadata["calibration"].update(test_ece_before=round(before.ece, 5),
                                             test_ece_after=round(after.ece, 5))
    out = save_model(calibrated, args.out)
    print(f"temperature {calibrated.temperature:.4f} fitted on {len(y_val)} validation images; "
          f"MNIST test ECE {before.ece:.4f} -> {after.ece:.4f}, accuracy {after.accuracy:.4%} "
          f"(unchanged); saved {out}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from lenet.bench.measure import format_table, run_bench

    results = run_bench(
        threads=args.threads,
        with_torch=args.torch,
        quick=args.quick,
        log=(lambda msg: print(msg, file=sys.stderr)),
    )
    if args.busy:
        from lenet.bench.busy import bench_busy

        results["busy"] = bench_busy(args.busy, args.threads, args.quick,
                                     log=(lambda msg: print(msg, file=sys.stderr)))
    print(format_table(results))
    if args.json:
        print(json.dumps(results))
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from lenet.data.download import download_mnist
    from lenet.data.mnist import locate_data_dir

    bars: dict[str, tqdm] = {}

    def on_progress(name: str, done: int, total: int | None) -> None:
        bar = bars.get(name)
        if bar is None or (bar.total != total):
            bar = bars[name] = tqdm(
                total=total, desc=name, unit="B", unit_scale=True, file=sys.stderr
            )
        bar.n = done
        bar.refresh()

    dest = download_mnist(locate_data_dir(args.data_dir), on_progress=on_progress)
    for bar in bars.values():
        bar.close()
    print(f"MNIST is in {dest}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from lenet import __version__

    parser = argparse.ArgumentParser(
        prog="lenet", description="LeNet-5 on MNIST: train, evaluate, predict, bench, download."
    )
    parser.add_argument("--version", action="version", version=f"lenet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train LeNet-5 on MNIST and save the model")
    _add_data_dir(p)
    _add_threads(p)
    recipes = ", ".join(f"{name} ({c.epochs} epochs)" for name, c in RECIPES.items())
    p.add_argument("--recipe", choices=list(RECIPES), default="default",
                   help=f"the run to start from: {recipes}; the options below change it")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--optimizer", choices=["adam", "sgd", "nesterov"])
    p.add_argument("--schedule", choices=["cosine", "step", "constant"])
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--label-smoothing", type=float)
    p.add_argument("--average-decay", type=float,
                   help="keep a moving average of the weights with this decay per batch")
    p.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="random affine, thickness, elastic distortions and writing styles",
    )
    p.add_argument("--augmentation", choices=list(AUGMENTATIONS),
                   help="how strong the random distortions are")
    p.add_argument("--pen-strokes", type=float, metavar="SHARE",
                   help="share of images redrawn with a round pen of random width (0-1)")
    p.add_argument("--plain-final-epochs", type=int,
                   help="the last epochs with writing styles but no random distortions")
    p.add_argument("--seed", type=int)
    p.add_argument("--subset", type=int, help="train on only this many images")
    p.add_argument("--description", default=None, help="text stored in the model file")
    p.add_argument("--out", type=Path, default=Path(DEFAULT_OUT))
    p.add_argument("--force", action="store_true",
                   help="replace --out even with a model far worse than the one there")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="test accuracy, per-class accuracy, confusion matrix")
    p.add_argument("--model", type=Path, default=None, help="model file (default: bundled)")
    _add_data_dir(p)
    _add_threads(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("calibrate", help="fit the model's temperature on its validation split")
    p.add_argument("--model", type=Path, default=None, help="model file (default: bundled)")
    p.add_argument("--out", type=Path, required=True, help="where to save the calibrated model")
    _add_data_dir(p)
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("bench", help="measure training and inference speed on this machine")
    _add_threads(p)
    p.add_argument("--json", action="store_true", help="also print one JSON object, last line")
    p.add_argument(
        "--torch",
        action="store_true",
        help="measure PyTorch's LeNet-5 side by side (needs the torch extra)",
    )
    p.add_argument("--quick", action="store_true", help="shorter runs (less precise)")
    p.add_argument("--busy", type=int, default=0, metavar="N",
                   help="also measure training beside N busy processes (a loaded machine)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("download", help="download MNIST (checksummed) into the data folder")
    _add_data_dir(p)
    p.set_defaults(func=cmd_download)

    add_predict_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):  # a file name that is not valid UTF-8 is shown
        if hasattr(stream, "reconfigure"):  # escaped, not a UnicodeEncodeError mid-batch
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    args.argv = argv  # recorded in trained models' metadata
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        # Bad input (missing data, corrupt file, diverged training): a message, not a trace.
        print(f"lenet {args.command}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a folder that cannot be written, a full disk: say which, in words
        where = f"{e.filename}: " if e.filename else ""
        print(f"lenet {args.command}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
