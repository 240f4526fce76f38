"""Slow reference twins: the random number generator and two decision kernels (trend follower,
market maker) in plain Python, against the compiled kernels. Marked `nojit`: also run with
NUMBA_DISABLE_JIT=1, where the kernels run as Python (so coverage reaches inside them).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from agents import _kernels as AK  # the twins test the private kernels themselves
from agents.loop import new_market_view
from agents.population import (
    Fundamental,
    Leveraged,
    MarketMaker,
    Momentum,
    Noise,
    Passive,
    Population,
    build_investors,
)
from agents.schema import SCHEMAS, Kind
from market import Exchange, MarketRules

pytestmark = pytest.mark.nojit

MASK = (1 << 64) - 1


def xoshiro_twin(state: list[int], n: int) -> list[float]:
    """xoshiro256** (Blackman & Vigna, prng.di.unimi.it) in plain Python integers; uniforms on
    [0, 1) from the top 53 bits. `state` (four 64-bit words) is advanced in place."""
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    out = []
    s = state
    for _ in range(n):
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        out.append((result >> 11) * 2.0**-53)
    return out


@njit
def _uniforms(state, n):
    out = np.empty(n)
    for k in range(n):
        out[k] = AK.uniform(state)
    return out


words = st.integers(0, 2**64 - 1)


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=4, max_size=4).filter(any), st.integers(1, 40))
def test_xoshiro_kernel_matches_its_twin(seed, n):
    state = np.array(seed, dtype=np.uint64)
    got = _uniforms(state, n)
    twin_state = list(seed)
    assert got.tolist() == xoshiro_twin(twin_state, n)
    assert state.tolist() == twin_state  # the state advances alike


def test_xoshiro_twin_known_first_output():
    """The first output for state (1, 2, 3, 4), worked by hand: rotl(2*5, 7) * 9 = 11520."""
    assert xoshiro_twin([1, 2, 3, 4], 1)[0] == (11520 >> 11) * 2.0**-53


def momentum_twin(par, ema_fast, ema_slow, var_ref, fast_alpha, pos, b, a, size, call_phase):
    """The trend follower's rule as written in agents/population.py's Momentum docstring and
    DESIGN: signal = (1 - w) fast + w slow; act past threshold x sd of the fast average's noise,
    sd(EMA) = sd(r) sqrt(alpha / 2), within the position limit, at market, if the other side
    has a quote. Returns (send, side, qty)."""
    sc = SCHEMAS[Kind.MOMENTUM]
    w = par[sc.column("slow_weight")]
    if call_phase:
        return False, 1, size
    sig = ema_fast * (1 - w) + ema_slow * w
    thr = par[sc.column("threshold")] * (var_ref * fast_alpha / 2) ** 0.5
    lim = par[sc.column("position_limit")]
    if sig > thr and pos < lim and a > 0:
        return True, 1, size
    if sig < -thr and pos > -lim and b > 0:
        return True, -1, size
    return False, 1, size


@njit
def _momentum(inv, mk, i, s, call_phase, mid, b, a, pos, size):
    go, side, kind, price, qty, motive, slot = AK._momentum(
        0, inv, mk, i, s, 0, call_phase, mid, b, a, pos, size)
    return go, side, kind, qty, motive


@pytest.fixture(scope="module")
def momentum_world():
    pop = Population(momentum=Momentum(count=3), fundamental=Fundamental(count=0))
    prices = np.array([100.0, 40.0])
    rng = np.random.default_rng(1)
    w = build_investors(pop, prices, np.array([3.0, 1.0]), rng)
    mk = new_market_view(prices, np.array([1e-4, 2e-4]), vol_of_vol=0.3, common_factor=0.5,
                         activity_gain=1.0, activity_max=5.0, vol_persistence_min=30.0,
                         fast_min=1.0, slow_min=10.0, var_min=5.0, flow_noise=1.0,
                         informational=True, fire_sale=True, liquidity=True, rng=rng)
    i = int(np.flatnonzero(w.inv.kind == Kind.MOMENTUM)[0])
    return w.inv, mk, i


@settings(max_examples=80, deadline=None)
@given(fast=st.floats(-1e-3, 1e-3), slow=st.floats(-1e-3, 1e-3), pos=st.integers(-5000, 5000),
       b=st.sampled_from([0, 9_990]), a=st.sampled_from([0, 10_010]), size=st.integers(1, 500),
       call=st.booleans())
def test_momentum_kernel_matches_its_twin(momentum_world, fast, slow, pos, b, a, size, call):
    inv, mk, i = momentum_world
    s = int(inv.home[i])
    mk.ema_fast[s], mk.ema_slow[s] = fast, slow
    go, side, kind, qty, motive = _momentum(inv, mk, i, s, call, 10_000.0, b, a, pos, size)
    want = momentum_twin(inv.par[i], fast, slow, mk.var_ref[s], mk.cfg[AK.C_FAST], pos, b, a,
                         size, call)
    assert bool(go) == want[0]
    if go:  # what it sends (nothing is sent otherwise)
        assert (int(side), int(qty)) == (want[1], want[2])
        assert kind == AK.MARKET and motive == AK.M_MOMENTUM


def maker_twin(par, mid, pv, anchor, ratio, pos, size, call_phase, liquidity=True):
    """The market maker's quotes as agents/population.py's MarketMaker and `_market_maker`'s
    docstring state them: centre = mid moved by the public value's change since the last quote
    (the mid itself in a call phase or before a first quote); half-spread half_spread_bp of mid,
    times 1 + widen x the excess volatility ratio; width max(1, half-up rounding of 2 x half)
    ticks; the bid the tick at or below centre + skew - width / 2 + 1/2 (so a one-tick quote
    straddles the centre), the ask width above; skew -pos / limit x width / 2; a side is empty
    past the inventory limit, both when withdrawn. Returns (bid, bid qty, ask, ask qty)."""
    sc = SCHEMAS[Kind.MARKET_MAKER]
    half = mid * par[sc.column("half_spread_bp")] / 1e4 * (
        1 + par[sc.column("widen")] * max(0.0, ratio - 1))
    width = max(1, math.floor(2 * half + 0.5))
    centre = mid if (call_phase or math.isnan(anchor)) else mid * math.exp(pv - anchor)
    lim = par[sc.column("inventory_limit")]
    bid = math.floor(centre - pos / lim * width / 2 - width / 2 + 0.5)
    out = liquidity and ratio > par[sc.column("withdraw_ratio")]
    return (bid, size if pos < lim and not out else 0, bid + width,
            size if pos > -lim and not out else 0)


@njit
def _maker(book, pool, acc, tape, rules, tob, inv, mk, i, call_phase, mid, pos, size):
    ex = (book, pool, acc, tape, rules, tob)
    go, side, kind, price, qty, motive, slot = AK._market_maker(
        ex, inv, mk, i, 0, 0, call_phase, mid, 0, 0, pos, size)
    return price, qty


@pytest.fixture(scope="module")
def maker_world():
    pop = Population(fundamental=Fundamental(count=0), momentum=Momentum(count=0),
                     noise=Noise(count=0), market_maker=MarketMaker(per_stock=1),
                     leveraged=Leveraged(count=0), passive=Passive(count=0))
    prices = np.array([100.0])
    rng = np.random.default_rng(2)
    w = build_investors(pop, prices, np.array([1.0]), rng)
    mk = new_market_view(prices, np.array([1e-4]), vol_of_vol=0.3, common_factor=0.5,
                         activity_gain=1.0, activity_max=5.0, vol_persistence_min=30.0,
                         fast_min=1.0, slow_min=10.0, var_min=5.0, flow_noise=1.0,
                         informational=True, fire_sale=True, liquidity=True, rng=rng)
    ex = Exchange(np.array([10_000]), 1, MarketRules(luld=False))  # no price band to clip at
    ex.open_accounts(w.cash_cents, w.shares)
    return ex, w.inv, mk


def _quote(maker_world, mid, pos, size, call_phase):
    """The maker's bid (read from the book it was sent to) and its returned ask."""
    ex, inv, mk = maker_world
    ask, qa = _maker(*ex.kernel_state(), inv, mk, 0, call_phase, mid, pos, size)
    bid, _ = ex.best(0)
    return bid, ask, qa


