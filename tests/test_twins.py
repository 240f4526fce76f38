"""Every registered kind's compiled decision against its slow twin, and the random numbers.

Each kind's module (agents/kinds/) carries its twin: its rule restated from the docstrings in
plain Python (`agents.kinds._twin`). Here hypothesis draws a situation (the book's bests, the
investor's position and cash, values, volatility, the phase), the twin reads it
(`Situation.of`), the kernel decides in it, and the two must agree: the order returned or, for
a kind that sends its own orders, the orders the exchange received; the random stream
afterwards; the state the decision changes. Some rules are also worked by hand.

Marked `nojit`: `make test` runs this module again with NUMBA_DISABLE_JIT=1, where the kernels
run as Python (so coverage reaches inside them).
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numba import njit

from agents import _kernels as AK  # the twins test the private kernels themselves
from agents import kinds
from agents.kinds import (
    abides_maker,
    abides_momentum,
    abides_noise,
    abides_value,
    fundamental,
    leveraged,
    market_maker,
    momentum,
    noise,
    passive,
    theme,
)
from agents.kinds._abides import ABIDES_LOTS, abides_size, abides_size_twin
from agents.kinds._twin import Order, Situation, TwinRng
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
    Theme,
    build_investors,
)
from agents.schema import Kind
from market import ORDER_DTYPE, Exchange, MarketRules, Motive, OrderKind

pytestmark = pytest.mark.nojit

MASK = (1 << 64) - 1
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------------------------------------
# Random numbers
# ---------------------------------------------------------------------------------------------


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
    assert TwinRng(seed).uniform() == got[0]  # the kinds' twins draw the same stream


def test_xoshiro_twin_known_first_output():
    """The first output for state (1, 2, 3, 4), worked by hand: rotl(2*5, 7) * 9 = 11520."""
    assert xoshiro_twin([1, 2, 3, 4], 1)[0] == (11520 >> 11) * 2.0**-53


@njit
def _sizes(state, scale, n):
    out = np.empty(n, np.int64)
    for k in range(n):
        out[k] = abides_size(state, scale)
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
    assert sum(w for w, _ in ABIDES_LOTS) == pytest.approx(0.8)


# ---------------------------------------------------------------------------------------------
# A world with every built-in kind, and the compiled decisions
# ---------------------------------------------------------------------------------------------

REFS = (10_000, 4_000)  # the two stocks' reference prices, ticks ($100 and $40)
STREET_QTY = 10_000_000  # shares the street's resting orders hold: any order fills in full


@pytest.fixture(scope="module")
def world():
    """Two stocks; a few investors of every built-in kind (makers: one per stock; the ABIDES
    maker a 3-level ladder), and the loop's market view."""
    pop = AbidesPopulation(
        fundamental=Fundamental(count=4), theme=Theme(count=4), momentum=Momentum(count=3),
        noise=Noise(count=3), market_maker=MarketMaker(per_stock=1),
        leveraged=Leveraged(count=2), passive=Passive(count=2),
        abides_noise=AbidesNoise(count=2), abides_value=AbidesValue(count=2),
        abides_momentum=AbidesMomentum(count=2),
        abides_maker=AbidesMaker(per_stock=1, num_ticks=3))
    prices = np.array(REFS) / 100.0
    rng = np.random.default_rng(7)
    w = build_investors(pop, prices, np.array([3.0, 1.0]), rng, ai_mask=np.array([True, True]),
                        returns=np.array([50.0, 10.0]), sector_mask=np.array([True, False]),
                        theme_weights=np.array([2.0, 1.0]), conviction_sd=0.3)
    mk = new_market_view(prices, np.array([1e-4, 2e-4]), vol_of_vol=0.3, common_factor=0.5,
                         activity_gain=1.0, activity_max=5.0, vol_persistence_min=30.0,
                         fast_min=1.0, slow_min=10.0, var_min=5.0, flow_noise=1.0,
                         informational=True, fire_sale=True, liquidity=True, rng=rng)
    return w, mk


