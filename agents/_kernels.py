"""The investors' compiled loop: one call runs many one-second ticks of every stock.

This module holds what every kind shares: the random numbers, the investors' and the market's
arrays (`Investors`, `Mkt`), an investor's view of value, the one order entry `_send`, and the
loop itself (`_run_ticks`, compiled per set of kinds by `make_loop`). Each kind's decision
function lives in its own module of `agents/kinds/`; the loop reaches it through the dispatch
`agents.kinds` generates from the registry (`_decide`), so a kind plugs in by registering.

Within a tick: the fundamental values move; the number of investor arrivals is Poisson with the
sum of the investors' rates; each arrival picks an investor in proportion to its rate (so the order
of arrivals within a tick is a fresh random permutation of who arrives), who decides by its kind
and submits through `market.compiled`. Randomness comes only from the xoshiro256** state passed in
(seeded by the model's generator), so a run is the same bit for bit in any process.

Units: prices in ticks (cents), sizes in shares, time in seconds, log values in log ticks.
"""

from typing import NamedTuple

import numpy as np
from llvmlite import ir as _ir
from numba import njit
from numba.core import cgutils as _cg
from numba.core import config as _config
from numba.core import types as _types
from numba.extending import intrinsic as _intrinsic

from market import compiled as X

# the constants (agents/_constants.py, numba-free: the kinds' twins and build hooks read them
# before numba loads); here, module-level names of this module: numba reads them as compile-time
# constants, and the kinds' compiled code as K.BUY, K.C_ARB, ...
from ._constants import (  # noqa: F401  (re-exported: the kinds read them as K.<name>)
    ASK_SLOT,
    BID_SLOT,
    BUY,
    C_ACT_GAIN,
    C_ACT_MAX,
    C_ARB,
    C_FAST,
    C_FIRE_SALE,
    C_FLOW,
    C_FUNDAMENTAL,
    C_H_PHI,
    C_H_SIGMA,
    C_INFORMATIONAL,
    C_LIQUIDITY,
    C_RISK_DECAY,
    C_SLOW,
    C_THEME,
    C_THETA,
    C_VAR,
    CANCEL,
    DONE,
    ENTRY,
    FUNDAMENTAL,
    HOT,
    KIND_NAMES,
    LEAF,
    LEVERAGED,
    LIMIT,
    M_DIP,
    M_FLOW,
    M_FORCED,
    M_MM,
    M_MOMENTUM,
    M_NEWS,
    M_NOISE,
    M_VALUE,
    MAKER,
    MARKET,
    MOMENTUM,
    N_CFG,
    N_PAR,
    NEED_ROOM,
    NO_ID,
    NOISE,
    NONE,
    P_SIZE,
    PASSIVE,
    SELL,
    SESSION_SECONDS,
    THEME,
    TP_QTY,
    TP_STOCK,
    TP_TIME,
    TP_TSIDE,
    Kind,
    Motive,
)

#: one investor's own state, together, as a decision reads it: its parameters in the record's
#: first cache line, a value trader's estimate and capital in the second (the record is 128
#: bytes, 64-byte aligned by `investor_records`). `Investors`' fields par, bias, conv, capital,
#: w0, anchor, fflow are views into these columns (strided: investor i's fields are neighbours).
#: Who it is (kind, account, stock) and its order ids stay in small arrays of their own, which
#: stay in the core's cache, so the loop knows where its record, position and resting order
#: are before any of them arrives, and asks for all at once (`_prefetch_decision`).
INVESTOR_DTYPE = np.dtype({
    "names": ["par", "bias", "conv", "capital", "w0", "anchor", "fflow"],
    "formats": [(np.float64, (N_PAR,)), np.float64, np.float64, np.float64, np.float64,
                np.float64, np.float64],
    "offsets": [0, 64, 72, 80, 88, 96, 104],
    "itemsize": 128,
})


