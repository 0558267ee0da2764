"""What the training dialog says about the user's corrections, and the retrain's choice to
include them ("Include your 12 corrections"), with the unreadable files named."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from app.corrections import CorrectionScan, plural

NAMED_AT_MOST = 3  # unreadable files named in the dialog; the gallery lists them all


def unreadable_text(scan: CorrectionScan) -> str:
    """'' or e.g. '2 unreadable files are left out: a.json (the file is damaged), b.json (…).'"""
    if not scan.bad:
        return ""
    named = ", ".join(f"{path.name} ({why})" for path, why in scan.bad[:NAMED_AT_MOST])
    more = f" and {len(scan.bad) - NAMED_AT_MOST} more" if len(scan.bad) > NAMED_AT_MOST else ""
    are = "is" if len(scan.bad) == 1 else "are"
    return (f"{plural(len(scan.bad), 'unreadable file')} {are} left out: {named}{more}. "
            "Model → Corrections… shows them.")


def intro_html(mode: str, scan: CorrectionScan | None) -> str:
    """The dialog's opening paragraph for `mode` ("retrain" or "finetune")."""
    if mode == "finetune":
        n = len(scan.good) if scan else 0
        return (f"Teaches the model in use your <b>{plural(n, 'correction')}</b>, mixed with "
                "6,000 MNIST digits so that it does not forget the rest. Two epochs take from "
                "a few seconds to half a minute, as busy as the computer is; the very first "
                "run after installing also prepares the training engine, a minute or two. The "
                "model in use only changes if you choose <i>Use this model</i>.")
    return ("Trains a new LeNet-5 from scratch on MNIST's 60,000 handwritten digits. "
            "It runs in the background (you can keep drawing); the model in use only "
            "changes if you choose <i>Use this model</i> at the end.")


class CorrectionsChoice(QWidget):
    """Retrain: "Include your N corrections" (on by default) and the unreadable files named.
    Without readable corrections the box is off and disabled, and says so."""

    def __init__(self, scan: CorrectionScan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = len(scan.good)
        if self.count:
            text = (f"Include your {plural(self.count, 'correction')} (each repeated so that "
                    "the model sees them among the MNIST digits)")
        else:
            text = "Include your corrections (you have none yet)"
        self.check = QCheckBox(text, self)
        self.check.setChecked(self.count > 0)
        self.check.setEnabled(self.count > 0)
        self.note = QLabel(unreadable_text(scan), self)
        self.note.setWordWrap(True)
        self.note.setVisible(bool(scan.bad))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.note)

    def included(self) -> bool:
        """True when the run is to learn the corrections."""
        return self.count > 0 and self.check.isChecked()
