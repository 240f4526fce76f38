"""Compiled order-book kernels: arrays in, arrays out. Private: `book.py`, `exchange.py` wrap them.

State is a few NamedTuples of numpy arrays (they cache on disk and pickle). Entry-point kernels
unpack them once and pass plain arrays to the inlined helpers below: reading a tuple field inside
a hot loop costs numba a reference-count round trip, about 6x the work of the queue operation.

- `Book`: `bs[S, 8]` per-stock columns (BASE price of level 0 in ticks, OFF first flat level, NLEV
  levels, BBEST best bid level or -1, ABEST best ask level or NLEV, NBID / NASK live orders) and
  `lv[L, 8]` levels flat across stocks: bid HEAD/TAIL slot and DEP shares in columns 0-2, the ask
  side's in 4-6. Bids and asks have their own columns so a book in a call phase may cross.
- `Pool`: `o[P, 8]`, one 64-byte row per slot (OID, TRADER, QTY, NXT, PRV, LVL, STOCK, SM =
  motive * 4 + side + 1); a level's queue is a doubly linked list of slots, oldest first, so FIFO
  within a level is the list order and cancel is O(1). `free` is a stack of free slots.
- `Accounts`: cash in cents per trader, shares per trader and stock.
- `Tape`: `rows[C, 11]` one fill per row (columns as TAPE_DTYPE) and `n[1]` fills written.
- `Rules`: `cfg` switches, `rs[S, 8]` per-stock rule state, `ring[S, 5]` minute closes, `clock`.

Invariants on return of every entry point: in continuous trading no book is crossed; a level's
DEP equals the sum of QTY over its queue; cash and shares summed over traders never change.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from . import _cache  # noqa: F401  (stamps every kernel cache with all kernel sources)
from .types import BAR

# columns of a bar (OHLCV_DTYPE), frozen into the kernels as constants
B_OPEN, B_HIGH, B_LOW, B_CLOSE, B_VOLUME, B_TRADES = (BAR.open, BAR.high, BAR.low, BAR.close,
                                                      BAR.volume, BAR.trades)

# Kernels that allocate nothing are compiled without numba's reference counting (`_nrt=False`):
# with it, every array handed to an inlined helper costs an atomic incref/decref pair inside the
# hot loop, which measured ~3x slower (142 vs 51 ns an order on the benchmark stream).
# Helpers are inlined by LLVM (`forceinline`: the function gets LLVM's alwaysinline), not by
# numba's IR inliner (`inline="always"`), which re-runs numba's front end on every copy: the same
# machine code at a fraction of the compile time. The matcher `_order` too: compiled once (one
# declared signature), inlined by LLVM where it is called (about 10% faster decisions).
# Only the entry points called from Python get numba's CPython wrapper (argument unboxing code,
# compiled per function): without it a helper compiles in about half the time.
ENTRY = dict(cache=True, _nrt=False)
HOT = dict(ENTRY, no_cpython_wrapper=True, no_cfunc_wrapper=True)
INL = dict(HOT, forceinline=True)

# Order kinds and sides as plain ints inside kernels (see types.OrderKind / types.Side).
LIMIT, MARKET, CANCEL, IOC = 0, 1, 2, 3
BUY, SELL = 1, -1

# Status codes of the batch kernels; a non-zero status names the row to resume from.
OK = 0
TAPE_FULL = 1  #: the tape may not hold the fills of the next row: grow it and resume
POOL_FULL = 2  #: no free slot for a resting order: grow the pool and resume
OFF_GRID = 3  #: a limit price outside the stock's level window: re-grid and resume
ID_LIVE = 4  #: (match_stream) an order id reused while that order is still live

#: Exchange order ids are (sequence << SLOT_BITS) | slot: a cancel finds its slot in O(1).
SLOT_BITS = 26
SLOT_MASK = (1 << SLOT_BITS) - 1

# Book.bs columns
BASE, OFF, NLEV, BBEST, ABEST, NBID, NASK = 0, 1, 2, 3, 4, 5, 6
# Book.lv columns (add 4 for the ask side)
HEAD, TAIL, DEP = 0, 1, 2
# Pool.o columns
OID, TRADER, QTY, NXT, PRV, LVL, STOCK, SM = 0, 1, 2, 3, 4, 5, 6, 7
# Tape.rows columns (same order as types.TAPE_DTYPE)
# The first four are TRADE_DTYPE's: match_stream's tape has only those.
(T_TAKER, T_MAKER, T_PRICE, T_QTY, T_TIME, T_STOCK, T_TSIDE, T_BMOT, T_SMOT, T_BUYER,
 T_SELLER) = range(11)
# Rules.rs columns
BAND_BP, REF, CALL, HALT_UNTIL, LIMIT_SINCE, LAST = 0, 1, 2, 3, 4, 5
# Rules.cfg entries
STP, LULD, WAIT, PAUSE = 0, 1, 2, 3
# Rules.clock entries: last time seen, start of the current day, top-of-book seconds recorded
C_NOW, C_DAY0, C_TOB = 0, 1, 2


class Book(NamedTuple):
    bs: np.ndarray  # int64[S, 8] per-stock columns BASE..NASK
    lv: np.ndarray  # int64[L, 8] level queues and depth, bids in 0-2, asks in 4-6


class Pool(NamedTuple):
    o: np.ndarray  # int64[P, 8] one row per slot, columns OID..SM; QTY 0 = slot free
    free: np.ndarray  # int64[P] stack of free slots; the top is free[meta[0] - 1]
    meta: np.ndarray  # int64[2]: [free slots on the stack, next order-id sequence]


class Accounts(NamedTuple):
    cash: np.ndarray  # int64[T] cents
    shares: np.ndarray  # int64[T, S]


class Tape(NamedTuple):
    rows: np.ndarray  # int64[C, 11] one fill per row, columns T_TAKER..T_SELLER (or [C, 4])
    n: np.ndarray  # int64[1] fills written


class Rules(NamedTuple):
    cfg: np.ndarray  # int64[4]: self-trade prevention, LULD on, limit-state wait (s), pause (s)
    rs: np.ndarray  # int64[S, 8]: band half-width (bp), reference (ticks; 0 = none yet), in call
    #   phase (pre-open, pause, halt: orders rest, nothing matches), pause end (-1 none),
    #   limit state start (-1 none), last trade price (ticks)
    ring: np.ndarray  # int64[S, 5] the last five minute closes, for the LULD reference
    clock: np.ndarray  # int64[3]: C_NOW, C_DAY0, C_TOB
    scratch: np.ndarray  # int64[2, max NLEV] work space of the auction


# ---------------------------------------------------------------------------------------------
# Queue primitives (plain arrays; inlined into the entry points)
# ---------------------------------------------------------------------------------------------


@njit(**INL)
def _side(o, slot):
    return (o[slot, SM] & 3) - 1


@njit(**INL)
def _col(side):
    """Column offset of a side's level columns: bids 0, asks 4."""
    return 0 if side == BUY else 4