def _exchange(w, bests, t):
    """An exchange in continuous trading (no auctions, bands or halts) with the world's accounts
    and one more, the street's, which rests `bests` [(bid, ask) per stock; 0: none]."""
    ex = Exchange(np.array(REFS), 1, MarketRules(auctions=False, luld=False,
                                                 circuit_breaker=False),
                  pool_capacity=1 << 12, tape_capacity=1 << 12)
    n = w.cash_cents.size
    cash = np.append(w.cash_cents, 10**13)
    shares = np.vstack([w.shares, np.full((1, len(REFS)), 10**9, np.int64)])
    ex.open_accounts(cash, shares)
    ex.start_day(0)
    rows = []
    for s, (b, a) in enumerate(bests):
        for side, p in ((1, b), (-1, a)):
            if p > 0:
                r = np.zeros(1, ORDER_DTYPE)
                r[0] = (0, side, OrderKind.LIMIT, p, STREET_QTY, n, s, 0, t)
                rows.append(r)
    if rows:
        ex.submit(np.concatenate(rows))
    return ex


def _caller(decide):
    """`decide` called from a compiled function (from Python under NUMBA_DISABLE_JIT)."""
    @njit
    def call(book, pool, acc, tape, rules, tob, inv, mk, i, t, call_phase):
        return decide((book, pool, acc, tape, rules, tob), inv, mk, i, t, call_phase)
    return call


_CALLS = {}


def decide_now(ks, ex, inv, mk, i, t, call_phase):
    """Kind `ks`'s compiled decision for investor i now: the tuple it returns."""
    if ks.code not in _CALLS:
        _CALLS[ks.code] = _caller(ks.decide)
    return _CALLS[ks.code](*ex.kernel_state(), inv, mk, i, t, call_phase)


def returned(res) -> list:
    """The order a decision returned, as the twins write it ([] when none)."""
    go, s, side, kind, price, qty, motive, slot = (int(x) for x in res)
    if not go:
        return []
    if kind == OrderKind.MARKET:
        price = 0
    return [Order(s, side, kind, price, qty, motive, slot)]


def _rows(w, code):
    return np.flatnonzero(w.inv.kind == code)


def _situation(ks, ex, w, mk, i, t, call_phase):
    return Situation.of(ex, w.inv, mk, i, t, call_phase, ks.columns)


#: per stock: both sides quoted (half-spread in ticks), or one side empty
book_st = st.tuples(st.integers(1, 40), st.sampled_from(["both", "both", "no bid", "no ask"]))


def _bests(ref, book):
    h, which = book
    b, a = ref - h, ref + h
    return (0 if which == "no bid" else b, 0 if which == "no ask" else a)


# ---------------------------------------------------------------------------------------------
# Value traders (fundamental and theme): the view, the limits to arbitrage, the forced cut
# ---------------------------------------------------------------------------------------------

dyadic = st.integers(-64, 64).map(lambda k: k / 1024.0)  # exact sums in any order


@settings(max_examples=120, **SETTINGS)
@given(code=st.sampled_from([Kind.FUNDAMENTAL, Kind.THEME]), j=st.integers(0, 3),
       book=book_st, dv=st.floats(-0.03, 0.03), pos_f=st.floats(-3.0, 3.0),
       pnl_f=st.floats(-1.5, 0.5), ratio=st.floats(0.5, 4.0), call=st.booleans(),
       arb=st.booleans(), t=st.integers(60, 20_000),
       rows=st.lists(st.tuples(dyadic, dyadic, st.booleans(), st.integers(-7_200, 7_200),
                               st.sampled_from([0.0, 0.5, 1.0])), max_size=3),
       conv=st.sampled_from([0.5, 1.0, 2.0]), theta=st.sampled_from([0.0, 0.5]),
       theme_on=st.booleans())
