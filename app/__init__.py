"""LeNet Digits: the PySide6 desktop app (draw a digit, watch LeNet-5 read it live)."""

APP_NAME = "lenet-digits"
APP_DISPLAY_NAME = "LeNet Digits"
ORGANIZATION_NAME = "lenet-digits"
