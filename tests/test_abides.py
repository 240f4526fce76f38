"""`abides_rmsc04` against ABIDES's RMSC04: the work of a day (orders, fills), the agents' rates
and behaviours, the fundamental, conservation and determinism.

ABIDES's figures (scenarios/library/abides.py) were measured on ABIDES itself: about 40,000
orders and 19,800 fills for one RMSC04 day. The expected order count below is derived from RMSC04's
configuration alone, not from our code.
"""

import numpy as np
import pytest

from agents.schema import SCHEMAS, Kind
from market import SESSION_SECONDS, Motive
from market.types import BAR
from scenarios.engine.model import SelloffModel
from scenarios.library.abides import ABIDES_FILLS, ABIDES_ORDERS
from scenarios.library.catalog import get_scenario

#: the band around ABIDES's figures a day's orders and fills must land in
BAND = (0.8, 1.2)


@pytest.fixture(scope="module")
def day():
    """One abides_rmsc04 day (seed 0), its fundamental sampled at every minute's end."""
    m = SelloffModel(get_scenario("abides_rmsc04"), seed=0)
    cash0, shares0 = m.exchange.cash.sum(), m.exchange.shares.sum(axis=0).copy()
    logv = []
    while m.running:
        m.step()
        logv.append(float(m.mk.logv[0]))
    return m, np.array(logv), cash0, shares0


def test_a_day_does_abides_work(day):
    m = day[0]
    orders, fills = int(m.exchange.pool.meta[1]), int(m.bars[..., BAR.trades].sum())
    assert BAND[0] * ABIDES_ORDERS <= orders <= BAND[1] * ABIDES_ORDERS
    assert BAND[0] * ABIDES_FILLS <= fills <= BAND[1] * ABIDES_FILLS


def test_orders_are_rmsc04s_wake_ups(day):
    """Expected orders from RMSC04's configuration: each of 1,000 noise agents one (if its
    side of the book is quoted); 102 value agents at lambda_a = 5.7e-12 per ns over 23,400 s;
    12 momentum agents every 37 s, less their first 50 looks; 2 makers every 60 s, 10 bids and
    10 asks each. Poisson counts: the sd of the total is about 600 (the makers' 780 wake-ups
    of 20 orders dominate); 4 sds allowed."""
    m = day[0]
    noise = 1000
    value = 102 * 5.7e-12 * 1e9 * SESSION_SECONDS
    momentum = 12 * (SESSION_SECONDS / 37 - 50)
    makers = 2 * SESSION_SECONDS / 60 * 20
    want = noise + value + momentum + makers  # 37,194
    sd = np.sqrt(value + 12 * SESSION_SECONDS / 37 + 20 * makers)
    assert abs(int(m.exchange.pool.meta[1]) - want) < 4 * sd


def test_population_is_rmsc04s(day):
    m = day[0]
    assert m.kinds_count == {**{k.label: 0 for k in Kind}, "abides_noise": 1000,
                             "abides_value": 102, "abides_momentum": 12, "abides_maker": 20}
    assert m.spec.tickers == ("NVDA",) and m.spec.days == 1


def test_every_kind_trades(day):
    """Shares traded under each kind's motive: noise, value, momentum and market making all
    took part, nothing else did."""
    vol = day[0].motive_volume.sum(axis=(0, 1)).sum(axis=1)
    for mo in (Motive.NOISE, Motive.VALUE, Motive.MOMENTUM, Motive.MARKET_MAKING):
        assert vol[mo] > 0, mo.name
    assert vol.sum() == vol[[Motive.NOISE, Motive.VALUE, Motive.MOMENTUM,
                             Motive.MARKET_MAKING]].sum()


def test_fundamental_moves_as_rmsc04s_oracle(day):
    """RMSC04's oracle within a day: fund_vol 5e-5 per sqrt(ns) = 1.581 ticks per sqrt(s), so
    12.25 ticks a minute; 389 one-minute changes estimate the sd to about 4%."""
    logv = day[1]
    ticks = np.exp(logv)
    sd = np.diff(ticks).std()
    assert abs(sd / (5e-5 * np.sqrt(1e9) * np.sqrt(60)) - 1) < 0.15


def test_cash_and_shares_are_conserved(day):
    m, _, cash0, shares0 = day
    assert m.exchange.cash.sum() == cash0
    assert (m.exchange.shares.sum(axis=0) == shares0).all()


def test_noise_agents_trade_at_most_once_a_day(day):
    """Each noise agent's done_day marks the one day it sent its order: all but those whose
    wake-up came in the last look interval of the day traded on day 0."""
    m = day[0]
    rows = m.inv.kind == Kind.ABIDES_NOISE
    done = m.inv.par[rows, SCHEMAS[Kind.ABIDES_NOISE].column("done_day")]
    assert set(np.unique(done)) <= {-1.0, 0.0}
    assert (done == 0.0).sum() >= 990


def test_same_seed_same_day():
    a = SelloffModel(get_scenario("abides_rmsc04"), seed=5).run()
    b = SelloffModel(get_scenario("abides_rmsc04"), seed=5).run()
    assert a.bars.tobytes() == b.bars.tobytes()
    assert a.motive_volume.tobytes() == b.motive_volume.tobytes()
    assert a.exchange.pool.meta[1] == b.exchange.pool.meta[1]