def test_value_traders_match_their_twin(world, code, j, book, dv, pos_f, pnl_f, ratio, call,
                                        arb, t, rows, conv, theta, theme_on):
    w, mk = world
    inv = w.inv
    i = int(_rows(w, code)[j])
    s = int(inv.home[i])
    ks = kinds.spec(int(code))
    bests = [(0, 0)] * len(REFS)
    bests[s] = _bests(REFS[s], book)
    ex = _exchange(w, bests, t)
    mid = (bests[s][0] + bests[s][1]) / 2 if bests[s][0] and bests[s][1] else REFS[s]
    mk.logp[s] = math.log(mid)
    # news rows: (jump, theme jump, news?, heard at t + dt, salience); exact in any order
    k = len(rows)
    jump = np.zeros((k, len(REFS)))
    tjump = np.zeros((k, len(REFS)))
    for q, (jv, tv, _news, _dt, _sal) in enumerate(rows):
        jump[q, s], tjump[q, s] = jv, tv
    hear = np.full((k, inv.kind.size), np.inf)
    hear[:, i] = [t + r[3] for r in rows]
    w_inv = inv._replace(hear=hear, hsal=np.ones((k, inv.kind.size)))
    mk_k = mk._replace(jump=jump, tjump=tjump, isnews=np.array([1.0 if r[2] else 0.0
                                                              for r in rows]),
                       sal=np.array([r[4] for r in rows]), fired=np.zeros(k))
    mk_k.cfg[AK.C_THETA], mk_k.cfg[AK.C_THEME] = theta, 1.0 if theme_on else 0.0
    mk_k.cfg[AK.C_ARB] = 1.0 if arb else 0.0
    w_inv.conv[i], w_inv.bias[i] = conv, 0.0
    mk_k.logv[s] = math.log(REFS[s] * (1.0 + dv))
    mk_k.var[s] = mk_k.var_ref[s] * ratio * ratio
    mk_k.risk_var[s] = mk_k.risk_ref[s] * ratio * ratio
    lim = w_inv.par[i, ks.column("position_limit")]
    pos = int(pos_f * lim)
    ex.acc.shares[i, s] = pos
    w_inv.w0[i] = float(ex.acc.cash[i]) + pos * mid - pnl_f * w_inv.capital[i]
    w2 = type(w)(w_inv, w.cash_cents, w.shares, w.kinds_count)
    sit = _situation(ks, ex, w2, mk_k, i, t, call)
    want = ks.twin(sit)
    got = returned(decide_now(ks, ex, w_inv, mk_k, i, t, call))
    assert got == want
    assert mk_k.rng.tolist() == sit.rng.s  # the same draws
    mk.cfg[AK.C_THETA], mk.cfg[AK.C_THEME], mk.cfg[AK.C_ARB] = 0.0, 1.0, 1.0


def test_arb_cap_by_hand():
    """$1M of capital, no P&L, 4x gross, volatility at its reference, $100: 40,000 shares; a
    loss of $200k with half withdrawn on top: equity $700k, 28,000 shares; volatility twice
    its reference: half of that; equity gone: 0."""
    cap = fundamental.arb_cap_twin
    assert cap(1e8, 0.0, 0.0, 0, 10_000.0, 0.5, 4.0, 1.0, 1.0) == 40_000
    assert cap(1e8, -2e7, 0.0, 0, 10_000.0, 0.5, 4.0, 1.0, 1.0) == pytest.approx(28_000)
    assert cap(1e8, -2e7, 0.0, 0, 10_000.0, 0.5, 4.0, 4.0, 1.0) == pytest.approx(14_000)
    assert cap(1e8, -1e9, 0.0, 0, 10_000.0, 0.5, 4.0, 1.0, 1.0) == 0.0
    assert cap(1e8, -1e9, 0.0, 0, 10_000.0, 0.5, 4.0, 1.0, 1.0, arb=False) == math.inf


def test_a_value_trader_over_its_cap_cuts_at_market_by_hand(world):
    """Holding 3x what its capital allows, value 2% above the price (its view says buy): it
    sells at market, min(its drawn size, what it is over by + 1) shares, motive forced."""
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.FUNDAMENTAL)[0])
    s = int(inv.home[i])
    ex = _exchange(w, [(REFS[0] - 1, REFS[0] + 1), (REFS[1] - 1, REFS[1] + 1)], 100)
    mk.logv[s] = math.log(REFS[s] * 1.02)
    mk.var[s] = mk.var_ref[s]
    mk.risk_var[s] = mk.risk_ref[s]
    allowed = 4.0 * inv.capital[i] / REFS[s]  # max_gross 4, no P&L
    ex.acc.shares[i, s] = int(3 * allowed)
    inv.w0[i] = float(ex.acc.cash[i]) + int(3 * allowed) * REFS[s]
    got = returned(decide_now(kinds.spec("fundamental"), ex, inv, mk, i, 100, False))
    assert len(got) == 1 and got[0].side == -1 and got[0].kind == OrderKind.MARKET
    assert got[0].motive == Motive.FORCED and got[0].qty <= 1.5 * inv.par[i, 0] + 1