@njit(**INL)
def _release(o, free, meta, slot):
    o[slot, QTY] = 0
    free[meta[0]] = slot
    meta[0] += 1


@njit(**INL)
def _rest(bs, lv, o, s, slot):
    """Append a live slot (its stock, side, level and qty set) at the tail of its level's queue."""
    lvl = o[slot, LVL]
    L = bs[s, OFF] + lvl
    sd = _side(o, slot)
    if sd == BUY:
        bs[s, NBID] += 1
        if lvl > bs[s, BBEST]:
            bs[s, BBEST] = lvl
    else:
        bs[s, NASK] += 1
        if lvl < bs[s, ABEST]:
            bs[s, ABEST] = lvl
    c = _col(sd)
    t = lv[L, c + TAIL]
    o[slot, NXT] = -1
    o[slot, PRV] = t
    if t == -1:
        lv[L, c + HEAD] = slot
    else:
        o[t, NXT] = slot
    lv[L, c + TAIL] = slot
    lv[L, c + DEP] += o[slot, QTY]


@njit(**INL)
def _unlink(bs, lv, o, slot):
    """Remove a live slot from its level's queue; keep the best levels exact. Does not free it."""
    s = o[slot, STOCK]
    lvl = o[slot, LVL]
    off = bs[s, OFF]
    L = off + lvl
    p = o[slot, PRV]
    n = o[slot, NXT]
    sd = _side(o, slot)
    c = _col(sd)
    if p == -1:
        lv[L, c + HEAD] = n
    else:
        o[p, NXT] = n
    if n == -1:
        lv[L, c + TAIL] = p
    else:
        o[n, PRV] = p
    lv[L, c + DEP] -= o[slot, QTY]
    if sd == BUY:
        bs[s, NBID] -= 1
        if n == -1 and p == -1 and lvl == bs[s, BBEST]:
            if bs[s, NBID] == 0:
                bs[s, BBEST] = -1
            else:
                b = lvl - 1
                while lv[off + b, HEAD] == -1:
                    b -= 1
                bs[s, BBEST] = b
    else:
        bs[s, NASK] -= 1
        if n == -1 and p == -1 and lvl == bs[s, ABEST]:
            if bs[s, NASK] == 0:
                bs[s, ABEST] = bs[s, NLEV]
            else:
                a = lvl + 1
                while lv[off + a, 4 + HEAD] == -1:
                    a += 1
                bs[s, ABEST] = a


