"""The Retrain dialog's expected time, measured on this computer before the run starts."""

import sys

import pytest

from app import training_estimate
from app.training_estimate import TimeEstimate, expected_text, run_images
from app.training_worker import TrainingPlan


def test_the_run_trains_on_its_epochs_of_images():
    assert run_images(TrainingPlan(epochs=3, include_corrections=False), 40) == 3 * 55_000
    assert run_images(TrainingPlan(epochs=2, subset=10_000, include_corrections=False), 0) \
        == 20_000
    assert run_images(TrainingPlan(epochs=1), 10) == 55_000 + 2_000  # 200 copies each
    assert run_images(TrainingPlan(mode="finetune", epochs=2), 5) == 2 * 7_500


@pytest.mark.parametrize("seconds,text", [(3, "about 5 s"), (44, "about 45 s"),
                                          (61, "about 1 min"), (400, "about 7 min")])
def test_expected_time_is_said_for_people(seconds, text):
    assert expected_text(seconds) == text


def test_the_dialog_shows_the_expected_time_once_the_step_is_timed(qtbot, settings_path,
                                                                   monkeypatch):
    from app.settings import Settings
    from app.training_dialog import TrainingDialog
    from tests.conftest import FakeClassifier

    monkeypatch.setattr(training_estimate, "_rates", {})
    monkeypatch.setattr(training_estimate, "_measuring", set())
    monkeypatch.setattr(training_estimate, "step_rate_command",
                        lambda batch: [sys.executable, "-c", "print(10000.0)"])
    d = TrainingDialog("retrain", Settings(settings_path), init=FakeClassifier())
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.eta_label.text().startswith("Expected"), timeout=5000)
    d.epochs.setValue(10)
    plan = d.plan()
    per_epoch = 55_000 / 10_000.0 * (1 + training_estimate.CHECK_SHARE)
    expected = 10 * per_epoch + training_estimate.END_S
    assert d._estimate.seconds(plan, 0) == pytest.approx(expected)
    assert d.eta_label.text() == f"Expected: {expected_text(expected)}"
    d.epochs.setValue(20)  # follows the form
    assert d.eta_label.text() == f"Expected: {expected_text(20 * per_epoch + 1.0)}"


def test_a_measured_rate_is_reused_for_the_session(qtbot, monkeypatch):
    calls: list[int] = []

    def measure(batch):
        calls.append(batch)
        return [sys.executable, "-c", "print(5000.0)"]

    monkeypatch.setattr(training_estimate, "_rates", {})
    monkeypatch.setattr(training_estimate, "_measuring", set())
    monkeypatch.setattr(training_estimate, "step_rate_command", measure)
    first = TimeEstimate(64)
    first.start()
    qtbot.waitUntil(lambda: first.images_per_s == 5_000.0, timeout=5000)
    second = TimeEstimate(64)
    second.start()
    assert second.images_per_s == 5_000.0 and calls == [64]


def test_the_step_is_timed_by_the_app_entry_point(capsys):
    """`lenet-digits --step-rate 32` (what the dialog runs, in its own process) prints the
    images/s of a real training step here."""
    from app.__main__ import main

    assert main(["--step-rate", "32"]) == 0
    assert float(capsys.readouterr().out.strip()) > 0
    assert training_estimate.step_rate_command(32)[-2:] == ["--step-rate", "32"]


def test_the_estimate_follows_the_batch_size(qtbot, settings_path, monkeypatch):
    from app.settings import Settings
    from app.training_dialog import TrainingDialog
    from tests.conftest import FakeClassifier

    monkeypatch.setattr(training_estimate, "_rates", {})
    monkeypatch.setattr(training_estimate, "_measuring", set())
    monkeypatch.setattr(training_estimate, "step_rate_command",  # bigger batches: faster
                        lambda batch: [sys.executable, "-c", f"print({batch * 100.0})"])
    d = TrainingDialog("retrain", Settings(settings_path), init=FakeClassifier())
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.eta_label.text().startswith("Expected"), timeout=5000)
    first = d.eta_label.text()
    d.batch_size.setCurrentIndex((d.batch_size.currentIndex() + 1) % d.batch_size.count())
    batch = int(d.batch_size.currentData())
    qtbot.waitUntil(lambda: d._estimate.images_per_s == batch * 100.0, timeout=5000)
    expected = d._estimate.seconds(d.plan(), 0)
    assert d.eta_label.text() == f"Expected: {expected_text(expected)}" != first