# ---------------------------------------------------------------------------------------------
# Trend followers and noise traders
# ---------------------------------------------------------------------------------------------


@settings(max_examples=80, **SETTINGS)
@given(j=st.integers(0, 2), fast=st.floats(-1e-3, 1e-3), slow=st.floats(-1e-3, 1e-3),
       pos_f=st.floats(-1.5, 1.5), book=book_st, call=st.booleans())
def test_momentum_matches_its_twin(world, j, fast, slow, pos_f, book, call):
    w, mk = world
    i = int(_rows(w, Kind.MOMENTUM)[j])
    s = int(w.inv.home[i])
    bests = [(0, 0)] * len(REFS)
    bests[s] = _bests(REFS[s], book)
    ex = _exchange(w, bests, 100)
    mk.ema_fast[s], mk.ema_slow[s] = fast, slow
    ex.acc.shares[i, s] = int(pos_f * w.inv.par[i, momentum.LIMIT_COL])
    ks = kinds.spec("momentum")
    sit = _situation(ks, ex, w, mk, i, 100, call)
    assert returned(decide_now(ks, ex, w.inv, mk, i, 100, call)) == ks.twin(sit)
    assert mk.rng.tolist() == sit.rng.s


@settings(max_examples=100, **SETTINGS)
@given(j=st.integers(0, 2), book=book_st, fall=st.floats(-0.05, 0.1), call=st.booleans(),
       market_prob=st.sampled_from([0.0, 0.25, 1.0]), dist=st.floats(0.0, 20.0))
def test_noise_matches_its_twin(world, j, book, fall, call, market_prob, dist):
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.NOISE)[j])
    s = int(inv.home[i])
    bests = [(0, 0)] * len(REFS)
    bests[s] = _bests(REFS[s], book)
    ex = _exchange(w, bests, 100)
    mid = (bests[s][0] + bests[s][1]) / 2 if bests[s][0] and bests[s][1] else REFS[s]
    mk.logp[s] = math.log(mid)
    mk.prev_close[s] = mid / (1.0 - fall)
    inv.par[i, noise.MARKET_COL], inv.par[i, noise.DISTANCE] = market_prob, dist
    inv.par[i, noise.DIP_BUY] = 0.6
    ks = kinds.spec("noise")
    sit = _situation(ks, ex, w, mk, i, 100, call)
    got = returned(decide_now(ks, ex, inv, mk, i, 100, call))
    assert got == ks.twin(sit)
    assert mk.rng.tolist() == sit.rng.s
    if fall > 0.03 + 1e-9 and got and got[0].side == 1:
        assert got[0].motive == Motive.DIP_BUY  # a buy in a dip is a dip buy


def test_noise_limit_by_hand(world):
    """With market_prob 0 and limit_distance 0, a noise trader's limit sits at the mid: a buy
    at floor(mid), a sell at ceil(mid) (mid + 0.999 rounded down)."""
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.NOISE)[0])
    s = int(inv.home[i])
    inv.par[i, noise.MARKET_COL], inv.par[i, noise.DISTANCE] = 0.0, 0.0
    mk.prev_close[s] = REFS[s]
    sides = set()
    for _ in range(40):
        ex = _exchange(w, [(REFS[0] - 3, REFS[0] + 4), (REFS[1] - 3, REFS[1] + 4)], 100)
        (o,) = returned(decide_now(kinds.spec("noise"), ex, inv, mk, i, 100, False))
        assert o.price == (REFS[s] if o.side == 1 else REFS[s] + 1)  # mid REFS + 0.5
        sides.add(o.side)
    assert sides == {1, -1}


# ---------------------------------------------------------------------------------------------
# Market makers
# ---------------------------------------------------------------------------------------------


