"""The `lenet` command line: train, evaluate, predict, bench, download."""

from lenet.cli.commands import main

__all__ = ["main"]
