"""The layers' boundaries (DESIGN.md, "Layers"): imports point down only, and no layer imports
another layer's private modules or names (`_kernels`, `_cache`, ...).

LAYERS below is the order, bottom to top. A module's layer is the entry that names it or its
nearest enclosing package; a package split into layers of its own (scenarios) keeps only its
`__init__` in its own entry, so a new module there must be given a layer. Every module of the
repo's packages is in a layer, and every import, at module level or inside a function (a lazy
import that points up is a violation too), goes to the same layer or one below. There is no
list of exceptions: the CLI imports viz, so it is a layer of its own above viz.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = (  # bottom to top
    "market",             # the exchange: order book, matching, streams
    "agents",             # investors, firms, networks; parameters' declarations (agents.params)
    "scenarios",          # the package itself: its __init__ (a docstring) and nothing else
    "scenarios.engine",   # a world built from a scenario and stepped: world, day, news, Mesa
    "scenarios.library",  # what to run: the Scenario class, shocks, the catalogue, overrides
    "scenarios.studies",  # runs and what is measured of them: run, ensemble, batch, facts, ...
    "scenarios.floor",    # the classroom trading floor (its sessions run a scenario)
    "viz",                # plots, the dashboard and the floor's server
    "scenarios.cli",      # the `selloff` command: every study and every page
)
#: the repo's packages: the top-level folders with an __init__.py (tests, benchmarks, notebooks
#: and docs are not packages)
PACKAGES = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))


def layer_of(name: str) -> str | None:
    """The layer of the dotted module (or module.attribute) `name`, or None if in none."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        prefix = ".".join(parts[:k])
        if prefix in LAYERS:
            split = any(e.startswith(prefix + ".") for e in LAYERS)
            # a package split into layers holds only itself (its __init__)
            return prefix if not split or k == len(parts) else None
    return None