def _live(ex, accounts):
    """(side, price, qty) of the live orders of `accounts`, sorted."""
    o, bs = ex.pool.o, ex.book.bs
    live = np.flatnonzero((o[:, 2] > 0) & np.isin(o[:, 1], accounts))
    return sorted((int((o[k, 7] & 3) - 1), int(bs[0, 0] + o[k, 5]), int(o[k, 2])) for k in live)


@settings(max_examples=80, **SETTINGS)
@given(dv=st.floats(-0.01, 0.01), first=st.booleans(), ratio=st.floats(0.5, 6.0),
       pos_f=st.floats(-1.2, 1.2), half_bp=st.floats(0.1, 20.0), call=st.booleans())
def test_maker_matches_its_twin(world, dv, first, ratio, pos_f, half_bp, call):
    """The street quotes 5% either side of $100, so the maker's quotes rest inside: its bid
    in the book, its ask returned, as the twin's."""
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.MARKET_MAKER)[0])
    assert inv.home[i] == 0
    ex = _exchange(w, [(9_500, 10_500), (0, 0)], 100)
    inv.par[i, market_maker.HALF] = half_bp
    mk.var[0] = mk.var_ref[0] * ratio * ratio
    pv = float(mk.logv[0])
    inv.anchor[i] = np.nan if first else pv - dv
    ex.acc.shares[i, 0] = int(pos_f * inv.par[i, market_maker.LIMIT_COL])
    ks = kinds.spec("market_maker")
    sit = _situation(ks, ex, w, mk, i, 100, call)
    bid, ask = ks.twin(sit)
    got = returned(decide_now(ks, ex, inv, mk, i, 100, call))
    assert got == [ask]
    assert _live(ex, [i]) == ([(1, bid.price, bid.qty)] if bid.qty > 0 else [])
    assert inv.anchor[i] == sit.changed["anchor"] == pv
    assert mk.rng.tolist() == sit.rng.s


def test_maker_quotes_one_tick_then_follow_public_value_by_hand(world):
    """By hand: $100 (10,000 ticks), half-spread 0.5 bp = 0.5 tick, so one tick wide around the
    mid 10,000.5; 10 bp of public value news later, the quotes sit 10 ticks higher although the
    mid has not moved; a scenario news jump (value and jump row alike) moves the public value
    not."""
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.MARKET_MAKER)[0])
    inv.par[i, market_maker.HALF] = 0.5
    ex0 = (9_000, 11_001)  # mid 10,000.5
    mk.var[0] = mk.var_ref[0]
    inv.anchor[i] = np.nan
    ex0_ex = _exchange(w, [ex0, (0, 0)], 100)
    ex0_ex.acc.shares[i, 0] = 0
    ks = kinds.spec("market_maker")

    def quote(m):
        ex = _exchange(w, [ex0, (0, 0)], 100)
        ex.acc.shares[i, 0] = 0
        (ask,) = returned(decide_now(ks, ex, inv, m, i, 100, False))
        return _live(ex, [i])[0][1], ask.price

    assert quote(mk) == (10_000, 10_001)
    mk.logv[0] += 0.001  # e^0.001 x 10,000.5 = 10,010.5
    assert quote(mk) == (10_010, 10_011)
    mk2 = mk._replace(logv=mk.logv - 0.05, jump=np.full((1, 2), -0.05),
                      isnews=np.ones(1), tjump=np.zeros((1, 2)), sal=np.ones(1),
                      fired=np.zeros(1))
    assert quote(mk2) == (10_000, 10_001)
    mk.logv[0] -= 0.001


# ---------------------------------------------------------------------------------------------
# Basket traders: leveraged funds and passive funds (their market orders, read off the tape)
# ---------------------------------------------------------------------------------------------


def _taken(ex, acct):
    """(stock, side, qty, motive) of the market orders account `acct` sent, from the tape."""
    tr = ex.trades()
    out = []
    for r in tr:
        side = int(r["taker_side"])
        if (r["buyer"] if side == 1 else r["seller"]) == acct:
            motive = int(r["buyer_motive"] if side == 1 else r["seller_motive"])
            out.append((int(r["stock"]), side, int(r["qty"]), motive))
    return out


def _as_taken(orders):
    return [(o.stock, o.side, o.qty, o.motive) for o in orders if o.qty > 0]


