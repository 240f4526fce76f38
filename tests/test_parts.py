"""The simulation's parts own their state (issue 20): records read by name, the investors' arrays
changed only through agents' public functions, the floor on public hooks, one seeding."""

import ast
from pathlib import Path

import numpy as np

from market.types import BAR, DAY, DAY_DTYPE, OHLCV_DTYPE, columns, records

ROOT = Path(__file__).resolve().parent.parent


def _sources(*dirs):
    for d in dirs:
        yield from sorted((ROOT / d).rglob("*.py"))


def _name(node) -> str:
    """`bars` for `bars`, `res.bars`, `self.main.bars`; '' otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def test_record_columns_come_from_the_dtypes():
    assert OHLCV_DTYPE.names == ("open", "high", "low", "close", "volume", "trades")
    assert DAY_DTYPE.names == OHLCV_DTYPE.names[:5]
    assert BAR.close == 3 and BAR.trades == 5 and len(BAR) == 6 and DAY.volume == 4
    assert columns(DAY_DTYPE) == DAY
    cube = np.arange(2 * 3 * len(BAR), dtype=np.int64).reshape(2, 3, len(BAR))
    rec = records(cube, OHLCV_DTYPE)
    assert rec.shape == (2, 3)
    np.testing.assert_array_equal(rec["close"], cube[:, :, BAR.close])
    rec["volume"][1, 2] = -7  # a view
    assert cube[1, 2, BAR.volume] == -7


def test_no_literal_column_index_into_bars_or_daily():
    """`bars[..., 3]`, `res.daily[d, j, 4]`: a column by number; `BAR.close` names it."""
    bad = []
    for path in _sources("scenarios", "viz", "benchmarks", "tests", "market", "agents"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Subscript) and _name(node.value) in ("bars", "daily", "bar")
                    and isinstance(node.slice, ast.Tuple) and node.slice.elts
                    and isinstance(node.slice.elts[-1], ast.Constant)
                    and isinstance(node.slice.elts[-1].value, int)):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


def _kernel_state(node) -> bool:
    """`mk.x`, `inv.x`, `self.mk.x`, `m.inv.x` (a field of the loop's arrays)."""
    return isinstance(node, ast.Attribute) and _name(node.value) in ("mk", "inv")


def test_scenarios_write_no_kernel_array_directly():
    """The loop's arrays (agents.loop's Mkt and Investors) change only through agents' public
    functions: no `self.mk.logv[:] += ...`, `self.inv.oid[:] = -1`, `mk.flow.__isub__(...)`."""
    bad = []
    for path in _sources("scenarios", "viz"):
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, ast.Subscript) and _kernel_state(sub.value):
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                    if _kernel_state(sub) and sub is t:
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr.startswith("__i") and _kernel_state(node.func.value)):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


def test_the_floor_uses_the_public_hooks_only():
    """The trading floor adds its students through Simulation's hooks (before_ticks,
    before_bar, after_minute), overriding no private method of the engine."""
    from scenarios.engine.simulation import Simulation
    from scenarios.floor.world import FloorWorld

    engine = {n for n in dir(Simulation) if n.startswith("_") and not n.startswith("__")}
    own = {n for n in vars(FloorWorld) if n.startswith("_") and not n.startswith("__")}
    assert own & engine == set()
    assert {"before_ticks", "before_bar"} <= set(vars(FloorWorld))
    assert all(callable(getattr(Simulation, h))
               for h in ("before_ticks", "before_bar", "after_minute"))


def test_one_seeding_for_the_plain_and_the_mesa_world():
    """Simulation and SelloffModel get their generators from one function, in the same state."""
    import types

    from mesa import Model

    from scenarios.engine.simulation import seed_generators

    sc = types.SimpleNamespace(seed=7)
    plain, mesa_model = types.SimpleNamespace(), Model.__new__(Model)
    assert seed_generators(plain, sc) == seed_generators(mesa_model, sc, mesa_init=Model.__init__)
    assert plain.rng.bit_generator.state == mesa_model.rng.bit_generator.state
    assert plain.random.getstate() == mesa_model.random.getstate()
    assert seed_generators(plain, sc, 8) == 8


def test_the_world_is_one_value_built_once_and_read_through_the_model():
    """build_world(spec, rng) returns the World; a Simulation keeps it as `world` and reads
    every field of it as its own, read-only (`m.tickers` is `m.world.tickers`); the same seed
    draws the same world."""
    import dataclasses

    import pytest
    from conftest import SMALL_POPULATION

    from scenarios.engine.simulation import Simulation
    from scenarios.engine.world import World, build_world
    from scenarios.library import catalog
    from scenarios.library.overrides import apply_overrides

    sc = apply_overrides(catalog.get_scenario("baseline"),
                         [*SMALL_POPULATION, "days=1", 'tickers=["NVDA","MSFT"]'])
    m = Simulation(sc, 5)
    assert isinstance(m.world, World)
    for f in dataclasses.fields(World):
        assert getattr(m, f.name) is getattr(m.world, f.name), f.name
        with pytest.raises(AttributeError):
            setattr(m, f.name, None)
    w = build_world(sc, np.random.default_rng(5))
    np.testing.assert_array_equal(w.inv.kind, m.inv.kind)
    assert w.news_rng.bit_generator.state == m.news_rng.bit_generator.state
    assert set(w.firms) == set(m.firms) and w.tickers == m.tickers == ("NVDA", "MSFT")


def test_the_news_desk_and_the_recorder_are_parts_of_their_own():
    """Simulation composes a NewsDesk and a Recorder (not mixins): each owns its state, reads the
    world it is given, and gets the clock in its calls; their records read as the model's."""
    from conftest import SMALL_POPULATION

    from scenarios.engine.news import NewsDesk
    from scenarios.engine.recording import Recorder
    from scenarios.engine.simulation import Simulation
    from scenarios.library import catalog
    from scenarios.library.overrides import apply_overrides

    assert not issubclass(Simulation, (NewsDesk, Recorder))
    sc = apply_overrides(catalog.get_scenario("deepseek"),
                         [*SMALL_POPULATION, "days=1", 'tickers=["NVDA","MSFT"]'])
    m = Simulation(sc, 2)
    assert isinstance(m.news, NewsDesk) and isinstance(m.recorder, Recorder)
    assert m.news.world is m.world and m.recorder.exchange is m.world.exchange
    for _ in range(3):
        m.step()
    assert m.bars is m.recorder.bars and m.daily is m.recorder.daily
    assert m.events is m.news.events and m.events  # deepseek fires before Monday's open
    assert not hasattr(m.news, "day") and not hasattr(m.recorder, "day")  # no clock of their own
