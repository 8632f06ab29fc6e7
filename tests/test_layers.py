"""The package's layers, checked from the source: no module imports from a higher layer.

    cli, eventstudy/__init__      top: the command line and the public facade
    report                        rendering; reads results, computes nothing
    news                          events, verdicts, the claims pipeline; uses data and stats
    data | stats                  siblings that never import each other (they meet in canonical frames)
    errors, paths, atomic, formatting, locks, pins, runlog, leftovers, console   shared basics, importing only
                                  each other (console: the command line's terminal output)

Lazy imports inside functions count too: a layer violation is one whether it runs at import time or later.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "eventstudy"

BASICS = {"errors", "paths", "atomic", "formatting", "locks", "pins", "runlog", "leftovers", "console"}
RANK = {"basics": 0, "data": 1, "stats": 1, "news": 2, "report": 3, "top": 4}


def _layer(module: str) -> str:
    """Layer of a dotted module name inside the package (``eventstudy.data.store`` -> ``data``)."""
    parts = module.split(".")
    assert parts[0] == "eventstudy", module
    if len(parts) == 1 or parts[1] in {"cli", "__init__", "__main__"}:
        return "top"
    if parts[1] in BASICS:
        return "basics"
    if parts[1] in RANK:
        return parts[1]
    raise AssertionError(f"{module}: not in any layer; add it to a subpackage (data, stats, news, report)")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import of the package in ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "eventstudy"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "eventstudy":
                continue
            if target == "eventstudy" or node.module is None:
                # `from eventstudy import x`, `from . import x`: the names are the package's modules
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def _violations() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        mine = _layer(_module_name(path))
        for line, target in _imports(path):
            theirs = _layer(target)
            if RANK[theirs] > RANK[mine] or (RANK[theirs] == RANK[mine] and theirs != mine):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {mine} imports {target} ({theirs})")
    return bad


def test_every_module_belongs_to_a_layer_and_imports_only_downwards():
    assert _violations() == []


def test_the_subpackages_exist():
    for sub in ("data", "stats", "news", "report"):
        assert (PACKAGE / sub / "__init__.py").is_file(), sub


@pytest.mark.parametrize(
    ("module", "source", "layer_error"),
    [
        ("stats/fake.py", "from eventstudy.data.store import PriceStore\n", "stats imports eventstudy.data.store"),
        ("data/fake.py", "from ..stats import engine\n", "data imports eventstudy.stats (stats)"),
        ("data/fake.py", "def f():\n    from eventstudy.news import pipeline\n", "data imports eventstudy.news"),
        ("report/fake.py", "import eventstudy.cli\n", "report imports eventstudy.cli"),
        ("fake_basic.py", "from eventstudy.stats.windows import Window\n", None),
    ],
)
def test_the_check_catches_an_upward_import(tmp_path, monkeypatch, module, source, layer_error):
    """The checker itself can fail: a planted upward import is reported with file and line."""
    fake_pkg = tmp_path / "eventstudy"
    for sub in ("data", "stats", "news", "report"):
        (fake_pkg / sub).mkdir(parents=True)
        (fake_pkg / sub / "__init__.py").write_text("")
    (fake_pkg / "__init__.py").write_text("")
    (fake_pkg / module).write_text(source)
    monkeypatch.setitem(globals(), "PACKAGE", fake_pkg)
    monkeypatch.setitem(globals(), "BASICS", BASICS | {"fake_basic"})
    violations = _violations()
    assert len(violations) == 1
    if layer_error:
        assert layer_error in violations[0]
    assert violations[0].startswith(f"eventstudy/{module}:")