@settings(max_examples=80, **SETTINGS)
@given(j=st.integers(0, 1), moves=st.tuples(st.floats(-0.6, 0.2), st.floats(-0.6, 0.2)),
       redemption=st.floats(0.0, 2.0), fire=st.booleans(), call=st.booleans(),
       bid_quoted=st.tuples(st.booleans(), st.booleans()))
def test_leveraged_matches_its_twin(world, j, moves, redemption, fire, call, bid_quoted):
    """A fund whose baskets' prices moved by `moves`: over its limit it sells a fraction of
    every holding whose bid is quoted, at market; the tape has the twin's orders."""
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.LEVERAGED)[j])
    bests = [(REFS[s] - 1 if bid_quoted[s] else 0, REFS[s] + 1) for s in range(len(REFS))]
    ex = _exchange(w, bests, 100)
    for s in range(len(REFS)):
        mk.logp[s] = math.log(REFS[s] * (1.0 + moves[s]))
    inv.par[i, leveraged.REDEEM] = redemption
    mk.cfg[AK.C_FIRE_SALE] = 1.0 if fire else 0.0
    ks = kinds.spec("leveraged")
    sit = _situation(ks, ex, w, mk, i, 100, call)
    want = ks.twin(sit)
    got = returned(decide_now(ks, ex, inv, mk, i, 100, call))
    assert got == [] and _taken(ex, i) == _as_taken(want)
    mk.cfg[AK.C_FIRE_SALE] = 1.0


def test_leveraged_by_hand(world):
    """A margin fund at 2.8x (limit 3.2) whose every holding halves: equity falls from E to
    E - 1.4 E = -0.4 E, so it is over and sells 5% of each holding; at the starting prices it
    sends nothing."""
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.LEVERAGED)[0])  # the first funds are on margin
    assert inv.par[i, leveraged.LEV_LIMIT] == 3.2
    ks = kinds.spec("leveraged")
    for s in range(len(REFS)):
        mk.logp[s] = math.log(REFS[s])
    ex = _exchange(w, [(r - 1, r + 1) for r in REFS], 100)
    decide_now(ks, ex, inv, mk, i, 100, False)
    assert _taken(ex, i) == []
    for s in range(len(REFS)):
        mk.logp[s] = math.log(REFS[s] * 0.5)
    ex = _exchange(w, [(r - 1, r + 1) for r in REFS], 100)
    decide_now(ks, ex, inv, mk, i, 100, False)
    held = w.shares[i]
    assert _taken(ex, i) == [(s, -1, int(held[s] * 0.05), Motive.FORCED)
                             for s in range(len(REFS)) if int(held[s] * 0.05) > 0]
    for s in range(len(REFS)):
        mk.logp[s] = math.log(REFS[s])


@settings(max_examples=80, **SETTINGS)
@given(j=st.integers(0, 1), flow=st.tuples(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0)),
       own=st.floats(-2.0, 2.0), noise_=st.floats(0.0, 2.0), call=st.booleans(),
       quoted=st.tuples(st.booleans(), st.booleans()))
def test_passive_matches_its_twin(world, j, flow, own, noise_, call, quoted):
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.PASSIVE)[j])
    bests = [(REFS[s] - 1, REFS[s] + 1) if quoted[s] else (0, 0) for s in range(len(REFS))]
    ex = _exchange(w, bests, 100)
    mk.flow[:] = flow
    inv.fflow[i] = own
    mk.cfg[AK.C_FLOW] = noise_
    ks = kinds.spec("passive")
    sit = _situation(ks, ex, w, mk, i, 100, call)
    want = ks.twin(sit)
    got = returned(decide_now(ks, ex, inv, mk, i, 100, call))
    assert got == [] and _taken(ex, i) == _as_taken(want)
    assert mk.rng.tolist() == sit.rng.s
    mk.flow[:] = 0.0
    inv.fflow[i] = 0.0