@njit(**INL)
def _record(rows, tn, t, s, taker_side, price, q, buyer, seller, bmot, smot, taker, maker):
    """Write one fill; a 4-column tape keeps only taker, maker, price and qty."""
    k = tn[0]
    rows[k, T_TAKER] = taker
    rows[k, T_MAKER] = maker
    rows[k, T_PRICE] = price
    rows[k, T_QTY] = q
    if rows.shape[1] > 4:
        rows[k, T_TIME] = t
        rows[k, T_STOCK] = s
        rows[k, T_TSIDE] = taker_side
        rows[k, T_BMOT] = bmot
        rows[k, T_SMOT] = smot
        rows[k, T_BUYER] = buyer
        rows[k, T_SELLER] = seller
    tn[0] = k + 1


@njit(**INL)
def _settle(cash, shares, s, price, q, buyer, seller):
    v = price * q
    cash[buyer] -= v
    cash[seller] += v
    shares[buyer, s] += q
    shares[seller, s] -= q


@njit(**INL)
def _fill_maker(bs, lv, o, free, meta, c, L, m, f):
    """Take f shares off resting slot m (side columns at c, flat level L); free it when done."""
    if f == o[m, QTY]:
        _unlink(bs, lv, o, m)
        _release(o, free, meta, m)
    else:
        o[m, QTY] -= f
        lv[L, c + DEP] -= f


@njit(**INL)
def _new_slot(bs, lv, o, free, meta, s, oid, trader, side, lvl, qty, motive):
    """Pop a free slot, fill its row and queue it at its level. The caller checked one is free."""
    meta[0] -= 1
    slot = free[meta[0]]
    _fill_slot(bs, lv, o, s, slot, oid, trader, side, lvl, qty, motive)
    return slot


@njit(**INL)
def _fill_slot(bs, lv, o, s, slot, oid, trader, side, lvl, qty, motive):
    """Fill a taken slot's row and queue it at the tail of its level."""
    o[slot, OID] = oid
    o[slot, TRADER] = trader
    o[slot, QTY] = qty
    o[slot, LVL] = lvl
    o[slot, STOCK] = s
    o[slot, SM] = motive * 4 + side + 1
    _rest(bs, lv, o, s, slot)


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


@njit(**INL)
def _take(bs, lv, o, free, meta, rows, tn, cash, shares, rs, stp, s, side, lim, qty, oid, trader,
          motive, t, settle):
    """Match an incoming order against stock s's book up to level `lim`; return the unfilled qty.

    Fills happen at the resting order's price, oldest first within a level (price-time priority).
    With self-trade prevention (stp) a resting order of the same trader is cancelled, not filled.
    """
    rem = qty
    off = bs[s, OFF]
    base = bs[s, BASE]
    if side == BUY:
        while rem > 0:
            a = bs[s, ABEST]
            if a > lim or a >= bs[s, NLEV]:
                break
            L = off + a
            m = lv[L, 4 + HEAD]
            mt = o[m, TRADER]
            if stp != 0 and mt == trader:
                _unlink(bs, lv, o, m)
                _release(o, free, meta, m)
                continue
            f = min(rem, o[m, QTY])
            price = base + a
            if settle:
                _settle(cash, shares, s, price, f, trader, mt)
            _record(rows, tn, t, s, BUY, price, f, trader, mt, motive, o[m, SM] >> 2, oid,
                    o[m, OID])
            rem -= f
            rs[s, LAST] = price
            _fill_maker(bs, lv, o, free, meta, 4, L, m, f)
    else:
        while rem > 0:
            b = bs[s, BBEST]
            if b < lim or b < 0:
                break
            L = off + b
            m = lv[L, HEAD]
            mt = o[m, TRADER]
            if stp != 0 and mt == trader:
                _unlink(bs, lv, o, m)
                _release(o, free, meta, m)
                continue
            f = min(rem, o[m, QTY])
            price = base + b
            if settle:
                _settle(cash, shares, s, price, f, mt, trader)
            _record(rows, tn, t, s, SELL, price, f, mt, trader, o[m, SM] >> 2, motive, oid,
                    o[m, OID])
            rem -= f
            rs[s, LAST] = price
            _fill_maker(bs, lv, o, free, meta, 0, L, m, f)
    return rem


