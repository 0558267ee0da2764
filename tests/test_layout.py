"""The layout is the architecture: imports point one way, and no module grows past 400 lines.

    ink  → nn → classifier        data → training → model file        cli, app → the rest

Imports are read from the source (every `import` statement, also the lazy ones inside
functions), so a forbidden import fails here even if no test happens to run that code path.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400

# package (or module) → the lenet packages/modules it may import (besides itself)
ALLOWED = {
    "lenet.nn": set(),
    "lenet.ink": {"lenet.nn", "lenet.atomic"},
    "lenet.data": {"lenet.nn", "lenet.atomic", "lenet.ink"},  # augment_pen: ink's thinning
    "lenet.classifier": {"lenet.nn", "lenet.input_variants"},
    "lenet.input_variants": set(),
    "lenet.model_file": {"lenet.nn", "lenet.classifier", "lenet.atomic"},
    "lenet.training": {"lenet.nn", "lenet.data", "lenet.classifier"},
    "lenet.atomic": set(),
}
GUI = ("PySide6", "PyQt5", "PyQt6", "PySide2", "pyqtgraph", "app")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module name imported anywhere in the file (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: use absolute imports"
            base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


ENGINE = sorted((ROOT / "lenet").rglob("*.py"))


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: _module_name(p))
def test_engine_never_imports_qt_or_the_app(path: Path) -> None:
    bad = sorted(n for n in _imports(path) if any(_within(n, g) for g in GUI))
    assert not bad, f"{_module_name(path)} imports {bad}: the engine knows nothing of Qt"


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: _module_name(p))
def test_engine_imports_point_one_way(path: Path) -> None:
    me = _module_name(path)
    rule = next((pkg for pkg in ALLOWED if _within(me, pkg)), None)
    lenet_imports = {n for n in _imports(path) if _within(n, "lenet")}
    if rule is None:  # cli, bench, devtools, the package root: may use the engine
        return
    allowed = {rule, *ALLOWED[rule]}
    bad = sorted(
        n for n in lenet_imports
        if n != "lenet" and not n.startswith("lenet.__")
        and not any(_within(n, a) for a in allowed)
    )
    assert not bad, f"{me} may use only {sorted(allowed)}, but imports {bad}"


@pytest.mark.parametrize("path", sorted((ROOT / "lenet").rglob("*.py"))
                         + sorted((ROOT / "app").rglob("*.py")),
                         ids=lambda p: _module_name(p))
def test_nothing_the_app_runs_imports_the_development_tools(path: Path) -> None:
    me = _module_name(path)
    if _within(me, "lenet.devtools") or _within(me, "lenet.bench"):
        return
    bad = sorted(n for n in _imports(path) if _within(n, "lenet.devtools"))
    assert not bad, f"{me} imports {bad}, which the desktop bundle leaves out"


def test_the_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself: an nn module importing ink is seen."""
    fake = tmp_path / "bad.py"
    fake.write_text("def f():\n    from lenet.ink.strokes import Stroke\n    import PySide6\n")
    names = _imports(fake)
    assert "lenet.ink.strokes" in names and "PySide6" in names


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "lenet").rglob("*.py")) + sorted((ROOT / "app").rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_over_400_lines(path: Path) -> None:
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)} has {n} lines: split it by concept"


def test_every_package_is_installed() -> None:
    """pyproject lists packages by name: a new subpackage missing there would be left out
    of a plain `pip install .` (the editable install used in development would hide it)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        _module_name(init.parent / "__init__.py")
        for top in ("lenet", "app")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - on_disk == {"lenet.bundled"}  # models/, mapped by package-dir
