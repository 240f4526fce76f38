"""A new investor kind plugs in from its own module: this file is that module for a toy kind.

`ToyBuyer` buys one share at market at every arrival (motive DIP_BUY, so its fills are easy to
tell apart on the tape). Its parameters, decision function, twin and build hooks live here and
nowhere else, plus one `register` call; a population subclass with a field for it (as
`AbidesPopulation` adds the ABIDES kinds) makes `build_investors` build it, and the compiled
loop's dispatch, generated from the registry, calls its decision function.
"""

import dataclasses
import math

import numpy as np
import pytest
from numba import njit

from agents import kinds
from agents.kinds import K, kernel
from agents.kinds._twin import BUY, MARKET, Order, Situation
from agents.loop import new_market_view
from agents.params import param
from agents.population import Population, build_investors
from agents.schema import KIND_NAMES, kind_code
from market import ORDER_DTYPE, Exchange, MarketRules, Motive, OrderKind
from scenarios.engine.simulation import Simulation

MOTIVE = np.int64(Motive.DIP_BUY)  # a numpy int: one compiled copy of the order entry


@dataclasses.dataclass(frozen=True)
class ToyBuyer:
    """Buys one share of its stock at market at every arrival."""

    count: int = param(6, 0, 1000, doc="investors")
    rate_per_min: float = param(2.0, 0.0, 60.0, doc="arrivals per investor per minute")


@kernel  # compiled at first use, inlined into the dispatch (agents.kinds._jit)
def decide(ex, inv, mk, i, t, call_phase):
    """One share at market when the ask side is quoted, outside a call."""
    s = inv.home[i]
    go = (not call_phase) and K.X.best_ask(ex[0], s) > 0
    return go, s, K.BUY, K.MARKET, K.NONE, np.int64(1), MOTIVE, K.BID_SLOT


def twin(sit: Situation) -> list:
    """By hand: one share, a buy at market, whenever an ask is quoted and no call is on."""
    if sit.call_phase or sit.asks[sit.home] <= 0:
        return []
    return [Order(sit.home, BUY, MARKET, 0, 1, int(Motive.DIP_BUY))]


def homes(build, ks, c, rows):
    """All on the first stock."""
    build.home[rows] = 0
    build.rate[rows] = c.rate_per_min / 60.0


SPEC = kinds.register("toy_buyer", columns=("size",), params=ToyBuyer, decide=decide,
                      twin=twin, homes=homes)


@dataclasses.dataclass(frozen=True)
class ToyPopulation(Population):
    """The built-in kinds and the toy buyers."""

    toy_buyer: ToyBuyer = param(ToyBuyer())


def test_the_toy_kind_is_registered_after_the_built_ins():
    assert SPEC.code == kinds.kinds().index(SPEC) >= len(KIND_NAMES)
    assert kind_code("toy_buyer") == SPEC.code and SPEC.code >= len(KIND_NAMES)
    assert kinds.spec("toy_buyer") is SPEC and not SPEC.builtin
    with pytest.raises(ValueError, match="name"):
        kinds.register("toy_buyer", columns=("size",), params=ToyBuyer, decide=decide,
                       twin=twin)


@njit
def _decide_now(book, pool, acc, tape, rules, tob, inv, mk, i, t, call_phase):
    return decide((book, pool, acc, tape, rules, tob), inv, mk, i, t, call_phase)