def module_name(relpath: str) -> str:
    """"scenarios/engine/model.py" -> "scenarios.engine.model"; a package's __init__ -> it."""
    parts = relpath[:-3].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.Module, module: str, is_package: bool):
    """(module imported, imported name or None, line) for every import, anywhere in `tree`."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:  # relative: from the importing module's package up
                base = here[:len(here) - (node.level - 1)]
                mod = ".".join(base + ([mod] if mod else []))
            out += [(mod, a.name, node.lineno) for a in node.names]
    return out


def violations(source: str, relpath: str) -> list[str]:
    """Every upward, unlayered or private cross-layer import in the module at `relpath` (e.g.
    "scenarios/engine/model.py") whose text is `source`."""
    module = module_name(relpath)
    layer = layer_of(module)
    if layer is None:
        return [f"{relpath}: in no layer (give it one in tests/test_layers.py's LAYERS)"]
    rank = LAYERS.index(layer)
    bad = []
    tree = ast.parse(source)
    for mod, name, line in imports(tree, module, relpath.endswith("__init__.py")):
        parts = mod.split(".")
        if parts[0] not in PACKAGES and parts[0] not in LAYERS:
            continue  # the standard library and third parties
        target = layer_of(f"{mod}.{name}" if name and name != "*" else mod)
        if target is None:  # `from scenarios import x`: the module x, or a name of scenarios
            target = layer_of(mod)
        where = f"{relpath}:{line}: {mod}" + (f" import {name}" if name else "")
        if target is None:
            bad.append(f"{where} (in no layer)")
            continue
        if LAYERS.index(target) > rank:
            bad.append(f"{where} (upward: {layer} may not import {target})")
        if target != layer:
            private = [p for p in parts[1:] + ([name] if name else []) if p.startswith("_")
                       and not p.startswith("__")]
            if private:
                bad.append(f"{where} (private to {target}: {private[0]})")
    return bad


def modules():
    return sorted(p.relative_to(ROOT).as_posix() for pkg in PACKAGES
                  for p in (ROOT / pkg).rglob("*.py"))


def test_every_module_is_in_a_layer_and_every_layer_has_modules():
    assert set(PACKAGES) == {"market", "agents", "scenarios", "viz"}
    unlayered = [m for m in modules() if layer_of(module_name(m)) is None]
    assert unlayered == []
    used = {layer_of(module_name(m)) for m in modules()}
    assert used == set(LAYERS)
    assert "scenarios/engine/model.py" in modules() and "agents/_kernels.py" in modules()


def test_layer_of():
    assert layer_of("scenarios.engine.world") == "scenarios.engine"
    assert layer_of("scenarios.cli") == "scenarios.cli"
    assert layer_of("scenarios") == "scenarios"
    assert layer_of("scenarios.oops") is None  # scenarios holds only its __init__
    assert layer_of("viz.dashboard.state") == "viz"
    assert layer_of("agents.kinds.noise") == "agents"


@pytest.mark.parametrize("relpath", modules())
def test_imports_point_down_and_stay_public(relpath):
    assert violations((ROOT / relpath).read_text(), relpath) == []


@pytest.mark.parametrize("source, relpath, why", [
    ("from market import _kernels as MK", "scenarios/engine/model.py",
     "private to market: _kernels"),
    ("import market._cache", "agents/x.py", "private to market: _cache"),
    ("from agents._kernels import run_ticks", "scenarios/engine/x.py",
     "private to agents: _kernels"),
    ("from scenarios.engine.news import _init_news", "scenarios/studies/x.py",
     "private to scenarios.engine: _init_news"),
    ("from scenarios.engine.model import MINUTES", "agents/x.py",
     "upward: agents may not import scenarios.engine"),
    ("from scenarios.library.scenario import Scenario", "scenarios/engine/world.py",
     "upward: scenarios.engine may not import scenarios.library"),
    ("from scenarios.studies.outputs import strict_json", "scenarios/library/x.py",
     "upward: scenarios.library may not import scenarios.studies"),
    ("from scenarios.floor import Floor", "scenarios/studies/x.py",
     "upward: scenarios.studies may not import scenarios.floor"),
    ("import viz.paths", "scenarios/studies/run.py",
     "upward: scenarios.studies may not import viz"),
    ("from scenarios.cli import main", "viz/x.py", "upward: viz may not import scenarios.cli"),
    ("from scenarios import cli", "viz/dashboard/x.py", "upward: viz may not import scenarios.cli"),
    ("from .. import cli", "scenarios/floor/x.py",
     "upward: scenarios.floor may not import scenarios.cli"),
    # inside a function (lazily) is no exception
    ("def f():\n    from viz.paths import plot\n", "scenarios/studies/run.py", "upward"),
    ("def f():\n    from scenarios.studies.run import run\n", "scenarios/engine/x.py", "upward"),
    ("import scenarios.oops", "viz/x.py", "in no layer"),
    ("", "scenarios/oops.py", "in no layer"),
])
def test_the_checker_finds_each_kind_of_violation(source, relpath, why):
    found = violations(source, relpath)
    assert len(found) == 1 and why in found[0], found


@pytest.mark.parametrize("source, relpath", [
    ("from . import _kernels as K", "market/book.py"),  # private within its own layer
    ("from agents._kernels import run_ticks", "agents/kinds/noise.py"),  # one layer: agents
    ("from market import Exchange, compiled", "agents/x.py"),
    ("from .world import add_agents", "scenarios/engine/model.py"),
    ("from scenarios.engine.calendar import check_start", "scenarios/library/scenario.py"),
    ("from scenarios.library.catalog import get_scenario", "scenarios/studies/x.py"),
    ("from scenarios.studies import ensemble", "scenarios/studies/batch.py"),
    ("from scenarios.studies.outputs import strict_json", "scenarios/floor/x.py"),
    ("from scenarios.floor.orders import FloorError", "viz/floor/server.py"),
    ("from viz.paths import plot", "scenarios/cli.py"),  # the CLI, above viz, at module level
    ("def f():\n    from viz.paths import plot\n", "scenarios/cli.py"),  # and lazily
    ("import numpy as np\nfrom mesa import Model", "scenarios/engine/x.py"),
])
def test_the_checker_allows_downward_public_imports(source, relpath):
    assert violations(source, relpath) == []