@njit(**INL)
def _band(cfg, rs, s):
    """(low, high) price band in ticks for stock s; (0, huge) when bands are off or unset."""
    r = rs[s, REF]
    if cfg[LULD] == 0 or r <= 0:
        return 0, 1 << 62
    w = (r * rs[s, BAND_BP]) // 10000
    return r - w, r + w


@njit(**INL)
def _clamp_to_band(bs, cfg, rs, s, side, lim):
    """Reprice a buy above the upper band (a sell below the lower band) to the band, LULD-style."""
    if cfg[LULD] == 0 or rs[s, REF] <= 0:
        return lim
    lo, hi = _band(cfg, rs, s)
    if side == BUY:
        h = hi - bs[s, BASE]
        return lim if lim < h else h
    lo_l = lo - bs[s, BASE]
    return lim if lim > lo_l else lo_l


@njit(**HOT)
def _check_limit_state(bs, cfg, rs, s, t):
    """LULD: a book pinned at a band for cfg[WAIT] seconds enters a pause of cfg[PAUSE] seconds."""
    if cfg[LULD] == 0 or rs[s, REF] <= 0 or rs[s, CALL] != 0:
        return
    lo, hi = _band(cfg, rs, s)
    base = bs[s, BASE]
    pinned = (bs[s, ABEST] < bs[s, NLEV] and base + bs[s, ABEST] <= lo) or (
        bs[s, BBEST] >= 0 and base + bs[s, BBEST] >= hi
    )
    if not pinned:
        rs[s, LIMIT_SINCE] = -1
    elif rs[s, LIMIT_SINCE] < 0:
        rs[s, LIMIT_SINCE] = t
    elif t - rs[s, LIMIT_SINCE] >= cfg[WAIT]:
        rs[s, CALL] = 1
        rs[s, HALT_UNTIL] = t + cfg[PAUSE]
        rs[s, LIMIT_SINCE] = -1


# numba compiles a function once per distinct tuple of argument types, and a constant argument
# (`submit_one(..., 1, 2, 0, ...)`) is typed by its value (Literal[int](1)): without a declared
# signature every call site of the agents' loop compiled its own copy of the matcher, 18 in all
# at about 15 s each (a cold start of over four minutes). One declared signature, one compile;
# callers' int8 columns and constants convert to int64.
_A1, _A2 = "int64[::1]", "int64[:, ::1]"
ORDER_SIG = (f"({_A2}, {_A2}, {_A2}, {_A1}, {_A1}, {_A2}, {_A1}, {_A1}, {_A2}, {_A1}, {_A2}, "
             + ", ".join(["int64"] * 9) + ")")


@njit(ORDER_SIG, **INL)
def _order(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, s, side, kind, price, qty,
           motive, trader, t, cancel_id):
    """Process one validated order; return (status, order id).

    The caller guarantees tape room for every fill the order can make and a free pool slot.
    A CANCEL names its order by `cancel_id`. A LIMIT takes its slot (and so its id) before it
    matches, so the id on the tape is the id it rests under; MARKET and IOC ids carry no slot.
    In a call phase limits queue without matching (the book may cross until the auction) and
    market and IOC orders find nothing.
    """
    if kind == CANCEL:
        slot = cancel_id & SLOT_MASK
        if cancel_id >= 0 and slot < o.shape[0] and o[slot, QTY] > 0 and o[slot, OID] == cancel_id:
            _unlink(bs, lv, o, slot)
            _release(o, free, meta, slot)
        return OK, cancel_id
    if kind == MARKET:
        lim = bs[s, NLEV] - 1 if side == BUY else 0
    else:
        lim = price - bs[s, BASE]
        if lim < 0 or lim >= bs[s, NLEV]:
            return OFF_GRID, -1
    seq = meta[1]
    meta[1] = seq + 1
    oid = seq << SLOT_BITS
    slot = -1
    if kind == LIMIT:
        meta[0] -= 1
        slot = free[meta[0]]
        oid = oid | slot
    if rs[s, CALL] != 0:
        rem = qty
    else:
        lim = _clamp_to_band(bs, cfg, rs, s, side, lim)
        rem = _take(bs, lv, o, free, meta, rows, tn, cash, shares, rs, cfg[STP], s, side, lim, qty,
                    oid, trader, motive, t, True)
    if slot >= 0:
        if rem > 0:
            _fill_slot(bs, lv, o, s, slot, oid, trader, side, lim, rem, motive)
        else:
            free[meta[0]] = slot
            meta[0] += 1
    if cfg[LULD] != 0:
        _check_limit_state(bs, cfg, rs, s, t)
    return OK, oid