@pytest.mark.parametrize("ask, call", [(10_001, False), (10_001, True), (0, False)])
def test_the_toy_kernel_matches_its_twin(ask, call):
    pop = ToyPopulation(**{f.name: dataclasses.replace(getattr(Population(), f.name), **(
        {"per_stock": 0} if f.name == "market_maker" else {"count": 0}))
        for f in dataclasses.fields(Population)})
    w = build_investors(pop, np.array([100.0]), np.array([1.0]), np.random.default_rng(0))
    mk = new_market_view(np.array([100.0]), np.array([1e-4]), vol_of_vol=0.0,
                         common_factor=0.0, activity_gain=0.0, activity_max=1.0,
                         vol_persistence_min=30.0, fast_min=1.0, slow_min=10.0, var_min=5.0,
                         flow_noise=0.0, informational=True, fire_sale=True, liquidity=True,
                         rng=np.random.default_rng(1))
    ex = Exchange(np.array([10_000]), 1, MarketRules(auctions=False, luld=False,
                                                     circuit_breaker=False))
    ex.open_accounts(w.cash_cents, w.shares)
    ex.start_day(0)
    if ask:
        r = np.zeros(1, ORDER_DTYPE)
        r[0] = (0, -1, OrderKind.LIMIT, ask, 10, 0, 0, 0, 5)
        ex.submit(r)
    assert w.inv.kind.tolist() == [SPEC.code] * 6
    sit = Situation.of(ex, w.inv, mk, 0, 5, call, SPEC.columns)
    go, s, side, kind, price, qty, motive, slot = (
        int(x) for x in _decide_now(*ex.kernel_state(), w.inv, mk, 0, 5, call))
    got = [Order(s, side, kind, price, qty, motive, slot)] if go else []
    assert got == SPEC.twin(sit) == ([Order(0, 1, 1, 0, 1, int(Motive.DIP_BUY))]
                                     if ask and not call else [])


class Watched(Simulation):
    """A simulation that keeps every minute's fills before they are drained into bars."""

    def before_bar(self, *, closing):
        if not hasattr(self, "fills"):
            self.fills = []
        self.fills.append(self.exchange.trades().copy())


def test_a_world_with_the_toy_kind_trades_it(small_scenario):
    sc = small_scenario("baseline", "days=1", 'tickers=["NVDA","MSFT"]')
    pop = ToyPopulation(**{f.name: getattr(sc.population, f.name)
                           for f in dataclasses.fields(Population)})
    m = Watched(dataclasses.replace(sc, population=pop), seed=4)
    rows = np.flatnonzero(m.inv.kind == SPEC.code)
    assert rows.size == 6 and (m.inv.home[rows] == 0).all()
    assert m.kinds_count["toy_buyer"] == 6
    assert set(m.inv.kinds) == set(range(len(KIND_NAMES))) | {SPEC.code}
    for _ in range(30):  # the open and half an hour
        m.step()
    tape = np.concatenate(m.fills)
    mine = tape[np.isin(tape["buyer"], m.inv.acct[rows])]
    # six buyers arriving twice a minute for 30 minutes: about 360 orders of one share each
    assert 250 < mine.size < 480
    assert (mine["qty"] == 1).all() and (mine["stock"] == 0).all()
    assert (mine["buyer_motive"] == Motive.DIP_BUY).all() and (mine["taker_side"] == 1).all()
    held = m.exchange.shares[rows, 0].sum()
    assert held == mine.size  # they started flat and only bought
    # the built-in kinds are the same as in a world without the toy: its rows come last
    assert (m.inv.kind[: rows[0]] < len(KIND_NAMES)).all() and rows[-1] == m.inv.kind.size - 1


def test_a_world_without_it_dispatches_over_the_built_ins_only(small_scenario):
    m = Simulation(small_scenario("baseline", "days=1", 'tickers=["NVDA"]'), seed=1)
    assert m.inv.kinds == () and "toy_buyer" not in m.kinds_count
    assert not math.isnan(m.prices0[0])


LATE = '''
from agents.kinds import K, kernel


@kernel(cache=False)  # no file to cache it in
def _half(q):
    return q // 2


@kernel("ENTRY", cache=False)
def sell_half(q):
    return K.SELL * _half(q)
'''


def test_kernels_written_after_the_load_bind_at_their_first_call():
    """A kind's module imported once the kernels are loaded (a kind registered late): its
    kernels are stand-ins until their first use, then its globals hold numba's objects."""
    import types

    from agents import _kernels as AK

    kinds.load()
    mod = types.ModuleType("late_kind")
    exec(LATE, vars(mod))
    assert isinstance(mod.sell_half, kinds.Kernel) and mod.sell_half.dispatcher is None
    assert mod.sell_half(7) == -3  # compiled (loads what is new), the helper with it
    assert mod.K is AK and mod.sell_half is mod.sell_half.py_func.__globals__["sell_half"]
    assert not isinstance(mod.sell_half, kinds.Kernel) and not isinstance(mod._half, kinds.Kernel)