def investor_records(n: int) -> np.ndarray:
    """n zeroed investor records (INVESTOR_DTYPE), the first 64-byte aligned (a cache line)."""
    size = INVESTOR_DTYPE.itemsize
    raw = np.zeros(n * size + 64, np.uint8)
    off = (-raw.ctypes.data) % 64
    return raw[off:off + n * size].view(INVESTOR_DTYPE)


#: an empty guide: `Investors` built without one search by bisection
NO_GUIDE = np.zeros(0, np.int64)
#: no per-group work space: `_pick` computes each group's numbers at each arrival
NO_GROUPS = np.zeros((3, 0))


class Investors(NamedTuple):
    """The investors' arrays, indexed by investor (= exchange account).

    par, bias, conv, capital, w0, anchor and fflow are views into one record per investor
    (`INVESTOR_DTYPE`, `investor_records`): write through them in place, never rebind them.
    `kinds` are the codes the compiled dispatch covers (agents.kinds: the built-in kinds and
    any other kind this population has).
    """

    kind: np.ndarray  # int64[N]
    acct: np.ndarray  # int64[N] exchange account
    home: np.ndarray  # int64[N] the stock it trades, -1 for basket traders
    rate: np.ndarray  # float64[N] arrivals per second at activity 1
    cum: np.ndarray  # float64[N] cumulative rates in `order` (for picking who arrives)
    par: np.ndarray  # float64[N, N_PAR] kind parameters, columns by agents/schema.py
    bias: np.ndarray  # float64[N] log bias of a fundamental trader's value estimate
    anchor: np.ndarray  # float64[N] public value (log ticks) a market maker last quoted on, NaN
    # before its first quote (see agents/kinds/market_maker.py)
    oid: np.ndarray  # int64[N, 2] live order ids (bid, ask), -1 none
    basket: np.ndarray  # float64[N, S] target weights of basket traders (leveraged, passive)
    hear: np.ndarray  # float64[K, N] time (s) at which the investor learns news k (or adopts
    # reading k), inf: never
    hsal: np.ndarray  # float64[K, N] exp((hear - fired) / salience time): with Mkt.sal, the
    # salience of row k to investor i, exp(-(t - hear) / salience time); 0 where never heard
    conv: np.ndarray  # float64[N] conviction: the weight an investor puts on news (mean 1;
    # heterogeneous priors)
    order: np.ndarray  # int64[N] investors grouped by the stock they trade, basket traders last
    gstart: np.ndarray  # int64[S + 2] where each group starts in `order` (and the end)
    gw: np.ndarray  # float64[S + 1] work space: each group's activity-weighted rate this tick
    capital: np.ndarray  # float64[N] cents: a value trader's or fund's own capital (equity) at
    # the start, plus capital returned since (scenarios/engine/day.py, at each open)
    w0: np.ndarray  # float64[N] cents: cash plus holdings at the starting prices (P&L's zero)
    fflow: np.ndarray  # float64[N] a passive fund's own flow, baskets per arrival (+ buy)
    guide: np.ndarray = NO_GUIDE  # int64[N] work space: each group's guide table (`_guide`);
    # empty: the loop finds who arrives by binary search instead
    batch: np.ndarray = NO_GUIDE  # int64[B] work space: who arrives this tick, in order (the
    # loop asks for the next arrivals' data while one decides); empty: one at a time
    gx: np.ndarray = NO_GROUPS  # float64[3, S + 1] work space: each group's base, scale and
    # buckets per unit of weight this tick (`_pick`); empty: computed at each arrival
    kinds: tuple = ()  # codes of the kinds the compiled dispatch covers; () the built-ins