# ---------------------------------------------------------------------------------------------
# Call auction
# ---------------------------------------------------------------------------------------------


@njit(**HOT)
def _uncross_level(bs, lv, s, ref, buy, sell):
    """Auction price level of stock s, or -1 when nothing crosses.

    The price maximises executed volume; ties go to the smaller imbalance |buy - sell|, then to
    market pressure (a sell surplus takes the lowest such price, a buy surplus the highest, as
    in Xetra's and Euronext's auctions: an order book full of sellers does not open at
    yesterday's price just because no one bids in between), then to the level nearest the
    reference price `ref` (ticks), then to the lower price. In one key, minimised:
    (-volume, imbalance, pressure, distance to ref, price), pressure = price under a sell
    surplus, -price under a buy surplus, 0 when balanced. `buy` and `sell` are scratch arrays of
    at least NLEV entries.
    """
    a0 = bs[s, ABEST]
    b0 = bs[s, BBEST]
    if b0 < 0 or a0 >= bs[s, NLEV] or a0 > b0:
        return -1
    off = bs[s, OFF]
    n = b0 - a0 + 1
    # scratch: buy[k] shares bid at or above level a0 + k, sell[k] offered at or below it
    acc = 0
    for k in range(n - 1, -1, -1):
        acc += lv[off + a0 + k, DEP]
        buy[k] = acc
    acc = 0
    for k in range(n):
        acc += lv[off + a0 + k, 4 + DEP]
        sell[k] = acc
    best = -1
    bv = 0
    bimb = 0
    bpress = 0
    bdist = 0
    refl = ref - bs[s, BASE]
    for k in range(n):
        v = min(buy[k], sell[k])
        if v <= 0 or v < bv:
            continue
        imb = abs(buy[k] - sell[k])
        lvl = a0 + k
        press = lvl + 1 if sell[k] > buy[k] else (-lvl - 1 if buy[k] > sell[k] else 0)
        dist = abs(lvl - refl)
        if (v > bv or imb < bimb or (imb == bimb and (press < bpress or (
                press == bpress and dist < bdist)))):
            best, bv, bimb, bpress, bdist = lvl, v, imb, press, dist
    return best


@njit(**HOT)
def _uncross(bs, lv, o, free, meta, rows, tn, cash, shares, rs, s, t, ref, scratch):
    """Run the call auction of stock s at time t; return the auction price (ticks) or -1.

    Bids from the highest level down and asks from the lowest level up are paired in price-time
    priority and all fill at the one auction price. On return no executable order remains on both
    sides, so the book is not crossed. The caller guarantees tape room for NBID + NASK fills.
    """
    lvl = _uncross_level(bs, lv, s, ref, scratch[0], scratch[1])
    if lvl < 0:
        return -1
    off = bs[s, OFF]
    price = bs[s, BASE] + lvl
    while bs[s, BBEST] >= lvl and bs[s, ABEST] <= lvl:
        Lb = off + bs[s, BBEST]
        La = off + bs[s, ABEST]
        b = lv[Lb, HEAD]
        a = lv[La, 4 + HEAD]
        f = min(o[b, QTY], o[a, QTY])
        buyer = o[b, TRADER]
        seller = o[a, TRADER]
        _settle(cash, shares, s, price, f, buyer, seller)
        _record(rows, tn, t, s, 0, price, f, buyer, seller, o[b, SM] >> 2, o[a, SM] >> 2,
                o[b, OID], o[a, OID])
        _fill_maker(bs, lv, o, free, meta, 0, Lb, b, f)
        _fill_maker(bs, lv, o, free, meta, 4, La, a, f)
    rs[s, LAST] = price
    return price


@njit(**HOT)
def _open_stock(bs, lv, o, free, meta, rows, tn, cash, shares, rs, ring, s, t, ref, scratch):
    """End stock s's call phase with an auction at time t; reset its band to the new price."""
    p = _uncross(bs, lv, o, free, meta, rows, tn, cash, shares, rs, s, t, ref, scratch)
    rs[s, CALL] = 0
    rs[s, HALT_UNTIL] = -1
    rs[s, LIMIT_SINCE] = -1
    now = p if p > 0 else (rs[s, LAST] if rs[s, LAST] > 0 else ref)
    rs[s, REF] = now
    ring[s, :] = now
    return p