def test_maker_quotes_one_tick_then_follow_public_value(maker_world):
    """By hand: $100 (10,000 ticks), half-spread 0.5 bp = 0.5 tick, so one tick wide around the
    mid; 10 bp of public value news later, the quotes sit 10 ticks higher although the mid has
    not moved; a scenario news jump (value and jump row alike) moves the public value not."""
    ex, inv, mk = maker_world
    mk.var[0] = mk.var_ref[0]
    inv.anchor[0] = np.nan
    assert _quote(maker_world, 10_000.5, 0, 100, False)[:2] == (10_000, 10_001)
    mk.logv[0] += 0.001  # e^0.001 x 10,000.5 = 10,010.5
    assert _quote(maker_world, 10_000.5, 0, 100, False)[:2] == (10_010, 10_011)
    mk2 = mk._replace(logv=mk.logv - 0.05, jump=np.full((1, 1), -0.05))
    assert _quote((ex, inv, mk2), 10_000.5, 0, 100, False)[:2] == (10_000, 10_001)
    mk.logv[0] -= 0.001


@settings(max_examples=80, deadline=None)
@given(mid2=st.integers(12_000, 70_000),  # mids of 60-350 dollars, inside the book's window
        dv=st.floats(-0.01, 0.01), first=st.booleans(),
       ratio=st.floats(0.5, 6.0), pos_f=st.floats(-1.2, 1.2), size=st.integers(1, 500),
       half_bp=st.floats(0.1, 20.0), call=st.booleans())
def test_maker_kernel_matches_its_twin(maker_world, mid2, dv, first, ratio, pos_f, size, half_bp,
                                       call):
    ex, inv, mk = maker_world
    sc = SCHEMAS[Kind.MARKET_MAKER]
    inv.par[0, sc.column("half_spread_bp")] = half_bp
    mk.var[0] = mk.var_ref[0] * ratio * ratio
    mid = mid2 / 2.0
    pv = float(mk.logv[0])
    anchor = np.nan if first else pv - dv
    inv.anchor[0] = anchor
    pos = int(pos_f * inv.par[0, sc.column("inventory_limit")])
    want = maker_twin(inv.par[0], mid, pv, anchor, ratio, pos, size, call)
    bid, ask, qa = _quote(maker_world, mid, pos, size, call)
    assert want[0] < want[2]
    assert bid == (want[0] if want[1] > 0 else 0)  # no bid rests when none was sent
    assert int(qa) == want[3]
    if want[3] > 0:
        assert int(ask) == want[2]
    assert inv.anchor[0] == pv  # the maker remembers the public value it quoted on
