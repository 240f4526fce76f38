"""The layers' boundaries (DESIGN.md, "Layers"): imports point down only, and no package imports
another package's private modules (`_kernels`, `_cache`, ...).

market <- agents <- scenarios <- viz. The CLI (scenarios/cli.py), the top layer, may import viz
inside a function (lazily), never at module level.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("market", "agents", "scenarios", "viz")  # bottom to top
LAZY_UP = {("scenarios/cli.py", "viz")}  # (module, package) allowed inside functions only


def imports(tree: ast.Module, package: str):
    """(module imported, imported name or None, line, at module level) for every import."""
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:  # relative: within this package
                mod = package + ("." + mod if mod else "")
            out += [(mod, a.name, node.lineno, id(node) in top) for a in node.names]
    return out


def violations(source: str, relpath: str) -> list[str]:
    """Every upward or private cross-package import in the module at `relpath` (e.g.
    "scenarios/engine/model.py") whose text is `source`."""
    package = relpath.split("/")[0]
    rank = LAYERS.index(package)
    bad = []
    for mod, name, line, at_top in imports(ast.parse(source), package):
        parts = mod.split(".")
        if parts[0] not in LAYERS or parts[0] == package:
            continue
        where = f"{relpath}:{line}: {mod}" + (f" import {name}" if name else "")
        if LAYERS.index(parts[0]) > rank and (at_top or (relpath, parts[0]) not in LAZY_UP):
            bad.append(f"{where} (upward: {package} may not import {parts[0]})")
        private = [p for p in parts[1:] + ([name] if name else []) if p.startswith("_")
                   and not p.startswith("__")]
        if private:
            bad.append(f"{where} (private to {parts[0]}: {private[0]})")
    return bad


def modules():
    return sorted(p.relative_to(ROOT).as_posix() for pkg in LAYERS
                  for p in (ROOT / pkg).rglob("*.py"))


def test_every_package_is_checked():
    found = {m.split("/")[0] for m in modules()}
    assert found == set(LAYERS)
    assert "scenarios/engine/model.py" in modules() and "agents/_kernels.py" in modules()


@pytest.mark.parametrize("relpath", modules())
def test_imports_point_down_and_stay_public(relpath):
    assert violations((ROOT / relpath).read_text(), relpath) == []


@pytest.mark.parametrize("source, relpath, why", [
    ("from market import _kernels as MK", "scenarios/engine/model.py",
     "private to market: _kernels"),
    ("import market._cache", "agents/x.py", "private to market: _cache"),
    ("from agents._kernels import run_ticks", "scenarios/x.py", "private to agents: _kernels"),
    ("from scenarios.engine.model import MINUTES", "agents/x.py", "upward: agents may not import"),
    ("import viz.paths", "scenarios/studies/run.py", "upward: scenarios may not import viz"),
    ("from viz.paths import plot", "scenarios/cli.py", "upward"),  # module level: not lazy
    ("def f():\n    from viz.paths import plot\n", "scenarios/studies/run.py", "upward"),
])
def test_the_checker_finds_each_kind_of_violation(source, relpath, why):
    found = violations(source, relpath)
    assert len(found) == 1 and why in found[0]


@pytest.mark.parametrize("source, relpath", [
    ("from . import _kernels as K", "market/book.py"),  # private within its own package
    ("from market import Exchange, compiled", "agents/x.py"),
    ("def f():\n    from viz.paths import plot\n", "scenarios/cli.py"),  # the CLI, lazily
    ("import numpy as np\nfrom mesa import Model", "scenarios/x.py"),
])
def test_the_checker_allows_downward_public_imports(source, relpath):
    assert violations(source, relpath) == []