# ---------------------------------------------------------------------------------------------
# Time: top of book per second, minute reference prices, end of pauses
# ---------------------------------------------------------------------------------------------


@njit(**HOT)
def _roll_reference(rs, ring):
    """At a minute boundary: the LULD reference becomes the mean of the last five minute closes."""
    w = ring.shape[1]
    for s in range(rs.shape[0]):
        if rs[s, LAST] > 0 and rs[s, CALL] == 0:
            acc = 0
            for j in range(w - 1):
                ring[s, j] = ring[s, j + 1]
                acc += ring[s, j]
            ring[s, w - 1] = rs[s, LAST]
            rs[s, REF] = (acc + rs[s, LAST]) // w


@njit(**HOT)
def _timers(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, ring, now, scratch):
    """At second `now`: start the pause of a limit state that has lasted cfg[WAIT] seconds (it
    starts at that second) and reopen, by auction, books whose pause ends now."""
    for s in range(bs.shape[0]):
        if rs[s, HALT_UNTIL] >= 0:
            if now >= rs[s, HALT_UNTIL]:
                _open_stock(bs, lv, o, free, meta, rows, tn, cash, shares, rs, ring, s, now,
                            rs[s, REF], scratch)
        elif rs[s, LIMIT_SINCE] >= 0 and cfg[LULD] != 0 and rs[s, CALL] == 0:
            start = rs[s, LIMIT_SINCE] + cfg[WAIT]
            if now >= start:
                rs[s, CALL] = 1
                rs[s, HALT_UNTIL] = start + cfg[PAUSE]
                rs[s, LIMIT_SINCE] = -1
                if now >= rs[s, HALT_UNTIL]:
                    _open_stock(bs, lv, o, free, meta, rows, tn, cash, shares, rs, ring, s, now,
                                rs[s, REF], scratch)


@njit(**HOT)
def _advance(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, ring, clock, t, tob, scratch):
    """Bring the exchange's clock to time t (seconds since the first open), second by second.

    Each second of the day before t: LULD timers fire (a pause starts 15 s after the book pinned
    at its band and ends, by auction, at its exact second), top of book is recorded
    (`tob[S, 2, seconds]`, ticks, 0 for an empty side), and at each minute boundary the LULD
    reference rolls. Then the timers due at t itself. Needs tape room for every live order.
    """
    ns = bs.shape[0]
    day0 = clock[C_DAY0]
    before = clock[C_NOW]  # timers up to this second have fired
    k = clock[C_TOB]
    stop = min(t - day0, tob.shape[2])
    while k < stop:
        if day0 + k > before:
            _timers(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, ring, day0 + k,
                    scratch)
        for s in range(ns):
            tob[s, 0, k] = bs[s, BASE] + bs[s, BBEST] if bs[s, BBEST] >= 0 else 0
            tob[s, 1, k] = bs[s, BASE] + bs[s, ABEST] if bs[s, ABEST] < bs[s, NLEV] else 0
        k += 1
        if k % 60 == 0:
            _roll_reference(rs, ring)
    if stop > clock[C_TOB]:
        clock[C_TOB] = stop
    if t <= before:
        return
    clock[C_NOW] = t
    _timers(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, ring, t, scratch)


@njit(**ENTRY)
def submit_batch(book, pool, acc, tape, rules, side, kind, price, qty, trader, stock, motive, time,
                 ids, start, tob):
    """Process validated order rows start.. in order; return (status, row to resume from).

    `ids` holds the id a cancel names on input; on output each row's order id. Returns at the
    first row that needs the caller to grow the tape or the pool, or to re-grid a book; the
    caller fixes that and calls again from that row.
    """
    bs, lv = book.bs, book.lv
    o, free, meta = pool.o, pool.free, pool.meta
    cash, shares = acc.cash, acc.shares
    rows, tn = tape.rows, tape.n
    cfg, rs, ring, clock, scratch = rules.cfg, rules.rs, rules.ring, rules.clock, rules.scratch
    cap = rows.shape[0]
    n = side.size
    for i in range(start, n):
        s = stock[i]
        t = time[i]
        k = kind[i]
        if t > clock[C_NOW]:
            live = 0
            for j in range(bs.shape[0]):
                live += bs[j, NBID] + bs[j, NASK]
            if tn[0] + live + 1 > cap:
                return TAPE_FULL, i
            _advance(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, ring, clock, t, tob,
                     scratch)
        if k != CANCEL:
            opp = bs[s, NASK] if side[i] == BUY else bs[s, NBID]
            if tn[0] + opp + 1 > cap:
                return TAPE_FULL, i
            if k == LIMIT and meta[0] == 0:
                return POOL_FULL, i
        st, oid = _order(bs, lv, o, free, meta, rows, tn, cash, shares, cfg, rs, s, side[i], k,
                         price[i], qty[i], motive[i], trader[i], t, ids[i])
        if st != OK:
            return st, i
        ids[i] = oid
    return OK, n


