"""Slow reference twins: the random number generator and a decision kernel in plain Python,
against the compiled kernels. Marked `nojit`: also run with NUMBA_DISABLE_JIT=1, where the
kernels run as Python (so coverage reaches inside them).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from agents import _kernels as AK  # the twins test the private kernels themselves
from agents.loop import new_market_view
from agents.population import Fundamental, Momentum, Population, build_investors
from agents.schema import SCHEMAS, Kind

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
