"""The `lenet` command line, run in-process through lenet.cli.main (and once as a program)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lenet.cli import main
from lenet.data import write_idx
from lenet.model_file import load_model
from tests.datasets import real_mnist, synthetic_digits


@pytest.fixture
def tiny_mnist(tmp_path):
    """A folder with the four MNIST files holding a few synthetic images."""
    data = synthetic_digits(96)
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte.gz", data.train_images)
    write_idx(folder / "train-labels-idx1-ubyte.gz", data.train_labels)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", data.test_images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", data.test_labels)
    return folder


def test_train_then_evaluate_json(tiny_mnist, tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert (
        main(
            [
                "train",
                "--data-dir",
                str(tiny_mnist),
                "--epochs",
                "1",
                "--batch-size",
                "32",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert load_model(out).metadata["epochs"] == 1
    capsys.readouterr()
    assert main(["evaluate", "--model", str(out), "--data-dir", str(tiny_mnist), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0 <= report["accuracy"] <= 1 and report["count"] == 64
    assert len(report["confusion"]) == 10 and sum(map(sum, report["confusion"])) == 64


def test_data_dir_from_environment(tiny_mnist, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LENET_DATA_DIR", str(tiny_mnist))
    out = tmp_path / "m.npz"
    assert main(["train", "--epochs", "1", "--subset", "40", "--out", str(out), "--quiet"]) == 0
    assert out.is_file()


def test_missing_data_is_a_message_not_a_traceback(tmp_path, capsys):
    code = main(["evaluate", "--data-dir", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 1 and "lenet evaluate: error:" in err and "Traceback" not in err


def test_corrupt_model_is_a_message(tmp_path, tiny_mnist, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert main(["evaluate", "--model", str(bad), "--data-dir", str(tiny_mnist)]) == 1
    assert "not a model file" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["folder", "under a file"])
def test_an_invalid_out_is_refused_before_training(tmp_path, capsys, kind):
    if kind == "folder":
        out = tmp_path / "models"
        out.mkdir()
    else:
        (tmp_path / "notes.txt").write_text("x")
        out = tmp_path / "notes.txt" / "m.npz"
    # no data folder at all: the --out check must come first
    code = main(["train", "--data-dir", str(tmp_path / "nowhere"), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and str(out) in err and "MNIST" not in err and "Traceback" not in err


def test_a_far_worse_model_does_not_replace_a_good_one(tiny_mnist, tmp_path, capsys):
    from lenet.classifier import Classifier
    from lenet.model_file import save_model
    from lenet.nn.model import lenet5

    out = tmp_path / "m.npz"
    save_model(Classifier(lenet5(), {"test_accuracy": 0.999, "description": "the good one"}), out)
    before = out.read_bytes()
    args = ["train", "--data-dir", str(tiny_mnist), "--epochs", "1", "--subset", "32",
            "--lr", "1e-6", "--out", str(out), "--quiet"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "far worse" in err and out.read_bytes() == before
    assert load_model(tmp_path / "m-new.npz").test_accuracy < 0.9
    assert main([*args, "--force"]) == 0
    assert load_model(out).test_accuracy < 0.9


def test_evaluate_bundled_model_on_real_mnist(capsys):
    real_mnist()
    assert main(["evaluate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["accuracy"] >= 0.993
    assert report["count"] == 10_000
    doubt = report["not_sure"]  # the risk-coverage point of the "not sure" flag
    assert doubt["wrong_flagged"] >= 0.78 and doubt["right_flagged"] <= 0.02
    assert doubt["accuracy_when_sure"] > doubt["accuracy"]
    # the answers the app gives, the three networks' mean, err less than the first alone
    assert doubt["networks"] == 3 and doubt["accuracy"] > report["accuracy"]
    assert 0 <= doubt["ece"] < 0.02


def test_bench_json_has_the_documented_keys(capsys):
    assert main(["bench", "--quick", "--json", "--threads", "1"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["threads"] == 1
    assert set(result["train_images_per_s"]) == {"32", "64", "128", "256"}
    assert all(v > 0 for v in result["train_images_per_s"].values())
    assert set(result["loop_images_per_s"]) == {"64"} and result["loop_images_per_s"]["64"] > 0
    assert result["infer_images_per_s"] > 0
    assert 0 < result["latency_us_median"] <= result["latency_us_p99"]
    gflops = result["gflops"]
    assert gflops["sgemm_peak"] > 0
    for bs, rate in result["train_images_per_s"].items():  # rate x the network's FLOPs
        assert gflops["train"][bs] == pytest.approx(rate * 2_263_920 / 1e9)


def test_network_flops_count_each_conv_and_dense_multiply_add_twice():
    from lenet.bench.flops import network_flops
    from lenet.nn.model import lenet5

    conv1, conv2 = 28 * 28 * 6 * (1 * 5 * 5), 10 * 10 * 16 * (6 * 5 * 5)
    dense = 400 * 120 + 120 * 84 + 84 * 10
    flops = network_flops(lenet5())
    assert flops["forward"] == 2 * (conv1 + conv2 + dense)
    # training: forward + weight gradients + input gradients except conv1's
    assert flops["train"] == 2 * (3 * (conv2 + dense) + 2 * conv1)


def test_lenet_runs_as_a_program():
    done = subprocess.run(
        [sys.executable, "-m", "lenet", "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    for command in ("train", "evaluate", "bench"):
        assert command in done.stdout


def test_evaluate_needs_only_the_test_files(tiny_mnist, capsys):
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (tiny_mnist / name).unlink()
    assert main(["evaluate", "--data-dir", str(tiny_mnist), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["count"] == 64


def test_an_os_error_names_the_file_without_errno(tmp_path, capsys, monkeypatch):
    """E.g. a download folder that cannot be written: the file and the reason, in words."""
    from lenet.data import download

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "mnist"))

    monkeypatch.setattr(download, "download_mnist", refuse)
    assert main(["download", "--data-dir", str(tmp_path / "mnist")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'mnist'}: Permission denied" in err
    assert "Errno" not in err and "Traceback" not in err


def test_calibrate_refits_on_the_models_own_validation_split(tiny_mnist, tmp_path, capsys):
    trained, calibrated = tmp_path / "m.npz", tmp_path / "c.npz"
    assert main(["train", "--data-dir", str(tiny_mnist), "--epochs", "1", "--out", str(trained),
                 "--quiet"]) == 0
    assert main(["calibrate", "--model", str(trained), "--data-dir", str(tiny_mnist),
                 "--out", str(calibrated)]) == 0
    a, b = load_model(trained), load_model(calibrated)
    assert b.metadata["calibration"]["fitted_on"] == a.metadata["calibration"]["fitted_on"]
    assert b.temperature == pytest.approx(a.temperature, rel=1e-6)  # the same split again
    assert "test_ece_after" in b.metadata["calibration"]


@pytest.mark.parametrize(("seconds", "said"), [(0.0, False), (1.5, True)])
def test_train_says_it_compiles_when_the_kernels_take_long(tiny_mnist, tmp_path, capsys,
                                                          monkeypatch, seconds, said):
    import time

    from lenet.training import trainer

    monkeypatch.setattr(trainer, "warm_up", lambda config=None: time.sleep(seconds))
    assert main(["train", "--data-dir", str(tiny_mnist), "--epochs", "1", "--subset", "32",
                 "--out", str(tmp_path / "m.npz")]) == 0
    assert ("compiling the kernels (first run only" in capsys.readouterr().err) == said


def test_warm_up_runs_a_training_step():
    from lenet.training.trainer import TrainConfig, warm_up

    assert warm_up(TrainConfig(batch_size=8)) >= 0.0


def test_bench_busy_measures_beside_spinning_processes_and_stops_them(capsys):
    from lenet.bench.busy import spinning

    with spinning(2) as procs:
        assert len(procs) == 2 and all(p.poll() is None for p in procs)  # they do spin
    assert all(p.poll() is not None for p in procs)  # and are gone afterwards
    assert main(["bench", "--quick", "--json", "--threads", "1", "--busy", "1"]) == 0
    busy = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["busy"]
    assert busy["busy_processes"] == 1 and busy["threads"] == 1
    assert busy["busy_ratio_to_idle_1_thread"] == pytest.approx(
        busy["busy_images_per_s"] / busy["idle_1_thread_images_per_s"])


def test_bench_compares_with_pytorchs_best_of_onednn_on_and_off():
    """Without PyTorch installed here: the ratio is taken against the better of the two
    PyTorch runs per measure, and both runs are shown."""
    from lenet.bench.measure import _best_of, format_table

    def run(onednn: bool, train: float, infer: float, latency: float) -> dict:
        return {"threads": 2, "version": "2.13.0+cpu", "onednn": onednn,
                "train_images_per_s": {"64": train}, "infer_images_per_s": infer,
                "latency_us_median": latency, "latency_us_p99": 2 * latency}

    on, off = run(True, 1000.0, 9000.0, 150.0), run(False, 1500.0, 6000.0, 120.0)
    best = _best_of([on, off])
    assert best["train_images_per_s"] == {"64": 1500.0}  # off was faster at training
    assert best["infer_images_per_s"] == 9000.0  # on was faster at inference
    assert best["latency_us_median"] == 120.0 and best["latency_us_p99"] == 240.0
    ours = {"threads": 2, "train_images_per_s": {"64": 3000.0}, "infer_images_per_s": 18000.0,
            "latency_us_median": 30.0, "latency_us_p99": 60.0, "torch": best,
            "torch_by_onednn": {"on": on, "off": off}}
    table = format_table(ours)
    assert "2.00x" in table and "0.25x" in table  # 3000 / 1500, 30 / 120
    assert "oneDNN on: train b64 1,000" in table and "oneDNN off: train b64 1,500" in table


def test_paired_rounds_alternate_with_a_pytorch_worker_and_take_its_better_rate():
    """With a stand-in for the PyTorch worker (no torch here): one ratio per round, against
    the better of oneDNN on and off, and the worker is asked for each in turn."""
    import sys

    from lenet.bench.paired import paired_train_ratio

    fake = ("import sys\nprint('ready', flush=True)\n"
            "for line in sys.stdin:\n"
            "    print(1000.0 if line.strip() == 'on' else 1500.0, flush=True)\n")
    r = paired_train_ratio(1, rounds=3, batch=8, seconds=0.05,
                           worker=[sys.executable, "-c", fake])
    assert r["torch_onednn_on"] == [1000.0] * 3 and r["torch_onednn_off"] == [1500.0] * 3
    assert len(r["lenet"]) == 3 and all(v > 0 for v in r["lenet"])
    assert r["ratios"] == pytest.approx([v / 1500.0 for v in r["lenet"]])
    assert r["median_ratio"] == pytest.approx(float(np.median(r["ratios"])))


def test_paired_rounds_say_when_the_pytorch_worker_cannot_start():
    import sys

    from lenet.bench.paired import paired_train_ratio

    with pytest.raises(RuntimeError, match="did not start"):
        paired_train_ratio(1, rounds=1, batch=8, seconds=0.05,
                           worker=[sys.executable, "-c", "raise SystemExit(1)"])