@njit(**ENTRY)
def advance(book, pool, acc, tape, rules, t, tob):
    """Bring the clock to t with no order (see `_advance`); TAPE_FULL if an auction may not fit."""
    bs = book.bs
    live = 0
    for j in range(bs.shape[0]):
        live += bs[j, NBID] + bs[j, NASK]
    if tape.n[0] + live + 1 > tape.rows.shape[0]:
        return TAPE_FULL
    _advance(bs, book.lv, pool.o, pool.free, pool.meta, tape.rows, tape.n, acc.cash, acc.shares,
             rules.cfg, rules.rs, rules.ring, rules.clock, t, tob, rules.scratch)
    return OK


@njit(**ENTRY)
def open_stocks(book, pool, acc, tape, rules, stocks, t, refs, out):
    """Auction each stock in `stocks` at time t and end its call phase; out[i] = price or -1.

    The caller guarantees tape room for every live order of those stocks.
    """
    for i in range(stocks.size):
        out[i] = _open_stock(book.bs, book.lv, pool.o, pool.free, pool.meta, tape.rows, tape.n,
                             acc.cash, acc.shares, rules.rs, rules.ring, stocks[i], t, refs[i],
                             rules.scratch)


# ---------------------------------------------------------------------------------------------
# match_stream: one book, the caller's ids, no accounts
# ---------------------------------------------------------------------------------------------

# field codes of the first invalid row found by `scan_stream`
F_KIND, F_SIDE, F_QTY, F_PRICE = 1, 2, 3, 4


@njit(**ENTRY)
def scan_stream(ids, side, kind, price, qty, out):
    """Validate rows and find value ranges in one pass; out = [bad row, field code, id lo, id hi,
    price lo, price hi] (bad row -1 when all rows are valid; prices only over LIMIT/IOC rows)."""
    n = ids.size
    out[0] = -1
    out[1] = 0
    ilo = 1 << 62
    ihi = -(1 << 62)
    plo = 1 << 62
    phi = -(1 << 62)
    for i in range(n):
        k = kind[i]
        if k < 0 or k > 3:
            out[0], out[1] = i, F_KIND
            return
        d = ids[i]
        ilo = min(ilo, d)
        ihi = max(ihi, d)
        if k == CANCEL:
            continue
        if side[i] != BUY and side[i] != SELL:
            out[0], out[1] = i, F_SIDE
            return
        if qty[i] <= 0:
            out[0], out[1] = i, F_QTY
            return
        if k == LIMIT or k == IOC:
            p = price[i]
            if p < 1:
                out[0], out[1] = i, F_PRICE
                return
            plo = min(plo, p)
            phi = max(phi, p)
    out[2], out[3], out[4], out[5] = ilo, ihi, plo, phi


F_STOCK, F_TRADER, F_TIME, F_REACH = 5, 6, 7, 8


@njit(**ENTRY)
def scan_exchange(side, kind, price, qty, trader, stock, time, n_stocks, n_traders, now, plo, phi,
                  out):
    """Validate Exchange rows in one pass; out = [first bad row or -1, field code].

    A LIMIT or IOC price must lie in [plo[s], phi[s]], the prices the stock's level window can
    reach (F_REACH otherwise), so that no batch is refused half-applied.
    """
    out[0] = -1
    out[1] = 0
    prev = now
    for i in range(side.size):
        k = kind[i]
        code = 0
        if k < 0 or k > 3:
            code = F_KIND
        elif stock[i] < 0 or stock[i] >= n_stocks:
            code = F_STOCK
        elif time[i] < prev:
            code = F_TIME
        elif k != CANCEL:
            if side[i] != BUY and side[i] != SELL:
                code = F_SIDE
            elif qty[i] <= 0:
                code = F_QTY
            elif (k == LIMIT or k == IOC) and price[i] < 1:
                code = F_PRICE
            elif (k == LIMIT or k == IOC) and (price[i] < plo[stock[i]] or
                                               price[i] > phi[stock[i]]):
                code = F_REACH
            elif trader[i] < 0 or trader[i] >= n_traders:
                code = F_TRADER
        if code != 0:
            out[0] = i
            out[1] = code
            return
        prev = time[i]


