"""Slow reference twins: the random number generator and two decision kernels (trend follower,
market maker) in plain Python, against the compiled kernels. Marked `nojit`: also run with
NUMBA_DISABLE_JIT=1, where the kernels run as Python (so coverage reaches inside them).
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numba import njit
from reference import (
    AbidesMomentumTwin,
    TwinRng,
    abides_ladder_twin,
    abides_noise_twin,
    abides_size_twin,
    abides_value_twin,
)

from agents import _kernels as AK  # the twins test the private kernels themselves
from agents.loop import new_market_view
from agents.population import (
    AbidesMaker,
    AbidesMomentum,
    AbidesNoise,
    AbidesPopulation,
    AbidesValue,
    Fundamental,
    Leveraged,
    MarketMaker,
    Momentum,
    Noise,
    Passive,
    Population,
    Theme,
    build_investors,
)
from agents.schema import SCHEMAS, Kind
from market import ORDER_DTYPE, Exchange, MarketRules, OrderKind

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


# ---------------------------------------------------------------------------------------------
# ABIDES's RMSC04 kinds against their twins (tests/reference.py)
# ---------------------------------------------------------------------------------------------

REF_TICKS = 10_000  # the test stock's start, ticks


@pytest.fixture(scope="module")
def abides_world():
    """One stock at 100 dollars: 3 noise, 2 value, 2 momentum agents and one 4-level maker,
    an exchange in continuous trading (no rules) with one account per row."""
    pop = AbidesPopulation(
        fundamental=Fundamental(count=0), momentum=Momentum(count=0), noise=Noise(count=0),
        market_maker=MarketMaker(per_stock=0), leveraged=Leveraged(count=0),
        passive=Passive(count=0), theme=Theme(count=0), abides_noise=AbidesNoise(count=3),
        abides_value=AbidesValue(count=2), abides_momentum=AbidesMomentum(count=2),
        abides_maker=AbidesMaker(per_stock=1, num_ticks=4))
    prices = np.array([REF_TICKS / 100.0])
    rng = np.random.default_rng(3)
    w = build_investors(pop, prices, np.array([1.0]), rng)
    mk = new_market_view(prices, np.array([1e-4]), vol_of_vol=0.0, common_factor=0.0,
                         activity_gain=0.0, activity_max=1.0, vol_persistence_min=30.0,
                         fast_min=1.0, slow_min=10.0, var_min=5.0, flow_noise=0.0,
                         informational=True, fire_sale=True, liquidity=True, rng=rng)
    return w, mk


def _rows(w, kind):
    return np.flatnonzero(w.inv.kind == kind)


def _exchange(w):
    ex = Exchange(np.array([REF_TICKS]), 1, MarketRules(auctions=False, luld=False,
                                                        circuit_breaker=False))
    ex.open_accounts(w.cash_cents, w.shares)
    ex.start_day(0)
    return ex


def _window(ex):
    """The prices `_clip_price` allows: the book's window less its edge levels."""
    base, nlev = int(ex.book.bs[0, 0]), int(ex.book.bs[0, 2])
    return base + 1, base + nlev - 2


@njit
def _sizes(state, scale, n):
    out = np.empty(n, np.int64)
    for k in range(n):
        out[k] = AK._abides_size(state, scale)
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(words, min_size=4, max_size=4).filter(any), st.floats(0.1, 5.0))
def test_abides_size_matches_its_twin(seed, scale):
    state = np.array(seed, dtype=np.uint64)
    got = _sizes(state, scale, 30)
    twin = TwinRng(seed)
    assert got.tolist() == [abides_size_twin(twin, scale) for _ in range(30)]
    assert state.tolist() == twin.s