def test_passive_by_hand(world):
    """No noise, a flow of -1 basket per arrival: an index fund (all stocks, value-weighted
    3:1) of $200,000 baskets sells 0.75 x $200,000 / $100 = 1,500 shares of the first stock
    and 0.25 x $200,000 / $40 = 1,250 of the second."""
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.PASSIVE)[-1])  # the last fund: an index fund
    assert inv.basket[i].tolist() == [0.75, 0.25]
    mk.cfg[AK.C_FLOW] = 0.0
    mk.flow[:] = -1.0
    for s in range(len(REFS)):
        mk.logp[s] = math.log(REFS[s])
    ex = _exchange(w, [(r - 1, r + 1) for r in REFS], 100)
    decide_now(kinds.spec("passive"), ex, inv, mk, i, 100, False)
    assert _taken(ex, i) == [(0, -1, 1500, Motive.FUND_FLOW), (1, -1, 1250, Motive.FUND_FLOW)]
    mk.flow[:] = 0.0
    mk.cfg[AK.C_FLOW] = 1.0


# ---------------------------------------------------------------------------------------------
# ABIDES's RMSC04 kinds
# ---------------------------------------------------------------------------------------------


@settings(max_examples=60, **SETTINGS)
@given(t=st.integers(0, 23_399), book=book_st, done=st.integers(-1, 1),
       wake=st.floats(0, 23_400), call=st.booleans())
def test_abides_noise_matches_its_twin(world, t, book, done, wake, call):
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_NOISE)[0])
    s = int(inv.home[i])
    bests = [(0, 0)] * len(REFS)
    bests[s] = _bests(REFS[s], book)
    ex = _exchange(w, bests, t)
    inv.par[i, abides_noise.WAKE], inv.par[i, abides_noise.DONE] = wake, done
    ks = kinds.spec("abides_noise")
    sit = _situation(ks, ex, w, mk, i, t, call)
    want = ks.twin(sit)
    assert returned(decide_now(ks, ex, inv, mk, i, t, call)) == want
    assert inv.par[i, abides_noise.DONE] == sit.changed.get("done_day", done)
    assert mk.rng.tolist() == sit.rng.s


def test_abides_noise_trades_once_a_day_by_hand(world):
    """Looking in every 10 s of a day, an agent sends exactly one order, at its first look past
    its wake-up time."""
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_NOISE)[1])
    inv.par[i, abides_noise.WAKE], inv.par[i, abides_noise.DONE] = 5_000.5, -1
    ks = kinds.spec("abides_noise")
    ex = _exchange(w, [(r - 10, r + 10) for r in REFS], 0)
    sent = [t for t in range(0, 23_400, 10)
            if returned(decide_now(ks, ex, inv, mk, i, t, False))]
    assert sent == [5_010]


@settings(max_examples=80, **SETTINGS)
@given(t=st.integers(0, 23_399), value=st.floats(0.9, 1.1), book=book_st, call=st.booleans())
def test_abides_value_matches_its_twin(world, t, value, book, call):
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_VALUE)[0])
    s = int(inv.home[i])
    assert inv.par[i, abides_value.RBAR] == REFS[s]
    bests = [(0, 0)] * len(REFS)
    bests[s] = _bests(REFS[s], book)
    ex = _exchange(w, bests, t)
    mk.logv[s] = math.log(REFS[s] * value)
    ks = kinds.spec("abides_value")
    sit = _situation(ks, ex, w, mk, i, t, call)
    assert returned(decide_now(ks, ex, inv, mk, i, t, call)) == ks.twin(sit)
    assert mk.rng.tolist() == sit.rng.s
    mk.logv[s] = math.log(REFS[s])


@settings(max_examples=30, **SETTINGS)
@given(st.lists(st.tuples(st.integers(-100, 100), st.integers(1, 5), st.booleans()),
                min_size=1, max_size=70))
def test_abides_momentum_matches_its_twin(world, path):
    w, mk = world
    inv = w.inv
    i = int(_rows(w, Kind.ABIDES_MOMENTUM)[0])
    s = int(inv.home[i])
    for c in (abides_momentum.MA_FAST, abides_momentum.MA_SLOW, abides_momentum.SEEN):
        inv.par[i, c] = 0.0
    ks = kinds.spec("abides_momentum")
    for d, spread, one_sided in path:
        bests = [(0, 0)] * len(REFS)
        bests[s] = (0 if one_sided else REFS[s] + d, REFS[s] + d + spread)
        ex = _exchange(w, bests, 100)
        sit = _situation(ks, ex, w, mk, i, 100, False)
        want = ks.twin(sit)
        assert returned(decide_now(ks, ex, inv, mk, i, 100, False)) == want
        for name, col in (("seen", abides_momentum.SEEN), ("ma_fast", abides_momentum.MA_FAST),
                          ("ma_slow", abides_momentum.MA_SLOW)):
            if name in sit.changed:
                assert inv.par[i, col] == pytest.approx(sit.changed[name], rel=1e-12)
        assert mk.rng.tolist() == sit.rng.s