@njit(**ENTRY)
def match_stream_kernel(book, pool, tape, ids, side, kind, price, qty, id_lo, id_map, price_lo,
                        price_map, id_slot, acc, rs):
    """Replay validated rows into stock 0's empty book.

    A row's dense id is `id_map[i]` when id_map is not empty, else ids[i] - id_lo; its level is
    `price_map[i]` or price[i] - price_lo likewise. Pool rows hold dense ids in OID and
    `id_slot` maps a dense id to the slot of its latest resting order, so a cancel is O(1).
    Returns (status, row): OK with row = n, or ID_LIVE at the first row that reuses the id of a
    live order. The 4-column tape gets dense ids in TAKER/MAKER and levels in PRICE. `acc` and
    `rs` are work space (one trader, one stock): nothing settles and no rule applies.
    """
    bs, lv = book.bs, book.lv
    o, free, meta = pool.o, pool.free, pool.meta
    rows, tn = tape.rows, tape.n
    nlev = bs[0, NLEV]
    mapped_ids = id_map.size > 0
    mapped_prices = price_map.size > 0
    n = side.size
    for i in range(n):
        k = kind[i]
        d = id_map[i] if mapped_ids else ids[i] - id_lo
        sl = id_slot[d]
        live = sl >= 0 and o[sl, QTY] > 0 and o[sl, OID] == d
        if k == CANCEL:
            if live:
                _unlink(bs, lv, o, sl)
                _release(o, free, meta, sl)
            continue
        if live:
            return ID_LIVE, i
        sd = side[i]
        if k == MARKET:
            lim = nlev - 1 if sd == BUY else 0
        else:
            lim = price_map[i] if mapped_prices else price[i] - price_lo
        rem = _take(bs, lv, o, free, meta, rows, tn, acc.cash, acc.shares, rs, 0, 0, sd, lim,
                    qty[i], d, 0, 0, 0, False)
        if rem > 0 and k == LIMIT:
            id_slot[d] = _new_slot(bs, lv, o, free, meta, 0, d, 0, sd, lim, rem, 0)
    return OK, n


@njit(**ENTRY)
def minute_bar(rows, n, last_close, bar, motive_volume):
    """Fold fills 0..n of the tape into one minute's bars and volume by motive, per stock.

    `bar[S, 6]` gets open, high, low, close, volume, trades (ticks, shares; a stock with no fill
    gets last_close[s] four times and zeros); `motive_volume[S, M, 2]` adds each fill's shares at
    (stock, buyer's motive, 0) and (stock, seller's motive, 1). Fills are in time order: a stock's
    first fill opens its bar and its last closes it (the rule of exchange.bars_from_tape).
    """
    ns = bar.shape[0]
    for s in range(ns):
        bar[s, B_OPEN] = -1
        bar[s, B_VOLUME] = 0
        bar[s, B_TRADES] = 0
    for r in range(n):
        s = rows[r, T_STOCK]
        p = rows[r, T_PRICE]
        q = rows[r, T_QTY]
        if bar[s, B_TRADES] == 0:
            bar[s, B_OPEN] = p
            bar[s, B_HIGH] = p
            bar[s, B_LOW] = p
        else:
            bar[s, B_HIGH] = max(bar[s, B_HIGH], p)
            bar[s, B_LOW] = min(bar[s, B_LOW], p)
        bar[s, B_CLOSE] = p
        bar[s, B_VOLUME] += q
        bar[s, B_TRADES] += 1
        motive_volume[s, rows[r, T_BMOT], 0] += q
        motive_volume[s, rows[r, T_SMOT], 1] += q
    for s in range(ns):
        if bar[s, B_TRADES] == 0:
            bar[s, B_OPEN] = bar[s, B_HIGH] = bar[s, B_LOW] = bar[s, B_CLOSE] = last_close[s]


@njit(**ENTRY)
def cancel_live(book, pool):
    """Cancel every resting order, in slot order; return how many (no fill, nothing on the tape).

    The same as a batch of CANCEL rows naming the live orders in ascending slot order.
    """
    bs, lv = book.bs, book.lv
    o, free, meta = pool.o, pool.free, pool.meta
    n = 0
    for slot in range(o.shape[0]):
        if o[slot, QTY] > 0:
            _unlink(bs, lv, o, slot)
            _release(o, free, meta, slot)
            n += 1
    return n