class Mkt(NamedTuple):
    logv: np.ndarray  # float64[S] fundamental log value (log ticks)
    h: np.ndarray  # float64[S] log volatility state of value news
    sigma: np.ndarray  # float64[S] per-second volatility of value at h = 0
    beta: np.ndarray  # float64[S] loading on the common factor
    ema_fast: np.ndarray  # float64[S] EMA of 1-second mid log returns (fast)
    ema_slow: np.ndarray  # float64[S] the same, slow
    var: np.ndarray  # float64[S] EMA of squared 1-second mid log returns
    var_ref: np.ndarray  # float64[S] variance at normal times (for ratios)
    risk_var: np.ndarray  # float64[S] the daily variance behind value traders' risk budgets:
    # an EWMA of close-to-close log returns, rolled at each open (agents.loop.roll_risk)
    risk_ref: np.ndarray  # float64[S] its level at normal times
    logp: np.ndarray  # float64[S] last mid log price
    prev_close: np.ndarray  # float64[S] ticks
    jump: np.ndarray  # float64[K, S] log-value jump of row k: news (what an unaware investor
    # misses) or a reading of earlier news (what its adopters add to their view of it)
    isnews: np.ndarray  # float64[K] 1: row k is news (its jump is in logv); 0: a reading
    tjump: np.ndarray  # float64[K, S] row k's jump as a theme trader reads it (agents.beliefs)
    sal: np.ndarray  # float64[K] exp(-(t - fired) / salience time), set each minute
    fired: np.ndarray  # float64[K] when row k was added (s): the news fired, a reading began
    cfg: np.ndarray  # float64[N_CFG] switches and constants, C_* above
    flow: np.ndarray  # float64[S] fund flow pressure per stock (+ buy, - sell), shares per arrival
    rng: np.ndarray  # uint64[4] xoshiro256** state of decisions and arrivals
    vrng: np.ndarray  # uint64[4] xoshiro256** state of value news: a stream of its own, so that
    # runs that differ only in behaviour (counterfactual channels) share their value paths
    arng: np.ndarray  # uint64[4] xoshiro256** state of arrivals (how many, who): `rng` jumped
    # 2^128 draws ahead (`jump_state`), so who arrives in a tick is known before anyone decides


