"""Who arrives: the loop's guided pick finds the investor a bisection of the cumulative rates
finds, and the arrival stream is its own (agents/_kernels.py `_guide`, `_pick`, `jump_state`).

Marked `nojit`: also run with NUMBA_DISABLE_JIT=1.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from agents import _kernels as AK  # the loop's private search is what is tested
from agents.loop import new_market_view
from agents.population import Fundamental, Momentum, Noise, Population, build_investors

pytestmark = pytest.mark.nojit


def bisect_twin(cum, lo, hi, target):
    """The first position in lo..hi whose cumulative rate exceeds target, hi if none: by a
    plain scan."""
    for p in range(lo, hi + 1):
        if cum[p] > target:
            return p
    return hi


@njit
def _arrival(inv, lo, hi, base, target, guided):
    return AK._arrival(inv, lo, hi, base, target, guided)


@njit
def _picks(inv, mk, lam, glast, guided, n):
    out = np.empty(n, np.int64)
    for k in range(n):
        out[k] = AK._pick(inv, mk, lam, glast, guided)
    return out


@njit
def _build_guide(inv):
    AK._guide(inv)


@pytest.fixture(scope="module")
def world():
    pop = Population(fundamental=Fundamental(count=40), momentum=Momentum(count=15),
                     noise=Noise(count=60))
    w = build_investors(pop, np.array([100.0, 40.0, 10.0]), np.array([5.0, 2.0, 1.0]),
                        np.random.default_rng(3))
    mk = new_market_view(np.array([100.0, 40.0, 10.0]), np.full(3, 1e-4), vol_of_vol=0.0,
                         common_factor=0.0, activity_gain=0.0, activity_max=1.0,
                         vol_persistence_min=30.0, fast_min=1.0, slow_min=10.0, var_min=5.0,
                         flow_noise=0.0, informational=True, fire_sale=True, liquidity=True,
                         rng=np.random.default_rng(4))
    return w.inv, mk


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_guided_search_finds_the_bisections_investor(world, seed):
    """Rates of every size (zeros, makers' 20x) and targets anywhere in each group, its edges
    and the buckets' edges included: the guide's answer is the plain scan's."""
    inv, mk = world
    rng = np.random.default_rng(seed)
    inv.rate[:] = rng.choice([0.0, 0.001, 0.01, 0.01, 0.2, 1.0], inv.rate.size)
    inv.cum[:] = np.cumsum(inv.rate[inv.order])
    _build_guide(inv)
    for g in range(inv.gstart.size - 1):
        lo, hi = int(inv.gstart[g]), int(inv.gstart[g + 1]) - 1
        if hi < lo:
            continue
        base = inv.cum[lo - 1] if lo > 0 else 0.0
        span = inv.cum[hi] - base
        n = hi - lo + 1
        targets = [base, inv.cum[hi], *(base + span * rng.random(20)),
                   *(base + span * np.arange(n) / n), *inv.cum[lo:hi + 1]]
        for target in targets:
            want = bisect_twin(inv.cum, lo, hi, target)
            assert _arrival(inv, lo, hi, base, target, True) == want
            assert _arrival(inv, lo, hi, base, target, False) == want


def test_the_pick_with_its_work_space_is_the_pick_without(world):
    """Per-tick group numbers (`gx`) change no pick: the same stream, the same investors."""
    inv, mk = world
    inv.rate[:] = np.where(np.arange(inv.rate.size) % 7 == 0, 0.2, 0.01)
    inv.cum[:] = np.cumsum(inv.rate[inv.order])
    _build_guide(inv)
    ng = inv.gstart.size - 1
    lam, glast = 0.0, 0
    for g in range(ng):
        a, b = inv.gstart[g], inv.gstart[g + 1]
        inv.gw[g] = inv.cum[b - 1] - (inv.cum[a - 1] if a > 0 else 0.0) if b > a else 0.0
        lam += inv.gw[g]
        if inv.gw[g] > 0:
            glast = g
            base = inv.cum[a - 1] if a > 0 else 0.0
            inv.gx[0, g], inv.gx[1, g] = base, (inv.cum[b - 1] - base) / inv.gw[g]
            inv.gx[2, g] = (b - a) / inv.gw[g]
    state = mk.arng.copy()
    fast = _picks(inv, mk, lam, glast, True, 2000)
    mk.arng[:] = state
    slow = _picks(inv._replace(gx=AK.NO_GROUPS), mk, lam, glast, False, 2000)
    assert fast.tolist() == slow.tolist()
    # by rate: the investors at 0.2 arrive 20x as often as those at 0.01
    hot = np.isin(fast, np.flatnonzero(inv.rate == 0.2))
    share = inv.rate[inv.rate == 0.2].sum() / inv.rate.sum()
    assert abs(hot.mean() - share) < 4 * np.sqrt(share * (1 - share) / fast.size)


def test_the_arrival_stream_is_the_decisions_jumped_ahead():
    """jump_state by hand on a stream: 2^128 steps are out of reach, but the jump is linear
    over GF(2): jump(a xor b) = jump(a) xor jump(b), and it moves every state (no fixed point
    among these)."""
    a = np.array([1, 2, 3, 4], np.uint64)
    b = np.array([5, 0, 7, 11], np.uint64)
    ja, jb = AK.jump_state(a), AK.jump_state(b)
    assert (AK.jump_state(a ^ b) == (ja ^ jb)).all()
    assert not (ja == a).all() and ja.any()
    mk = new_market_view(np.array([10.0]), np.full(1, 1e-4), vol_of_vol=0.0, common_factor=0.0,
                         activity_gain=0.0, activity_max=1.0, vol_persistence_min=30.0,
                         fast_min=1.0, slow_min=10.0, var_min=5.0, flow_noise=0.0,
                         informational=True, fire_sale=True, liquidity=True,
                         rng=np.random.default_rng(0))
    assert (mk.arng == AK.jump_state(mk.rng)).all()
