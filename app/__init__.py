"""LeNet Digits: the PySide6 desktop app (draw a digit, watch LeNet-5 read it live)."""

from lenet import __version__ as APP_VERSION  # lenet's package root imports no numba

APP_NAME = "lenet-digits"
APP_DISPLAY_NAME = "LeNet Digits"
ORGANIZATION_NAME = "lenet-digits"

__all__ = ["APP_DISPLAY_NAME", "APP_NAME", "APP_VERSION", "ORGANIZATION_NAME"]
