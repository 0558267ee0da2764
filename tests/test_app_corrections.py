"""Corrections that last: in a full retrain, counted in its dialog, and the gallery that
relabels and deletes them (on disk)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.corrections import CorrectionStore
from app.corrections_gallery import CorrectionsGallery, show_gallery
from app.settings import Settings
from app.training_data import retrain_data, with_corrections
from app.training_dialog import TrainingDialog
from app.training_worker import Stage, TrainingPlan, engine_trainer_factory
from tests.conftest import FakeClassifier
from tests.test_app_training import fake_factory


class FakeMnist:
    train_images = np.zeros((1000, 28, 28), np.uint8)
    train_labels = np.zeros(1000, np.uint8)
    test_images = np.zeros((10, 28, 28), np.uint8)
    test_labels = np.zeros(10, np.uint8)


def _bar(column: int) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[4:24, column : column + 3] = 1.0
    return image


@pytest.fixture
def store(tmp_path) -> CorrectionStore:
    """Three corrections (labels 3, 5, 8; a bar at a different column each) and one file
    that cannot be read."""
    store = CorrectionStore(tmp_path / "corrections")
    for label, column in ((3, 5), (5, 12), (8, 20)):
        store.add(label, _bar(column), predicted=1)
    (store.folder / "20200101-000000-000000-4.json").write_text("{not json")
    return store


# ---------------------------------------------------------------------- retrain


def test_the_mix_repeats_corrections_to_their_share():
    images, labels = FakeMnist.train_images, FakeMnist.train_labels
    corr = np.full((4, 28, 28), 255, np.uint8)
    mixed, mixed_labels, repeat = with_corrections(images, labels, corr,
                                                   np.array([1, 2, 3, 4], np.uint8), 0.05)
    assert repeat == 14  # 0.05 / 0.95 * 1000 = 52.6 images, over 4 corrections
    assert len(mixed) == len(mixed_labels) == 1000 + 4 * repeat
    assert (mixed_labels[1000:] > 0).all() and (mixed[1000:] == 255).all()
    same, _, none = with_corrections(images, labels, corr[:0], labels[:0], 0.05)
    assert none == 0 and same is images


def test_a_retrain_gives_the_trainer_the_corrections(store, monkeypatch):
    import lenet.training
    from app import training_data, training_worker

    seen = {}

    class CapturingTrainer:
        def __init__(self, config, data, on_progress, should_stop, init):
            seen["data"], seen["init"] = data, init

    monkeypatch.setattr(training_data, "session_mnist", lambda folder: FakeMnist())
    monkeypatch.setattr(training_worker, "_prepare_engine", lambda config, report: None)
    monkeypatch.setattr(lenet.training, "Trainer", CapturingTrainer)
    stages = []
    plan = TrainingPlan(mode="retrain", corrections_dir=store.folder)
    engine_trainer_factory(plan)(stages.append, lambda: False)
    data = seen["data"]
    own = data.train_labels[1000:]
    assert sorted(set(own.tolist())) == [3, 5, 8]  # the readable three, not the broken file
    assert (data.train_images[1000:][own == 5][:, 10:20, 12:15] > 200).all()  # its picture
    assert "3 corrections" in data.description and seen["init"] is None
    assert [s.text for s in stages if isinstance(s, Stage)][:2] == [
        "Reading MNIST…", "Reading your corrections…"]

    engine_trainer_factory(TrainingPlan(mode="retrain", corrections_dir=store.folder,
                                        include_corrections=False))(stages.append, lambda: False)
    assert len(seen["data"].train_labels) == 1000
    assert "correction" not in seen["data"].description


def test_retrain_data_takes_a_subset_before_adding_the_corrections():
    data = retrain_data(FakeMnist(), np.full((2, 28, 28), 9, np.uint8),
                        np.array([7, 7], np.uint8), subset=100)
    assert (data.train_labels == 7).sum() == 2 * 3  # 5 % of 100 MNIST: 6 copies
    assert len(data.train_labels) == 106 and data.description.startswith("MNIST subset (100)")


@pytest.fixture
def retrain_dialog(qtbot, settings_path):
    def make(store, **kwargs):
        d = TrainingDialog("retrain", Settings(settings_path), init=FakeClassifier(),
                           corrections=store, factory_for=fake_factory(**kwargs))
        qtbot.addWidget(d)
        d.show()
        return d

    return make


def test_the_retrain_dialog_counts_the_corrections_and_can_leave_them_out(store,
                                                                           retrain_dialog):
    d = retrain_dialog(store)
    choice = d.corrections_choice
    assert choice.isVisible()
    assert "Include your 3 corrections" in choice.check.text()
    assert "1 unreadable file is left out: 20200101-000000-000000-4.json" in choice.note.text()
    assert d.plan().include_corrections
    choice.check.setChecked(False)
    assert not d.plan().include_corrections


def test_the_retrain_dialog_without_corrections_says_so(tmp_path, retrain_dialog):
    d = retrain_dialog(CorrectionStore(tmp_path / "none"))
    assert not d.corrections_choice.check.isEnabled()
    assert "none yet" in d.corrections_choice.check.text()
    assert not d.plan().include_corrections


def test_stages_before_the_first_batch_are_shown(store, retrain_dialog, qtbot):
    d = retrain_dialog(store)
    d._on_progress(Stage("Preparing the training engine…"))
    assert d.epoch_label.text() == "Preparing the training engine…"


def test_the_finetune_dialog_names_unreadable_files(store, qtbot, settings_path):
    d = TrainingDialog("finetune", Settings(settings_path), init=FakeClassifier(),
                       corrections=store, factory_for=fake_factory())
    qtbot.addWidget(d)
    assert "3 corrections" in d.intro.text()
    assert "20200101-000000-000000-4.json (the file is damaged)" in d.intro.text()
    assert not d.corrections_choice.isVisibleTo(d)


# ---------------------------------------------------------------------- the gallery


@pytest.fixture
def gallery(qtbot, store):
    g = CorrectionsGallery(store)
    qtbot.addWidget(g)
    g.show()
    return g


def test_the_gallery_shows_each_correction_and_the_unreadable_file(gallery):
    assert gallery.grid.count() == 3
    labels = [gallery.grid.item(i).text().split("\n")[0] for i in range(3)]
    assert labels == ["3", "5", "8"]
    assert gallery.bad_box.isVisible() and gallery.bad_list.count() == 1
    assert "the file is damaged" in gallery.bad_list.item(0).text()


def test_relabel_persists(gallery, store, qtbot):
    from PySide6.QtCore import Qt

    gallery.grid.item(1).setSelected(True)
    path = gallery.selected_path()
    qtbot.keyClick(gallery.grid, Qt.Key.Key_6)
    again = CorrectionStore(store.folder).scan()  # a fresh store reads the disk
    assert [c.label for c in again.good] == [3, 6, 8]
    assert json.loads(path.read_text())["label"] == 6
    assert gallery.selected_path() == path  # still selected after the reload
    gallery.new_label.setCurrentIndex(2)
    assert gallery.relabel_button.isEnabled()
    gallery.relabel_button.click()
    assert [c.label for c in CorrectionStore(store.folder).scan().good] == [3, 2, 8]
    assert not list(store.folder.glob(".*"))  # no temporary file left behind


def test_delete_persists_with_its_picture(gallery, store):
    gallery.grid.item(0).setSelected(True)
    path = gallery.selected_path()
    assert gallery.delete_selected()
    assert not path.exists() and not path.with_suffix(".png").exists()
    assert [c.label for c in CorrectionStore(store.folder).scan().good] == [5, 8]
    assert gallery.grid.count() == 2


def test_unreadable_files_can_be_deleted(gallery, store):
    broken = store.folder / "20200101-000000-000000-4.json"
    broken.with_suffix(".png").write_bytes(b"not a png either")
    gallery.delete_bad_button.click()
    assert not broken.exists() and not broken.with_suffix(".png").exists()
    assert not gallery.bad_box.isVisible()
    assert CorrectionStore(store.folder).scan().bad == []


def test_a_failed_change_is_said_and_loses_nothing(gallery, store, monkeypatch):
    def refuse(path, label):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store, "relabel", refuse)
    gallery.grid.item(0).setSelected(True)
    assert not gallery.relabel_selected(9)
    assert "could not be changed (permission denied)" in gallery.error_label.text()
    assert [c.label for c in store.scan().good] == [3, 5, 8]


def test_the_empty_gallery_speaks_to_people(qtbot, tmp_path):
    g = CorrectionsGallery(CorrectionStore(tmp_path / "nothing"))
    qtbot.addWidget(g)
    g.show()
    assert g.pages.currentWidget() is g.empty
    assert "No corrections yet" in g.empty.text()
    assert not g.delete_button.isEnabled() and not g.bad_box.isVisible()


def test_the_menu_opens_one_gallery(window, qtbot):
    window.canvas.add_stroke([(256.0, 80.0), (256.0, 420.0)])
    qtbot.waitUntil(lambda: not window.answer.bars.is_empty(), timeout=3000)
    window.teach(7)
    window.action("corrections").trigger()
    g = window.findChild(CorrectionsGallery)
    assert g is not None and g.isVisible() and g.grid.count() == 1
    assert show_gallery(window, window.corrections) is g