def _fill_row(side, price, qty, trader, stock, t):
    r = np.zeros(1, ORDER_DTYPE)
    r[0] = (0, side, OrderKind.LIMIT, price, qty, trader, stock, 0, t)
    return r


@settings(max_examples=40, **SETTINGS)
@given(gap=st.integers(2, 60), spread0=st.floats(1.0, 80.0),
       trades=st.lists(st.tuples(st.integers(-70, 0), st.integers(1, 400), st.booleans()),
                       max_size=6), t=st.integers(120, 23_000))
def test_abides_maker_matches_its_twin(world, gap, spread0, trades, t):
    """A requote against a book (the street's bid b, ask b + gap) after fills of this minute
    and the last: the ladder's live orders afterwards are the twin's (if no level crosses the
    book)."""
    w, mk = world
    inv = w.inv
    lead = int(_rows(w, Kind.ABIDES_MAKER)[0])
    s = int(inv.home[lead])
    rows = np.arange(lead, lead + 3)  # its ladder: num_ticks 3
    inv.par[lead, abides_maker.SPREAD] = spread0
    inv.oid[rows] = -1
    b = REFS[s] - gap // 2
    a = b + gap
    other = int(_rows(w, Kind.ABIDES_VALUE)[0])  # the two sides of every earlier fill
    ex = _exchange(w, [(0, 0)] * len(REFS), t - 70)
    for dt, q, buy in sorted(trades):  # each a fill at the touch, taker side by `buy`
        tm = t + dt
        ex.submit(np.concatenate([_fill_row(-1 if buy else 1, a if buy else b, q, other, s, tm),
                                  _fill_row(1 if buy else -1, a if buy else b, q, other, s,
                                            tm)]))
    ex.submit(np.concatenate([_fill_row(1, b, 500, other, s, t), _fill_row(-1, a, 500, other, s,
                                                                           t)]))
    ks = kinds.spec("abides_maker")
    sit = _situation(ks, ex, w, mk, lead, t, False)
    want = ks.twin(sit)
    assert sit.legs == 3 and (inv.home[rows] == s).all()
    assume(want[0].price < a and want[sit.legs].price > b)  # no level trades on arrival
    assert returned(decide_now(ks, ex, inv, mk, lead, t, False)) == []
    assert _live(ex, inv.acct[rows]) == sorted((o.side, o.price, o.qty) for o in want)
    assert inv.par[lead, abides_maker.SPREAD] == pytest.approx(sit.changed["spread"],
                                                                rel=1e-12)
    assert mk.rng.tolist() == sit.rng.s


# ---------------------------------------------------------------------------------------------
# Every kind is covered
# ---------------------------------------------------------------------------------------------

#: the kinds this module drives against their twins (a kind registered without a test here
#: fails the next test)
TESTED = {fundamental.SPEC.name, theme.SPEC.name, momentum.SPEC.name, noise.SPEC.name,
          market_maker.SPEC.name, leveraged.SPEC.name, passive.SPEC.name,
          abides_noise.SPEC.name, abides_value.SPEC.name, abides_momentum.SPEC.name,
          abides_maker.SPEC.name}


def test_every_built_in_kind_has_a_twin_driven_here():
    builtin = {ks.name for ks in kinds.kinds() if ks.builtin}
    assert builtin == TESTED == {k.label for k in Kind}
    for ks in kinds.kinds():
        decide = getattr(ks.decide, "py_func", ks.decide)  # a function under NUMBA_DISABLE_JIT
        assert callable(ks.twin) and ks.twin.__module__ == decide.__module__ or (
            ks.name == "theme")  # theme shares the value traders' twin
