"""`python -m app.build`: build the one-folder app and its archive with PyInstaller.

Same as `pyinstaller resources/lenet-digits.spec --noconfirm --distpath dist --workpath build`
from the project root; needs the `package` extra (`pip install -e ".[package]"`).
Output: dist/lenet-digits/ and dist/lenet-digits-<version>-<os>-<arch>.tar.gz (.zip on
Windows). Set LENET_NO_ARCHIVE=1 to skip the archive.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "resources" / "lenet-digits.spec"


def main(argv: list[str] | None = None) -> int:
    """Run PyInstaller on the spec; returns its exit code."""
    parser = argparse.ArgumentParser(prog="python -m app.build", description=__doc__.split("\n")[0])
    parser.add_argument("--distpath", default=str(ROOT / "dist"), help="default: dist/")
    parser.add_argument("--workpath", default=str(ROOT / "build"), help="default: build/")
    args, extra = parser.parse_known_args(argv)
    try:
        import PyInstaller.__main__
    except ImportError:
        print("PyInstaller is not installed: pip install -e '.[package]'", file=sys.stderr)
        return 2
    try:
        PyInstaller.__main__.run([str(SPEC), "--noconfirm", "--distpath", args.distpath,
                                  "--workpath", args.workpath, *extra])
    except SystemExit as exc:  # PyInstaller exits on errors
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