@_intrinsic
def _prefetch(typingctx, arr, row, col):
    """Ask the cache for arr[row, col] (a hint: it changes no result, only when data arrives)."""
    sig = _types.void(arr, row, col)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = _cg.get_item_pointer(context, builder, aryty, ary, [args[1], args[2]],
                                   wraparound=False)
        i8p = _ir.IntType(8).as_pointer()
        i32 = _ir.IntType(32)
        fn = _cg.get_or_insert_function(builder.module, _ir.FunctionType(
            _ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0")
        # read, keep in every cache level, data
        builder.call(fn, [builder.bitcast(ptr, i8p), _ir.Constant(i32, 0), _ir.Constant(i32, 3),
                          _ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


if _config.DISABLE_JIT:  # plain Python: nothing to ask for
    def _prefetch(arr, row, col):  # noqa: F811
        return None


@njit(**LEAF)
def _prefetch_decision(ex, inv, i, lines):
    """Ask at once for what investor i's decision reads from far memory: the first `lines`
    lines of its record, its position in its stock, its resting orders' rows in the pool. Each
    would otherwise be a cache miss waiting for the one before it (about a third of the loop's
    time, measured with perf)."""
    _prefetch(inv.par, i, 0)
    if lines > 1:  # the record's second line (bias, conv, capital, ...): just past par's row
        _prefetch(inv.par, i, N_PAR)
    s = inv.home[i]
    if s >= 0:
        _prefetch(ex[2].shares, inv.acct[i], s)
    for slot in range(2):
        old = inv.oid[i, slot]
        if old >= 0:
            _prefetch(ex[1].o, old & X.SLOT_MASK, 0)


# ---------------------------------------------------------------------------------------------
# Random numbers: xoshiro256** (Blackman & Vigna), state in an array
# ---------------------------------------------------------------------------------------------


@njit(**LEAF)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(**LEAF)
def _next(s):
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(**HOT)
def uniform(s):
    """Uniform on [0, 1) with 53 random bits."""
    return (_next(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(**HOT)
def normal(s):
    """Standard normal by Box-Muller (one of the pair)."""
    u = uniform(s)
    while u <= 1e-300:
        u = uniform(s)
    return np.sqrt(-2.0 * np.log(u)) * np.cos(2.0 * np.pi * uniform(s))


@njit(**HOT)
def poisson(s, lam):
    """Poisson(lam) by inversion; lam is small here (arrivals in one second)."""
    if lam <= 0.0:
        return 0
    if lam > 30.0:
        k = int(lam + np.sqrt(lam) * normal(s) + 0.5)
        return k if k > 0 else 0
    L = np.exp(-lam)
    k = 0
    p = uniform(s)
    while p > L:
        k += 1
        p *= uniform(s)
    return k


#: xoshiro256**'s jump polynomial: 2^128 draws ahead (Blackman & Vigna's reference code)
_JUMP = (0x180EC6D33CFD0ABA, 0xD5A61266F0C9392C, 0xA9582618E03FC9AA, 0x39ABDC4529B1661C)


def jump_state(state) -> np.ndarray:
    """The xoshiro256** state 2^128 draws after `state` (four 64-bit words): a stream that
    does not overlap `state`'s own in any run's length."""
    mask = (1 << 64) - 1
    s = [int(w) for w in state]
    out = [0, 0, 0, 0]
    for word in _JUMP:
        for b in range(64):
            if word >> b & 1:
                out = [o ^ x for o, x in zip(out, s, strict=True)]
            t = (s[1] << 17) & mask
            s[2] ^= s[0]
            s[3] ^= s[1]
            s[1] ^= s[2]
            s[0] ^= s[3]
            s[2] ^= t
            s[3] = ((s[3] << 45) | (s[3] >> 19)) & mask
    return np.array(out, dtype=np.uint64)


def seed_state(seed_words) -> np.ndarray:
    """xoshiro state from four 64-bit words (e.g. model.rng.integers(1, 2**63, 4))."""
    st = np.asarray(seed_words, dtype=np.uint64).copy()
    if not st.any():
        st[0] = 1
    return st


# ---------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------


@njit(**LEAF)
def _mid(book, s, mk):
    """Mid in ticks from the book, the last mid when a side is empty."""
    b = X.best_bid(book, s)
    a = X.best_ask(book, s)
    if b > 0 and a > 0:
        return 0.5 * (b + a), b, a
    return np.exp(mk.logp[s]), b, a


@njit(**LEAF)
def _view(inv, mk, i, s, t):
    """Investor i's estimate of stock s's value (log ticks) at time t.

    The public value (every news jump taken out) plus, for each row it has heard, that row's
    jump as the investor reads it: weighted by its conviction and overweighted while the row is
    salient, ``conv (1 + theta salience)`` (diagnostic expectations: Bordalo, Gennaioli &
    Shleifer 2018; salience fades with time since it heard, so the overreaction reverts and the
    news stays). A theme trader (with the theme channel on) reads each row as news about the AI
    theme: its stock's AI-linked share of value times the theme's move per unit of that share,
    not the stock's own move (style investing: Barberis & Shleifer 2003).
    """
    v = mk.logv[s] + inv.bias[i]
    theme = inv.kind[i] == THEME and mk.cfg[C_THEME] > 0
    theta = mk.cfg[C_THETA]
    for k in range(mk.jump.shape[0]):
        if mk.isnews[k] > 0:
            v -= mk.jump[k, s]
        if t >= inv.hear[k, i]:
            j = mk.tjump[k, s] if theme else mk.jump[k, s]
            v += j * inv.conv[i] * (1.0 + theta * mk.sal[k] * inv.hsal[k, i])
    return v


@njit(**ENTRY)
def view_of(inv, mk, i, s, t):
    """`_view` for callers in Python (tests, inspection): investor i's estimate of stock s's
    value at time t, log ticks."""
    return _view(inv, mk, i, s, t)


@njit(**LEAF)
def _heard_latest(inv, mk, i, t):
    """Whether investor i has heard the latest news row by t (True when there is none)."""
    for k in range(mk.jump.shape[0] - 1, -1, -1):
        if mk.isnews[k] > 0:
            return inv.hear[k, i] <= t
    return True


@njit(**LEAF)
def _send(ex, inv, i, s, side, kind, price, qty, motive, t, slot):
    """Cancel the investor's order in `slot` (if any), then send a new one; keep its id.

    The exchange's clock is at t already (run_ticks advances it once a tick).
    """
    book, pool, acc, tape, rules, tob = ex
    bs, lv, o, free, meta = book.bs, book.lv, pool.o, pool.free, pool.meta
    rows, tn, cash, shares, cfg, rs = tape.rows, tape.n, acc.cash, acc.shares, rules.cfg, rules.rs
    old = inv.oid[i, slot]
    if old >= 0:
        X.order_arrays(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, s, BUY, CANCEL,
                       NONE, NONE, motive, inv.acct[i], t, old)
        inv.oid[i, slot] = -1
    if qty <= 0 or (kind != MARKET and price < 1):  # a market order's price is ignored
        return
    st, oid = X.order_arrays(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, s, side,
                             kind, price, qty, motive, inv.acct[i], t, NO_ID)
    if st == X.OK and kind == LIMIT:
        inv.oid[i, slot] = oid


@njit(**LEAF)
def _clip_price(book, s, p):
    """Price p (ticks) within stock s's book window, its edge levels left out."""
    lo = book.bs[s, 0] + 1
    hi = book.bs[s, 0] + book.bs[s, 2] - 2
    return min(max(p, lo), hi)


@njit(**LEAF)
def _situation(ex, inv, mk, i):
    """A single-stock trader's situation as it arrives: (its stock, mid, best bid, best ask, an
    order size drawn at 0.5-1.5 times its size column, at least 1 share).

    Its position is read apart (`_position`), by the kinds that use it: the accounts' shares
    are the largest array a decision touches, and most decisions (noise traders') need none.
    """
    s = inv.home[i]
    mid, b, a = _mid(ex[0], s, mk)
    size = max(1, int(inv.par[i, P_SIZE] * (0.5 + uniform(mk.rng))))
    return s, mid, b, a, size


@njit(**LEAF)
def _position(ex, inv, i, s):
    """Investor i's shares of stock s (its exchange account's)."""
    return ex[2].shares[inv.acct[i], s]


@njit(**LEAF)
def _public_value(mk, s):
    """Stock s's value less every scenario news jump (log ticks): the continuous flow of public
    information (market factor and the stream of small stock-specific news)."""
    v = mk.logv[s]
    for k in range(mk.jump.shape[0]):
        if mk.isnews[k] > 0:
            v -= mk.jump[k, s]
    return v


# ---------------------------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------------------------


@njit(**HOT)
def _values(mk, dt_s):
    """Move the fundamental values dt seconds: common factor plus idiosyncratic news."""
    if mk.cfg[C_FUNDAMENTAL] < 0:
        return
    rs = mk.vrng
    zm = normal(rs)
    sq = np.sqrt(dt_s)
    for s in range(mk.logv.size):
        b = mk.beta[s]
        z = b * zm + np.sqrt(1.0 - b * b) * normal(rs)
        mk.logv[s] += mk.sigma[s] * np.exp(mk.h[s]) * sq * z


@njit(**HOT)
def _vol_states(mk, dt_s):
    """Log-volatility of value news: AR(1) toward 0 (a stationary stochastic volatility)."""
    rs = mk.vrng
    phi = mk.cfg[C_H_PHI] ** dt_s
    sd = mk.cfg[C_H_SIGMA] * np.sqrt(max(1e-12, 1.0 - phi * phi))
    common = normal(rs)
    for s in range(mk.h.size):
        z = 0.6 * common + 0.8 * normal(rs)
        mk.h[s] = phi * mk.h[s] + sd * z


@njit(**HOT)
def _observe(book, mk):
    """After a tick: update mid log price, trend EMAs and the variance EMA of each stock."""
    af = mk.cfg[C_FAST]
    asl = mk.cfg[C_SLOW]
    av = mk.cfg[C_VAR]
    for s in range(mk.logp.size):
        b = X.best_bid(book, s)
        a = X.best_ask(book, s)
        if b > 0 and a > 0:
            lp = np.log(0.5 * (b + a))
            r = lp - mk.logp[s]
            mk.logp[s] = lp
        else:
            r = 0.0
        mk.ema_fast[s] += af * (r - mk.ema_fast[s])
        mk.ema_slow[s] += asl * (r - mk.ema_slow[s])
        mk.var[s] += av * (r * r - mk.var[s])


@njit(**HOT)
def _guide(inv):
    """Guide tables (Chen & Asau 1974) of the groups' cumulative rates, for finding who arrives.

    A group of n investors at positions lo..hi of `order` gets n buckets of equal width
    w = (its rate) / n; guide[lo + j] is the first position p in lo..hi with cum[p] > base + j w
    (hi if none; base: the cumulative rate before the group). Every position before it has
    cum <= that edge, so for a target at or above the edge the first position whose cum exceeds
    the target is at or after it: `_arrival` scans on from there, a step or two instead of a
    bisection's dozen unpredictable branches, and finds the same investor.
    """
    for g in range(inv.gstart.size - 1):
        lo = inv.gstart[g]
        hi = inv.gstart[g + 1] - 1
        if hi < lo:
            continue
        base = inv.cum[lo - 1] if lo > 0 else 0.0
        w = (inv.cum[hi] - base) / (hi - lo + 1)
        p = lo
        for j in range(hi - lo + 1):
            edge = base + j * w
            while p < hi and inv.cum[p] <= edge:
                p += 1
            inv.guide[lo + j] = p


@njit(**LEAF)
def _arrival(inv, lo, hi, base, target, guided):
    """The first position p in lo..hi of `order` whose cumulative rate exceeds `target` (hi if
    none): from the guide's bucket below the target's (a bucket's margin against rounding),
    or by bisection without a guide."""
    if guided:
        w = (inv.cum[hi] - base) / (hi - lo + 1)
        j = int((target - base) / w) - 1 if w > 0.0 else 0
        p = inv.guide[lo + min(max(j, 0), hi - lo)]
        while p < hi and inv.cum[p] <= target:
            p += 1
        return p
    while lo < hi:
        mid = (lo + hi) >> 1
        if inv.cum[mid] > target:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(**LEAF)
def _pick(inv, mk, lam, glast, guided):
    """Who arrives next: a uniform of the arrival stream picks a group by its weight this tick,
    then an investor within it by rate (the first whose cumulative rate exceeds the target).
    With the work space `gx`, each group's base, scale and buckets per unit of weight come from
    this tick's `_group_weights` (the same numbers, computed once a tick, not once an arrival)."""
    u = uniform(mk.arng) * lam
    g = 0
    while g < glast and (u >= inv.gw[g] or inv.gw[g] <= 0.0):
        u -= inv.gw[g]
        g += 1
    lo = inv.gstart[g]
    hi = inv.gstart[g + 1] - 1
    if inv.gx.shape[1] > g and guided:
        target = inv.gx[0, g] + u * inv.gx[1, g]
        # the guide's bucket below the target's: u x buckets per unit of weight, less one
        j = int(u * inv.gx[2, g]) - 1
        p = inv.guide[lo + min(max(j, 0), hi - lo)]
        while p < hi and inv.cum[p] <= target:
            p += 1
        return inv.order[p]
    base = inv.cum[lo - 1] if lo > 0 else 0.0
    target = base + u * ((inv.cum[hi] - base) / inv.gw[g])
    return inv.order[_arrival(inv, lo, hi, base, target, guided)]


#: arrivals ahead of the one deciding whose data the loop asks for
AHEAD = 4


@njit(**LEAF)
def _prefetch_ahead(ex, inv, i, two_lines):
    """`_prefetch_decision` for an arrival yet to decide; `two_lines` (a bit per kind code):
    the kinds whose decision reads the record's second line."""
    _prefetch_decision(ex, inv, i, np.int64(2) if (two_lines >> inv.kind[i]) & 1
                       else np.int64(1))


def _run_ticks(book, pool, acc, tape, rules, tob, inv, mk, t0, n_ticks, call_phase, clock_moves,
               counts):
    """Run n_ticks one-second ticks from time t0 (seconds since the first open).

    In a call phase (pre-open, closing call) investors send limit orders only; without
    `clock_moves` (the pre-open) all n_ticks rounds of arrivals happen at t0 and values do not
    move. Returns (status, ticks done): NEED_ROOM when the tape or pool might overflow — the
    caller grows them and resumes from there. counts[0] += decisions taken.
    """
    ex = (book, pool, acc, tape, rules, tob)
    n = inv.kind.size
    ng = inv.gstart.size - 1
    ns = mk.logv.size
    total = inv.cum[n - 1] if n > 0 else 0.0
    act_max = mk.cfg[C_ACT_MAX]
    gain = mk.cfg[C_ACT_GAIN]
    guided = inv.guide.size == n and n > 0
    if guided:  # the rates may have changed since the last call (attention to news)
        _guide(inv)
    for k in range(n_ticks):
        t = t0 + k if clock_moves else t0
        if not X.room_ok(book, pool, tape, 64 + 4 * int(total * act_max + 8)):
            return NEED_ROOM, k
        if t > rules.clock[X.C_NOW]:  # the orders of this tick are sent at t
            X.advance_arrays(book.bs, book.lv, pool.o, pool.free, pool.meta, tape.rows, tape.n,
                             acc.cash, acc.shares, rules.cfg, rules.rs, rules.ring, rules.clock,
                             t, tob, rules.scratch)
        if clock_moves:
            _values(mk, 1.0)
            if (t % 60) == 0:
                _vol_states(mk, 60.0)
        # activity: trading in a stock picks up with its recent volatility (basket traders, the
        # last group, at 1). Arrivals are Poisson with rate sum_i rate_i * activity of i's
        # stock: draw how many, then for each a group by its weight and an investor within it
        # by rate (no draws are thinned away).
        lam = 0.0
        glast = 0
        for g in range(ng):
            a = inv.gstart[g]
            b = inv.gstart[g + 1]
            if b == a:
                inv.gw[g] = 0.0
                continue
            act = 1.0
            if g < ns:
                ratio = mk.var[g] / mk.var_ref[g]
                act = min(act_max, 1.0 + gain * max(0.0, np.sqrt(ratio) - 1.0))
            inv.gw[g] = (inv.cum[b - 1] - (inv.cum[a - 1] if a > 0 else 0.0)) * act
            lam += inv.gw[g]
            if inv.gw[g] > 0.0:
                glast = g
                if inv.gx.shape[1] > g:  # what `_pick` needs of the group, once a tick
                    base = inv.cum[a - 1] if a > 0 else 0.0
                    inv.gx[0, g] = base
                    inv.gx[1, g] = (inv.cum[b - 1] - base) / inv.gw[g]
                    inv.gx[2, g] = (b - a) / inv.gw[g]
        # who arrives this tick, from the arrival stream, before anyone decides: while one
        # decides, the next arrivals' records, positions and resting orders are on their way
        m = poisson(mk.arng, lam)
        cap = inv.batch.size
        done = 0
        while done < m:
            if cap == 0:  # no work space: one at a time (the same arrivals, the same order)
                i = _pick(inv, mk, lam, glast, guided)
                _prefetch_ahead(ex, inv, i, _TWO_LINES)  # noqa: F821 (bound by make_loop)
                counts[0] += 1
                _decide(ex, inv, mk, i, t, call_phase)  # noqa: F821 (bound by make_loop)
                done += 1
                continue
            c = min(m - done, cap)
            for q in range(c):
                i = _pick(inv, mk, lam, glast, guided)
                inv.batch[q] = i
                _prefetch(inv.par, i, 0)  # its parameters: the first thing it reads
                _prefetch(inv.oid, i, 0)  # where its resting orders are
            for q in range(min(c, AHEAD)):
                _prefetch_ahead(ex, inv, inv.batch[q], _TWO_LINES)  # noqa: F821 (make_loop)
            for q in range(c):
                if q + AHEAD < c:
                    _prefetch_ahead(ex, inv, inv.batch[q + AHEAD], _TWO_LINES)  # noqa: F821
                _decide(ex, inv, mk, inv.batch[q], t, call_phase)  # noqa: F821
            counts[0] += c
            done += c
        if clock_moves:
            _observe(book, mk)
    return DONE, n_ticks


def make_loop(decide, source_file: str, two_lines: int = 0):
    """The compiled loop (`_run_ticks`) whose arrivals decide through `decide`, a dispatch over
    kinds generated from the registry (agents.kinds): `_run_ticks`' code with `_decide` bound to
    `decide`, filed under `source_file` (the generated module) so that numba caches each
    dispatch's loop apart; `two_lines` has bit k set when kind k reads its record's second
    line."""
    import types

    code = _run_ticks.__code__.replace(co_filename=source_file, co_name="run_ticks",
                                       co_qualname="run_ticks")
    glob = dict(globals(), _decide=decide, _TWO_LINES=np.int64(two_lines))
    fn = types.FunctionType(code, glob, "run_ticks")
    fn.__doc__ = _run_ticks.__doc__
    fn.__module__ = getattr(decide, "py_func", decide).__module__
    return njit(**ENTRY)(fn)


@njit(**ENTRY)
def cohort_totals(kind, cash, shares, prices, wealth0, out):
    """Per investor kind: shares held (all stocks), cash and P&L since wealth0, into out[K, 3].

    `cash` in cents and `prices` in dollars; out in shares and dollars. Investor i is account i.
    """
    out[:, :] = 0.0
    for i in range(kind.size):
        k = kind[i]
        if k >= out.shape[0]:  # a kind registered beyond the report's rows (agents.kinds)
            continue
        c = cash[i] / 100.0
        held = 0
        w = c
        for s in range(prices.size):
            held += shares[i, s]
            w += shares[i, s] * prices[s]
        out[k, 0] += held
        out[k, 1] += c
        out[k, 2] += w - wealth0[i]


@njit(**ENTRY)
def attention_rates(rate0, hear, extra, t, tau, order, rate, cum, live):
    """Trading rates at time t under news still in mind; cumulative rates in `order`.

    rate_i = rate0_i * (1 + sum_k extra[k, i] * exp(-(t - hear[k, i]) / tau)) over the news k
    investor i has heard by t. live[k] = 1 while someone may still attend news k (heard, and
    less than 5 tau ago, or not heard yet); when no news is live, rate = rate0.
    """
    nk, n = hear.shape
    any_live = False
    for k in range(nk):
        live[k] = 0
        for i in range(n):
            h = hear[k, i]
            if np.isfinite(h) and not (t - h > 5.0 * tau):
                live[k] = 1
                any_live = True
                break
    for i in range(n):
        f = 1.0
        if any_live:
            for k in range(nk):
                age = t - hear[k, i]
                if age >= 0:
                    f += extra[k, i] * np.exp(-age / tau)
        rate[i] = rate0[i] * f
    c = 0.0
    for j in range(n):
        c += rate[order[j]]
        cum[j] = c