def test_abides_size_follows_rmsc04s_mixture():
    """Frequencies of RMSC04's model, from its weights: 100 shares 0.7, 200 0.06, 400 0.0329
    (+ the log-normal's rare draws there); the log-normal part's median exp(2.9) = 18.2."""
    x = _sizes(np.array([1, 2, 3, 4], np.uint64), 1.0, 200_000)
    for lot, w in ((100, 0.7), (200, 0.06), (400, 0.0329), (1000, 0.0003)):
        assert abs(np.mean(x == lot) - w) < 4 * np.sqrt(w * (1 - w) / x.size) + 1e-4
    odd = x[(x % 100 != 0) | (x == 0)]  # log-normal draws off the round lots
    assert abs(np.median(odd) - 18.2) < 1.0


def _call(fn):
    @njit
    def call(book, inv, mk, i, t, b, a):
        go, side, kind, price, qty, motive, slot = fn(
            book, inv, mk, i, 0, t, False, 0.5 * (a + b), b, a, 0, 1)
        return go, side, kind, price, qty, motive
    return call


_noise = _call(AK._abides_noise)
_value = _call(AK._abides_value)
_momo = _call(AK._abides_momentum)


@settings(max_examples=60, deadline=None)
@given(t=st.integers(0, 3 * 23_400 - 1), b=st.sampled_from([0, 9_990]),
       a=st.sampled_from([0, 10_010]), done=st.integers(-1, 2), wake=st.floats(0, 23_400))
def test_abides_noise_kernel_matches_its_twin(abides_world, t, b, a, done, wake):
    w, mk = abides_world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_NOISE)[0])
    sc = SCHEMAS[Kind.ABIDES_NOISE]
    inv.par[i, sc.column("wake_s")] = wake
    inv.par[i, sc.column("done_day")] = done
    twin = TwinRng(mk.rng.copy())
    want = abides_noise_twin(wake, done, inv.par[i, 0], t, b, a, twin)
    go, side, kind, price, qty, motive = _noise(_exchange(w).book, inv, mk, i, t, b, a)
    assert bool(go) == want[0] and inv.par[i, sc.column("done_day")] == want[4]
    if go:
        assert (int(side), int(price), int(qty)) == want[1:4]
        assert kind == AK.LIMIT and motive == AK.M_NOISE
    assert mk.rng.tolist() == twin.s


def test_abides_noise_trades_once_a_day(abides_world):
    """Looking in every second of two days, an agent sends exactly one order a day, at its
    wake-up second."""
    w, mk = abides_world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_NOISE)[1])
    sc = SCHEMAS[Kind.ABIDES_NOISE]
    inv.par[i, sc.column("wake_s")] = 5_000.5
    inv.par[i, sc.column("done_day")] = -1
    book = _exchange(w).book
    sent = [t for t in range(2 * 23_400) if _noise(book, inv, mk, i, t, 9_990, 10_010)[0]]
    assert sent == [5_001, 23_400 + 5_001]  # the first second past 5,000.5, each day


@settings(max_examples=80, deadline=None)
@given(t=st.integers(0, 23_399), value=st.floats(9_000, 11_000),
       book=st.sampled_from([(9_990, 10_010), (9_999, 10_000), (0, 10_010), (9_990, 0)]))
def test_abides_value_kernel_matches_its_twin(abides_world, t, value, book):
    w, mk = abides_world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_VALUE)[0])
    sc = SCHEMAS[Kind.ABIDES_VALUE]
    p = {c: inv.par[i, sc.column(c)] for c in sc.columns}
    assert p["r_bar"] == REF_TICKS and p["obs_sd"] == AbidesValue().obs_sd
    mk.logv[0] = np.log(value)
    b, a = book
    ex = _exchange(w)
    twin = TwinRng(mk.rng.copy())
    want = abides_value_twin(value, p["obs_sd"], p["kappa"], p["r_bar"], p["aggressive_prob"],
                             p["depth_spread"], p["size"], t, b, a, twin, *_window(ex))
    go, side, kind, price, qty, motive = _value(ex.book, inv, mk, i, t, b, a)
    assert go and (int(side), int(price), int(qty)) == want
    assert kind == AK.LIMIT and motive == AK.M_VALUE
    assert mk.rng.tolist() == twin.s


