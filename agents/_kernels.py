"""The investors' compiled loop: one call runs many one-second ticks of every stock.

Within a tick: the fundamental values move; the number of investor arrivals is Poisson with the
sum of the investors' rates; each arrival picks an investor in proportion to its rate (so the order
of arrivals within a tick is a fresh random permutation of who arrives), who decides by its kind
and submits through `market.compiled`. Randomness comes only from the xoshiro256** state passed in
(seeded by the model's generator), so a run is the same bit for bit in any process.

Units: prices in ticks (cents), sizes in shares, time in seconds, log values in log ticks.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from market import SESSION_SECONDS
from market import compiled as X
from market.types import TAPE_DTYPE

from .schema import KIND_NAMES as _KIND_NAMES
from .schema import SCHEMAS, Kind, Motive

# The loop's helpers are inlined by LLVM (`forceinline`), so a decision passes no arguments: a
# call of `_decide` passed some 40 arrays, hundreds of words, by value. numba's own IR inliner
# (`inline="always"`) would do the same at several times the compile time.
ENTRY = dict(cache=True, _nrt=False)  # called from Python
HOT = dict(ENTRY, no_cpython_wrapper=True, no_cfunc_wrapper=True)
LEAF = dict(HOT, forceinline=True)

# investor kinds and motives: agents/schema.py (module-level ints here: numba reads them as
# compile-time constants)
FUNDAMENTAL, MOMENTUM, NOISE, MAKER, LEVERAGED, PASSIVE, THEME = (
    int(Kind.FUNDAMENTAL), int(Kind.MOMENTUM), int(Kind.NOISE), int(Kind.MARKET_MAKER),
    int(Kind.LEVERAGED), int(Kind.PASSIVE), int(Kind.THEME))
KIND_NAMES = _KIND_NAMES
# motives (market.Motive)
# (numpy ints, not Python ints: numba types a Python-int constant by its value and compiles a
# callee once per distinct constant; these keep `_send` to one compiled copy)
M_VALUE, M_MOMENTUM, M_NOISE, M_DIP, M_MM, M_FORCED, M_FLOW, M_NEWS = (
    np.int64(m) for m in (Motive.VALUE, Motive.MOMENTUM, Motive.NOISE, Motive.DIP_BUY,
                          Motive.MARKET_MAKING, Motive.FORCED, Motive.FUND_FLOW, Motive.NEWS))
# order sides and kinds (market.Side / market.OrderKind) and the investor's two order slots
BUY, SELL, LIMIT, MARKET, CANCEL = np.array([1, -1, 0, 1, 2], dtype=np.int64)
BID_SLOT, ASK_SLOT, NONE, NO_ID = np.array([0, 1, 0, -1], dtype=np.int64)

# columns of Investors.par, by kind and name (agents/schema.py SCHEMAS; units in
# agents/population.py)
P_SIZE = 0
_F, _MO, _NO, _MM, _LV = (SCHEMAS[k] for k in (FUNDAMENTAL, MOMENTUM, NOISE, MAKER, LEVERAGED))
F_THRESHOLD, F_TAKE, F_LIMIT, F_DOUBT, F_COMMIT, F_GROSS, F_REDEEM = (
    _F.column(c) for c in ("threshold", "take_prob", "position_limit", "doubt", "commitment",
                           "max_gross", "redemption"))
MO_THRESHOLD, MO_SLOW, MO_LIMIT = (
    _MO.column(c) for c in ("threshold", "slow_weight", "position_limit"))
NO_MARKET, NO_DISTANCE, NO_DIP, NO_DIP_BUY = (
    _NO.column(c) for c in ("market_prob", "limit_distance", "dip_threshold", "dip_propensity"))
MM_HALF, MM_WIDEN, MM_LIMIT, MM_WITHDRAW = (
    _MM.column(c) for c in ("half_spread_bp", "widen", "inventory_limit", "withdraw_ratio"))
LV_LIMIT, LV_SELL, LV_REDEEM = (_LV.column(c) for c in ("leverage_limit", "sell_fraction",
                                                           "redemption"))
# ABIDES's RMSC04 kinds (agents/population.py AbidesNoise ... AbidesMaker)
A_NOISE, A_VALUE, A_MOMENTUM, A_MAKER = (
    int(Kind.ABIDES_NOISE), int(Kind.ABIDES_VALUE), int(Kind.ABIDES_MOMENTUM),
    int(Kind.ABIDES_MAKER))
_AN, _AV, _AMO, _AMM = (SCHEMAS[k] for k in (A_NOISE, A_VALUE, A_MOMENTUM, A_MAKER))
AN_WAKE, AN_DONE = (_AN.column(c) for c in ("wake_s", "done_day"))
AV_OBS, AV_KAPPA, AV_RBAR, AV_AGGR, AV_DEPTH = (
    _AV.column(c) for c in ("obs_sd", "kappa", "r_bar", "aggressive_prob", "depth_spread"))
AMO_FAST_N, AMO_SLOW_N, AMO_FAST, AMO_SLOW, AMO_SEEN = (
    _AMO.column(c) for c in ("fast_n", "slow_n", "ma_fast", "ma_slow", "seen"))
AMM_POV, AMM_SPACING, AMM_ALPHA, AMM_SKEW, AMM_SPREAD = (
    _AMM.column(c) for c in ("pov", "level_spacing", "spread_alpha", "price_skew", "spread"))
# the tape's columns (market.TAPE_DTYPE) a maker reads for the volume traded
TP_QTY, TP_TIME, TP_STOCK, TP_TSIDE = (TAPE_DTYPE.names.index(c)
                                       for c in ("qty", "time", "stock", "taker_side"))

# Mkt.cfg entries
(C_FUNDAMENTAL, C_INFORMATIONAL, C_FIRE_SALE, C_LIQUIDITY, C_ACT_GAIN, C_ACT_MAX, C_H_PHI,
 C_H_SIGMA, C_FAST, C_SLOW, C_VAR, C_FLOW, C_ARB, C_THETA, C_THEME) = range(15)
N_CFG = 15

# statuses of run_ticks
DONE, NEED_ROOM = 0, 1


class Investors(NamedTuple):
    kind: np.ndarray  # int64[N]
    acct: np.ndarray  # int64[N] exchange account
    home: np.ndarray  # int64[N] the stock it trades, -1 for basket traders
    rate: np.ndarray  # float64[N] arrivals per second at activity 1
    cum: np.ndarray  # float64[N] cumulative rates in `order` (for picking who arrives)
    par: np.ndarray  # float64[N, N_PAR] kind parameters, columns by agents/schema.py
    bias: np.ndarray  # float64[N] log bias of a fundamental trader's value estimate
    anchor: np.ndarray  # float64[N] public value (log ticks) a market maker last quoted on, NaN
    # before its first quote (see `_market_maker`)
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
    # the start, plus capital returned since (scenarios/day.py, at each open)
    w0: np.ndarray  # float64[N] cents: cash plus holdings at the starting prices (P&L's zero)
    fflow: np.ndarray  # float64[N] a passive fund's own flow, baskets per arrival (+ buy)


class Mkt(NamedTuple):
    logv: np.ndarray  # float64[S] fundamental log value (log ticks)
    h: np.ndarray  # float64[S] log volatility state of value news
    sigma: np.ndarray  # float64[S] per-second volatility of value at h = 0
    beta: np.ndarray  # float64[S] loading on the common factor
    ema_fast: np.ndarray  # float64[S] EMA of 1-second mid log returns (fast)
    ema_slow: np.ndarray  # float64[S] the same, slow
    var: np.ndarray  # float64[S] EMA of squared 1-second mid log returns
    var_ref: np.ndarray  # float64[S] variance at normal times (for ratios)
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
    lo = book.bs[s, 0] + 1
    hi = book.bs[s, 0] + book.bs[s, 2] - 2
    return min(max(p, lo), hi)


# One function per kind. A single-stock kind's function gets the investor's situation (mid, best
# bid and ask, position, a drawn order size) and returns at most one order as (send, side, kind,
# price, qty, motive, slot); `_decide` sends it from its one `_send` call site (`_send` and the
# exchange entry it calls are inlined, once per call site). A market maker sends its bid itself
# and returns its ask; basket traders send one market order per stock (`_basket`).


@njit(**LEAF)
def _fundamental(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size, cap):
    """Value trader: trades toward its estimate of value when mispricing passes a threshold.

    Columns: threshold (fraction), take_prob (probability of taking liquidity), position_limit,
    doubt (a trader who has not heard the latest news and sees the price further than this
    fraction from its estimate suspects news it has missed and stays out), commitment (the limit
    grows by position_limit for each commitment of mispricing: bigger mispricings draw more
    capital). `cap` (shares) bounds the limit: what its capital and risk limits allow
    (`_arb_cap`).
    """
    par = inv.par
    rs = mk.rng
    v = np.exp(_view(inv, mk, i, s, t))
    thr = par[i, F_THRESHOLD]
    lim = min(cap, par[i, F_LIMIT] * (1.0 + abs(v / mid - 1.0) / par[i, F_COMMIT]))
    if not _heard_latest(inv, mk, i, t) and abs(v - mid) > par[i, F_DOUBT] * mid:
        # withdraw its order: a cancel and nothing new (qty 0)
        return True, BUY, LIMIT, NONE, NONE, M_VALUE, BID_SLOT
    heard_news = False
    for q in range(mk.jump.shape[0]):
        if inv.hear[q, i] <= t and t - inv.hear[q, i] < 3600.0:
            heard_news = True
    motive = M_NEWS if heard_news else M_VALUE
    if v > mid * (1.0 + thr) and pos < lim:
        qty = int(size * min(4.0, (v / mid - 1.0) / thr))
        take = uniform(rs) < par[i, F_TAKE] and a > 0 and not call_phase
        # in a call auction a limit at one's own reservation price is the natural order
        # (all fill at the one auction price); in continuous trading, post inside
        p = a if take else int(v * (1.0 - 0.5 * thr)) if call_phase else int(
            min(v * (1.0 - 0.5 * thr), mid - 0.5))
        return True, BUY, LIMIT, _clip_price(book, s, p), qty, motive, BID_SLOT
    if v < mid * (1.0 - thr) and pos > -lim:
        qty = int(size * min(4.0, (1.0 - v / mid) / thr))
        take = uniform(rs) < par[i, F_TAKE] and b > 0 and not call_phase
        p = b if take else int(v * (1.0 + 0.5 * thr) + 0.999) if call_phase else int(
            max(v * (1.0 + 0.5 * thr), mid + 1.5))
        return True, SELL, LIMIT, _clip_price(book, s, p), qty, motive, BID_SLOT
    return False, BUY, LIMIT, NONE, NONE, motive, BID_SLOT


@njit(**LEAF)
def _arb_cap(inv, mk, acc, i, s, mid, pos):
    """Limits to arbitrage: the largest position (shares, either sign) value trader i may hold.

    cap = max_gross * E * min(1, sd_ref / sd_now) / mid, with E = K + P + redemption * min(0, P):
    K its own capital (cents), P its P&L since the start (cash and its one stock at mid, less
    its starting wealth), so losses shrink what it may hold and its investors withdraw a part
    of each loss on top (Shleifer & Vishny 1997); the volatility ratio is the risk limit that
    shrinks positions as volatility rises (a value-at-risk budget; Gromb & Vayanos 2010,
    Brunnermeier & Pedersen 2009). Unbounded with the arbitrage-limits channel off. A value
    trader holds only its home stock, so its wealth is its cash and that stock.
    """
    if mk.cfg[C_ARB] <= 0:
        return np.inf
    pnl = float(acc.cash[inv.acct[i]]) + pos * mid - inv.w0[i]
    eq = inv.capital[i] + pnl + inv.par[i, F_REDEEM] * min(0.0, pnl)
    if eq <= 0.0:
        return 0.0
    risk = min(1.0, np.sqrt(mk.var_ref[s] / max(mk.var[s], 1e-300)))
    return inv.par[i, F_GROSS] * eq * risk / mid


@njit(**LEAF)
def _momentum(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """Trend follower: a market order with the sign of its trend signal past a threshold.

    Columns: threshold (on the trend signal, in sds of the fast average), slow_weight (weight on
    the slow average: the horizon mix), position_limit. Sends nothing in a call phase.
    """
    par = inv.par
    if call_phase:
        return False, BUY, MARKET, NONE, NONE, M_MOMENTUM, BID_SLOT
    sig = mk.ema_fast[s] * (1.0 - par[i, MO_SLOW]) + mk.ema_slow[s] * par[i, MO_SLOW]
    # in sds of the fast average's own noise: sd(EMA) = sd(r) * sqrt(alpha / 2)
    thr = par[i, MO_THRESHOLD] * np.sqrt(mk.var_ref[s] * mk.cfg[C_FAST] * 0.5)
    qty = size
    if sig > thr and pos < par[i, MO_LIMIT] and a > 0:
        return True, BUY, MARKET, NONE, qty, M_MOMENTUM, BID_SLOT
    if sig < -thr and pos > -par[i, MO_LIMIT] and b > 0:
        return True, SELL, MARKET, NONE, qty, M_MOMENTUM, BID_SLOT
    return False, BUY, MARKET, NONE, qty, M_MOMENTUM, BID_SLOT


@njit(**LEAF)
def _noise(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """Noise trader: a random side, at market or a random limit; buys more in a dip.

    Columns: market_prob (probability of a market order), limit_distance (mean distance of
    limits, units of 10 bp of mid), dip_threshold (fractional fall from the previous close),
    dip_propensity (extra buy probability in a dip).
    """
    par = inv.par
    rs = mk.rng
    fall = 1.0 - mid / mk.prev_close[s]
    pbuy = 0.5
    motive = M_NOISE
    if fall > par[i, NO_DIP]:
        pbuy = 0.5 + par[i, NO_DIP_BUY] * 0.5
        motive = M_DIP
    side = BUY if uniform(rs) < pbuy else SELL
    if motive == M_DIP and side == SELL:
        motive = M_NOISE
    if uniform(rs) < par[i, NO_MARKET] and not call_phase and (a > 0 if side == BUY else b > 0):
        return True, side, MARKET, NONE, size, motive, BID_SLOT
    unit = max(1.0, mid * 0.001)
    d = -np.log(1.0 - uniform(rs)) * par[i, NO_DISTANCE] * unit
    p = int(mid - d) if side == BUY else int(mid + d + 0.999)
    return True, side, LIMIT, _clip_price(book, s, p), size, motive, BID_SLOT


@njit(**LEAF)
def _public_value(mk, s):
    """Stock s's value less every scenario news jump (log ticks): the continuous flow of public
    information (market factor and the stream of small stock-specific news)."""
    v = mk.logv[s]
    for k in range(mk.jump.shape[0]):
        if mk.isnews[k] > 0:
            v -= mk.jump[k, s]
    return v


@njit(**LEAF)
def _market_maker(ex, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """Market maker: two-sided quotes around a centre that follows public information, skewed by
    inventory, wider with volatility, withdrawn past a volatility ratio. Sends its bid; returns
    its ask.

    Centre: the mid moved by the change in public value (`_public_value`) since the maker's last
    quote, c = mid * exp(pv - anchor). Quotes are conditional expectations of value given public
    information (Glosten & Milgrom 1985), and the fast liquidity providers of large caps move
    them on market-wide and stock news before any order arrives (Brogaard, Hendershott & Riordan
    2014, RFS 27:2267); quoting around the mid alone let prices trail value for minutes (1-minute
    returns autocorrelated +0.3 at lag 1). Scenario news (the jumps that investors hear through
    the information network) is not in the centre: a maker learns it from the order flow, as the
    mid moves. In a call phase (which the pre-open is) and at its first quote, the centre is the
    mid.
    Spread: max(1, round(2 * half)) ticks, half = half_spread_bp of mid: large caps quote at
    one tick when the wanted spread is under a tick.

    Columns: half_spread_bp (of mid), widen (per unit of excess volatility ratio),
    inventory_limit (shares), withdraw_ratio (volatility ratio at which it withdraws).
    """
    book = ex[0]
    par = inv.par
    ratio = np.sqrt(mk.var[s] / mk.var_ref[s])
    half = mid * par[i, MM_HALF] * 1e-4 * (1.0 + par[i, MM_WIDEN] * max(0.0, ratio - 1.0))
    width = max(1, int(2.0 * half + 0.5))
    pv = _public_value(mk, s)
    c = mid
    if not call_phase and np.isfinite(inv.anchor[i]):
        c = mid * np.exp(pv - inv.anchor[i])
    inv.anchor[i] = pv
    lim = par[i, MM_LIMIT]
    skew = -pos / lim * 0.5 * width
    withdraw = mk.cfg[C_LIQUIDITY] > 0 and ratio > par[i, MM_WITHDRAW]
    bid = int(np.floor(c + skew - 0.5 * width + 0.5))
    ask = bid + width
    qb = size if (pos < lim and not withdraw) else 0
    _send(ex, inv, i, s, BUY, LIMIT, _clip_price(book, s, bid), qb, M_MM, t, BID_SLOT)
    qa = size if (pos > -lim and not withdraw) else 0
    return True, SELL, LIMIT, _clip_price(book, s, ask), qa, M_MM, ASK_SLOT


# ABIDES's RMSC04 agents (agents/population.py AbidesNoise ... AbidesMaker): read from ABIDES's
# public RMSC04 configuration and agents, written anew. Prices in ticks, as ABIDES's cents.


@njit(**LEAF)
def _abides_size(rs, scale):
    """An order size (shares) from RMSC04's order-size model, times `scale`; may be 0.

    The model is a mixture: weight 0.2 on a log-normal (mu 2.9, sigma 1.2), the rest on normals
    of sd 0.15 at 100, 200, ..., 1000 shares with weights 0.7, 0.06, 0.004, 0.0329, 0.001,
    0.0006, 0.0004, 0.0005, 0.0003, 0.0003, rounded to whole shares. A sd of 0.15 rounds to the
    centre but for 1 draw in 1,100, so the round lots are drawn exactly.
    """
    u = uniform(rs)
    if u < 0.2:
        x = np.exp(2.9 + 1.2 * normal(rs))
    else:
        u -= 0.2
        lot = 1
        for w in (0.7, 0.06, 0.004, 0.0329, 0.001, 0.0006, 0.0004, 0.0005, 0.0003):
            if u < w:
                break
            u -= w
            lot += 1
        x = 100.0 * lot
    return int(np.floor(x * scale + 0.5))


@njit(**LEAF)
def _abides_noise(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """RMSC04 noise agent: once a day, at its first look after its wake-up time, one limit at
    the opposite best (buy at the ask, sell at the bid), side 50/50; nothing if that side is
    empty. Columns: size (scale of the order-size model), wake_s (seconds into the session),
    done_day (the last day it traded; its state).
    """
    par = inv.par
    day = t // SESSION_SECONDS
    if call_phase or t - day * SESSION_SECONDS < par[i, AN_WAKE] or par[i, AN_DONE] >= day:
        return False, BUY, LIMIT, NONE, NONE, M_NOISE, BID_SLOT
    par[i, AN_DONE] = day
    rs = mk.rng
    buy = uniform(rs) < 0.5
    q = _abides_size(rs, par[i, P_SIZE])
    if buy and a > 0:
        return True, BUY, LIMIT, a, q, M_NOISE, BID_SLOT
    if not buy and b > 0:
        return True, SELL, LIMIT, b, q, M_NOISE, BID_SLOT
    return False, BUY, LIMIT, NONE, NONE, M_NOISE, BID_SLOT


@njit(**LEAF)
def _abides_value(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """RMSC04 value agent: replaces its order by one limit toward its estimate of the value at
    the close.

    It observes the fundamental (the loop's value path) with noise of sd obs_sd ticks; its
    filter (prior variance 0, shock variance 1e5 per ns in ABIDES) weights the newest
    observation 1 - 1e-14, so the estimate is the observation, shrunk toward r_bar by
    exp(-kappa * seconds to the close). At or above the mid (ABIDES's integer mid) it buys at
    the ask less an offset, else sells at the bid plus it; the offset is 0 with probability
    aggressive_prob, else uniform on whole ticks in [0, depth_spread * spread). With a side of
    the book empty, a random side at the estimate.
    """
    par = inv.par
    rs = mk.rng
    if call_phase:
        return False, BUY, LIMIT, NONE, NONE, M_VALUE, BID_SLOT
    obs = np.exp(mk.logv[s]) + par[i, AV_OBS] * normal(rs)
    close = (t // SESSION_SECONDS + 1) * SESSION_SECONDS
    rbar = par[i, AV_RBAR]
    est = int(np.floor(rbar + (obs - rbar) * np.exp(-par[i, AV_KAPPA] * (close - t)) + 0.5))
    if b > 0 and a > 0:
        imid = (a + b) // 2
        spread = a - b
        off = 0
        if not uniform(rs) < par[i, AV_AGGR]:
            off = int(uniform(rs) * int(par[i, AV_DEPTH] * spread))
        q = _abides_size(rs, par[i, P_SIZE])
        if est < imid:
            return True, SELL, LIMIT, _clip_price(book, s, b + off), q, M_VALUE, BID_SLOT
        return True, BUY, LIMIT, _clip_price(book, s, a - off), q, M_VALUE, BID_SLOT
    side = BUY if uniform(rs) < 0.5 else SELL
    q = _abides_size(rs, par[i, P_SIZE])
    return True, side, LIMIT, _clip_price(book, s, est), q, M_VALUE, BID_SLOT


@njit(**LEAF)
def _abides_momentum(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """RMSC04 momentum agent: records the mid (both sides quoted) in a fast and a slow average
    of its own observations; once it has seen more than slow_n, buys at the ask when the fast
    average is at or above the slow one, else sells at the bid.

    Columns: size (scale of the order-size model), fast_n and slow_n (observations averaged:
    exponential weights 2 / (n + 1), the simple averages' centre of mass), and its state
    ma_fast, ma_slow (ticks) and seen (mids observed). It never cancels: what an order leaves
    unfilled rests until the close.
    """
    par = inv.par
    if call_phase or not (b > 0 and a > 0):
        return False, BUY, LIMIT, NONE, NONE, M_MOMENTUM, BID_SLOT
    m = 0.5 * (a + b)
    n = par[i, AMO_SEEN] + 1.0
    par[i, AMO_SEEN] = n
    if n == 1.0:
        par[i, AMO_FAST] = m
        par[i, AMO_SLOW] = m
    else:
        par[i, AMO_FAST] += 2.0 / (par[i, AMO_FAST_N] + 1.0) * (m - par[i, AMO_FAST])
        par[i, AMO_SLOW] += 2.0 / (par[i, AMO_SLOW_N] + 1.0) * (m - par[i, AMO_SLOW])
    if n <= par[i, AMO_SLOW_N]:
        return False, BUY, LIMIT, NONE, NONE, M_MOMENTUM, BID_SLOT
    q = _abides_size(mk.rng, par[i, P_SIZE])
    inv.oid[i, BID_SLOT] = NO_ID  # the last order's rest stays in the book: ABIDES keeps it
    if par[i, AMO_FAST] >= par[i, AMO_SLOW]:
        return True, BUY, LIMIT, a, q, M_MOMENTUM, BID_SLOT
    return True, SELL, LIMIT, b, q, M_MOMENTUM, BID_SLOT


@njit(**LEAF)
def _abides_maker(ex, inv, mk, i, s, t, call_phase, mid, b, a, pos, size):
    """RMSC04 adaptive POV market maker (row i leads; rows i+1.. of size 0 are its levels):
    cancels its whole ladder, then posts one bid and one ask per row.

    Size: pov x the shares traded in stock s over the last 60 s (the tape holds this minute's
    fills: their volume is scaled to 60 s), at least the leader's size. Spread: an average of
    the quoted spread, weight spread_alpha on the newest (state in column `spread`, ticks).
    The inner bid is the skewed mid less floor(spread / 2), the inner ask it plus
    ceil(spread / 2); levels are round(level_spacing * spread) ticks apart, at least 1. The mid
    is skewed by price_skew ticks times the trade imbalance (2 buy volume / volume - 1, by the
    side of the incoming order). Nothing is sent in a call phase.
    """
    if call_phase:
        return
    book, tape = ex[0], ex[3]
    par = inv.par
    n = inv.kind.size
    legs = 1
    while i + legs < n and inv.kind[i + legs] == A_MAKER and par[i + legs, P_SIZE] == 0.0:
        legs += 1
    if b > 0 and a > 0:
        w = par[i, AMM_ALPHA]
        par[i, AMM_SPREAD] = w * (a - b) + (1.0 - w) * par[i, AMM_SPREAD]
        imid = (a + b) // 2
    else:  # ABIDES keeps its last mid; the loop's last mid is that
        imid = int(mid)
    t0 = t - t % 60  # the start of this minute
    buy_v = 0
    sell_v = 0
    rows = tape.rows
    for r in range(tape.n[0] - 1, -1, -1):
        if rows[r, TP_TIME] < t0:
            break
        if rows[r, TP_STOCK] == s:
            if rows[r, TP_TSIDE] == BUY:
                buy_v += rows[r, TP_QTY]
            else:
                sell_v += rows[r, TP_QTY]
    vol = (buy_v + sell_v) * 60.0 / (t - t0 + 1)
    q = max(int(par[i, P_SIZE]), int(np.rint(par[i, AMM_POV] * vol)))
    if buy_v + sell_v > 0:
        imid = int(imid + (2.0 * buy_v / (buy_v + sell_v) - 1.0) * par[i, AMM_SKEW])
    win = par[i, AMM_SPREAD]
    step = max(1, int(np.rint(par[i, AMM_SPACING] * win)))
    top_bid = imid - int(np.floor(0.5 * win))
    low_ask = imid + int(np.ceil(0.5 * win))
    # The whole ladder is cancelled before the new one goes out (as ABIDES does: a new level
    # could otherwise trade with an old one). One call site of the exchange: the matcher is
    # inlined there, and each copy costs compile time (a `_send` holds two).
    pool, acc, rules = ex[1], ex[2], ex[4]
    bs, lv, o, free, meta = book.bs, book.lv, pool.o, pool.free, pool.meta
    trows, tn, cash, shares, cfg, rs = tape.rows, tape.n, acc.cash, acc.shares, rules.cfg, rules.rs
    for k in range(4 * legs):
        j = i + (k >> 1) % legs
        slot = BID_SLOT if k & 1 == 0 else ASK_SLOT
        if k < 2 * legs:  # cancel the level's old order
            old = inv.oid[j, slot]
            if old < 0:
                continue
            inv.oid[j, slot] = NO_ID
            side, kind, p, qk = BUY, CANCEL, NONE, NONE
        else:
            lvl = j - i
            side, kind, qk = (BUY if slot == BID_SLOT else SELL), LIMIT, np.int64(q)
            p = _clip_price(book, s, top_bid - lvl * step if slot == BID_SLOT
                            else low_ask + lvl * step)
            old = NO_ID
        st, oid = X.order_arrays(bs, lv, o, free, meta, trows, tn, cash, shares, cfg, rs, s,
                                 side, kind, p, qk, M_MM, inv.acct[j], t, old)
        if kind == LIMIT and st == X.OK:
            inv.oid[j, slot] = oid


@njit(**LEAF)
def _decide(ex, inv, mk, i, t, call_phase):
    """Investor i decides at time t by its kind; at most one order leaves by the `_send` below."""
    k = inv.kind[i]
    if k == LEVERAGED or k == PASSIVE:
        _basket(ex, inv, mk, i, t, call_phase)
        return
    book = ex[0]
    acc = ex[2]
    s = inv.home[i]
    mid, b, a = _mid(book, s, mk)
    pos = acc.shares[inv.acct[i], s]
    size = max(1, int(inv.par[i, P_SIZE] * (0.5 + uniform(mk.rng))))
    if k == FUNDAMENTAL or k == THEME:  # a theme trader is a value trader with a theme view
        cap = _arb_cap(inv, mk, acc, i, s, mid, pos)
        if abs(pos) > cap and not call_phase and (b > 0 if pos > 0 else a > 0):
            # over its capital or risk limit: it must cut the position, whatever its view
            go, side, kind, price, motive, slot = True, SELL if pos > 0 else BUY, MARKET, NONE, \
                M_FORCED, BID_SLOT
            qty = min(size, int(abs(pos) - cap) + 1)
        else:
            go, side, kind, price, qty, motive, slot = _fundamental(
                book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size, cap)
    elif k == MOMENTUM:
        go, side, kind, price, qty, motive, slot = _momentum(
            book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
    elif k == NOISE:
        go, side, kind, price, qty, motive, slot = _noise(
            book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
    elif k == MAKER:
        go, side, kind, price, qty, motive, slot = _market_maker(
            ex, inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
    elif k == A_NOISE:
        go, side, kind, price, qty, motive, slot = _abides_noise(
            book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
    elif k == A_VALUE:
        go, side, kind, price, qty, motive, slot = _abides_value(
            book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
    elif k == A_MOMENTUM:
        go, side, kind, price, qty, motive, slot = _abides_momentum(
            book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
    elif k == A_MAKER:
        _abides_maker(ex, inv, mk, i, s, t, call_phase, mid, b, a, pos, size)
        return
    else:
        return
    if go:
        _send(ex, inv, i, s, side, kind, price, qty, motive, t, slot)


@njit(**LEAF)
def _basket(ex, inv, mk, i, t, call_phase):
    """Leveraged funds (forced pro-rata sales past their leverage limit) and passive flows."""
    if call_phase:
        return
    book = ex[0]
    acc = ex[2]
    me = inv.acct[i]
    ns = mk.logv.size
    lev = inv.kind[i] == LEVERAGED
    if lev:
        # leverage_limit (exposure / equity), sell_fraction: of every holding, sold when over.
        # Redemptions: its investors withdraw `redemption` of each dollar lost, so the equity
        # the limit applies to is E - redemption * max(0, E0 - E) (E0: inv.capital, cents)
        equity = float(acc.cash[me])
        expo = 0.0
        for s in range(ns):
            px = np.exp(mk.logp[s])
            equity += acc.shares[me, s] * px
            expo += abs(acc.shares[me, s]) * px
        equity -= inv.par[i, LV_REDEEM] * max(0.0, inv.capital[i] - equity)
        over = equity <= 0.0 or expo > inv.par[i, LV_LIMIT] * equity
        if not (over and mk.cfg[C_FIRE_SALE] > 0):
            return
    for s in range(ns):
        if lev:
            q = int(acc.shares[me, s] * inv.par[i, LV_SELL])
            side = SELL
            motive = M_FORCED
        else:
            # passive / sector ETF: f baskets of `size` cents per arrival, each stock by its
            # value weight w (w * size cents of it: shares at its mid); the sign of the flow
            # follows mk.flow (scenario shocks), the fund's own flow inv.fflow (investors
            # chasing its returns) plus noise (baseline creations and redemptions)
            w = inv.basket[i, s]
            if w <= 0.0:
                continue
            f = mk.flow[s] + inv.fflow[i] + (uniform(mk.rng) - 0.5) * mk.cfg[C_FLOW]
            q = int(abs(f) * w * inv.par[i, P_SIZE] / np.exp(mk.logp[s]) + 0.5)
            side = BUY if f > 0 else SELL
            motive = M_FLOW
        if q > 0 and (X.best_ask(book, s) > 0 if side == BUY else X.best_bid(book, s) > 0):
            _send(ex, inv, i, s, side, MARKET, NONE, q, motive, t, BID_SLOT)


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


@njit(**ENTRY)
def run_ticks(book, pool, acc, tape, rules, tob, inv, mk, t0, n_ticks, call_phase, clock_moves,
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
        m = poisson(mk.rng, lam)
        for _ in range(m):
            u = uniform(mk.rng) * lam
            g = 0
            while g < glast and (u >= inv.gw[g] or inv.gw[g] <= 0.0):
                u -= inv.gw[g]
                g += 1
            lo = inv.gstart[g]
            hi = inv.gstart[g + 1] - 1
            base = inv.cum[lo - 1] if lo > 0 else 0.0
            target = base + u * ((inv.cum[hi] - base) / inv.gw[g])
            # binary search: first investor of the group whose cumulative rate exceeds target
            while lo < hi:
                mid = (lo + hi) >> 1
                if inv.cum[mid] > target:
                    hi = mid
                else:
                    lo = mid + 1
            i = inv.order[lo]
            counts[0] += 1
            _decide(ex, inv, mk, i, t, call_phase)
        if clock_moves:
            _observe(book, mk)
    return DONE, n_ticks


@njit(**ENTRY)
def cohort_totals(kind, cash, shares, prices, wealth0, out):
    """Per investor kind: shares held (all stocks), cash and P&L since wealth0, into out[K, 3].

    `cash` in cents and `prices` in dollars; out in shares and dollars. Investor i is account i.
    """
    out[:, :] = 0.0
    for i in range(kind.size):
        k = kind[i]
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