def test_abides_value_buys_below_and_sells_above_value(abides_world):
    """Far from value the side is the value's, not the noise's: 10% below value (1,000 ticks,
    30 observation sds) always buys, 10% above always sells; prices within 2 spreads."""
    w, mk = abides_world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_VALUE)[1])
    book = _exchange(w).book
    for value, side in ((11_000.0, 1), (9_000.0, -1)):
        mk.logv[0] = np.log(value)
        for t in range(0, 23_400, 600):
            go, s, kind, price, qty, motive = _value(book, inv, mk, i, t, 9_990, 10_010)
            assert go and s == side
            assert (10_010 - 40 < price <= 10_010) if side == 1 else (9_990 <= price < 10_030)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(9_900, 10_100), st.integers(1, 5),
                          st.booleans()), min_size=1, max_size=120))
def test_abides_momentum_kernel_matches_its_twin(abides_world, path):
    w, mk = abides_world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_MOMENTUM)[0])
    sc = SCHEMAS[Kind.ABIDES_MOMENTUM]
    for c in ("ma_fast", "ma_slow", "seen"):
        inv.par[i, sc.column(c)] = 0.0
    twin = AbidesMomentumTwin(inv.par[i, sc.column("fast_n")], inv.par[i, sc.column("slow_n")],
                              inv.par[i, 0])
    book = _exchange(w).book
    for bid, spread, one_sided in path:
        b, a = (0 if one_sided else bid), bid + spread
        rng = TwinRng(mk.rng.copy())
        want = twin.wake(b, a, rng)
        go, side, kind, price, qty, motive = _momo(book, inv, mk, i, 0, b, a)
        assert bool(go) == want[0]
        if go:
            assert (int(side), int(price), int(qty)) == want[1:]
        assert mk.rng.tolist() == rng.s
    assert inv.par[i, sc.column("seen")] == twin.seen


def test_abides_momentum_follows_the_trend(abides_world):
    """No order in its first 50 looks; then on a rising mid it buys at the ask, on a falling
    one it sells at the bid."""
    w, mk = abides_world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_MOMENTUM)[1])
    book = _exchange(w).book
    rising = [_momo(book, inv, mk, i, 0, 9_000 + k, 9_002 + k) for k in range(80)]
    assert not any(r[0] for r in rising[:50])
    assert all(r[0] and r[1] == 1 and r[3] == 9_002 + k for k, r in enumerate(rising) if k >= 50)
    # turning down from 9,079: the fast average (lag ~10 looks) falls below the slow one (lag
    # ~25, 15 ticks behind) within 30 looks
    falling = [_momo(book, inv, mk, i, 0, 9_079 - k, 9_081 - k) for k in range(60)]
    assert falling[0][1] == 1
    assert all(r[1] == -1 and r[3] == 9_079 - k for k, r in enumerate(falling) if k >= 30)


@njit
def _requote(book, pool, acc, tape, rules, tob, inv, mk, i, t, mid, b, a):
    AK._abides_maker((book, pool, acc, tape, rules, tob), inv, mk, i, 0, t, False, mid, b, a,
                     0, 1)


def _live(ex, accounts):
    """(side, price, qty) of the live orders of `accounts`, sorted."""
    o, bs = ex.pool.o, ex.book.bs
    live = np.flatnonzero((o[:, 2] > 0) & np.isin(o[:, 1], accounts))
    return sorted((int((o[k, 7] & 3) - 1), int(bs[0, 0] + o[k, 5]), int(o[k, 2])) for k in live)


def _order_row(side, price, qty, trader, t):
    r = np.zeros(1, ORDER_DTYPE)
    r[0] = (0, side, OrderKind.LIMIT, price, qty, trader, 0, 0, t)
    return r


@settings(max_examples=40, deadline=None)
@given(b=st.integers(9_950, 9_999), gap=st.integers(1, 60), spread0=st.floats(1.0, 80.0),
       trades=st.lists(st.tuples(st.integers(-70, 0), st.integers(1, 400), st.booleans()),
                       max_size=6), t=st.integers(120, 23_000))
def test_abides_maker_kernel_matches_its_twin(abides_world, b, gap, spread0, trades, t):
    """A requote against a book (best bid b, ask b + gap) after fills of this minute and the
    last: the maker's live orders afterwards are the twin's ladder (if no level crosses the
    book), and a second requote replaces them."""
    w, mk = abides_world
    inv = w.inv
    rows = _rows(w, Kind.ABIDES_MAKER)
    lead = int(rows[0])
    sc = SCHEMAS[Kind.ABIDES_MAKER]
    p = {c: inv.par[lead, sc.column(c)] for c in sc.columns}
    inv.par[lead, sc.column("spread")] = spread0
    inv.oid[rows] = -1
    a = b + gap
    other = int(_rows(w, Kind.ABIDES_VALUE)[0])  # the counterpart of every background order
    ex = _exchange(w)
    fills = []
    for dt, q, buy in sorted(trades):  # each a fill at the touch, taker side by `buy`
        tm = t + dt
        ex.submit(np.concatenate([_order_row(-1 if buy else 1, a if buy else b, q, other, tm),
                                  _order_row(1 if buy else -1, a if buy else b, q, other, tm)]))
        fills.append((tm, q, 1 if buy else -1))
    ex.submit(np.concatenate([_order_row(1, b, 500, other, t), _order_row(-1, a, 500, other, t)]))
    bids, asks, spread = abides_ladder_twin(
        spread0, p["spread_alpha"], p["level_spacing"], p["price_skew"], p["pov"], p["size"],
        rows.size, b, a, 0, fills, t, *_window(ex))
    assume(bids[0][0] < a and asks[0][0] > b)  # no level trades on arrival
    _requote(*ex.kernel_state(), inv, mk, lead, t, 0.5 * (a + b), b, a)
    want = sorted([(1, p_, q) for p_, q in bids] + [(-1, p_, q) for p_, q in asks])
    assert _live(ex, inv.acct[rows]) == want
    assert inv.par[lead, sc.column("spread")] == pytest.approx(spread, rel=1e-12)
    bids2, asks2, _ = abides_ladder_twin(
        spread, p["spread_alpha"], p["level_spacing"], p["price_skew"], p["pov"], p["size"],
        rows.size, b, a, 0, fills, t, *_window(ex))
    assume(bids2[0][0] < a and asks2[0][0] > b)
    _requote(*ex.kernel_state(), inv, mk, lead, t, 0.5 * (a + b), b, a)
    # the old ladder was cancelled before the new one went out
    assert _live(ex, inv.acct[rows]) == sorted([(1, p_, q) for p_, q in bids2]
                                               + [(-1, p_, q) for p_, q in asks2])


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
                     leveraged=Leveraged(count=0), passive=Passive(count=0),
                     theme=Theme(count=0))
    prices = np.array([100.0])
    rng = np.random.default_rng(2)
    w = build_investors(pop, prices, np.array([1.0]), rng)
    mk = new_market_view(prices, np.array([1e-4]), vol_of_vol=0.3, common_factor=0.5,
                         activity_gain=1.0, activity_max=5.0, vol_persistence_min=30.0,
                         fast_min=1.0, slow_min=10.0, var_min=5.0, flow_noise=1.0,
                         informational=True, fire_sale=True, liquidity=True, rng=rng)
    # no price band to clip at; the book's window spans 80-320 dollars (half to twice 160)
    ex = Exchange(np.array([16_000]), 1, MarketRules(luld=False))
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
    mk2 = mk._replace(logv=mk.logv - 0.05, jump=np.full((1, 1), -0.05), isnews=np.ones(1),
                      tjump=np.zeros((1, 1)), sal=np.ones(1), fired=np.zeros(1))
    assert _quote((ex, inv, mk2), 10_000.5, 0, 100, False)[:2] == (10_000, 10_001)
    mk.logv[0] -= 0.001


@settings(max_examples=80, deadline=None)
@given(mid2=st.integers(20_000, 60_000),  # mids of 100-300 dollars, inside the book's window
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
