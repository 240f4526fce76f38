"""Allocation and growth of the kernels' state tuples. Sizes in levels, slots, traders and fills."""

import numpy as np

from . import _kernels as K
from ._kernels import Accounts, Book, Pool, Rules, Tape
from .types import TAPE_DTYPE

__all__ = [
    "new_book",
    "regrid_book",
    "new_pool",
    "grow_pool",
    "new_accounts",
    "new_tape",
    "grow_tape",
    "tape_records",
    "new_rules",
]


def new_book(base, nlev) -> Book:
    """Empty books: stock s covers prices base[s] .. base[s] + nlev[s] - 1 (ticks)."""
    base = np.asarray(base, np.int64)
    nlev = np.asarray(nlev, np.int64)
    bs = np.zeros((base.size, 8), np.int64)
    bs[:, K.BASE] = base
    bs[:, K.NLEV] = nlev
    bs[1:, K.OFF] = np.cumsum(nlev)[:-1]
    bs[:, K.BBEST] = -1
    bs[:, K.ABEST] = nlev
    lv = np.zeros((int(nlev.sum()), 8), np.int64)
    lv[:, [K.HEAD, K.TAIL, 4 + K.HEAD, 4 + K.TAIL]] = -1
    return Book(bs=bs, lv=lv)


def regrid_book(book: Book, pool: Pool, stock: int, base: int, nlev: int) -> Book:
    """The same books with stock `stock`'s window moved to base .. base + nlev - 1 (ticks).

    Every resting order of that stock must lie inside the new window; their levels are rewritten.
    """
    bs = book.bs.copy()
    old_base, old_n = int(bs[stock, K.BASE]), int(bs[stock, K.NLEV])
    shift = old_base - int(base)
    live = (pool.o[:, K.QTY] > 0) & (pool.o[:, K.STOCK] == stock)
    new_lvl = pool.o[live, K.LVL] + shift
    if new_lvl.size and (new_lvl.min() < 0 or new_lvl.max() >= nlev):
        raise ValueError("regrid_book: the new window must hold every resting order")
    pool.o[live, K.LVL] = new_lvl
    nl = bs[:, K.NLEV].copy()
    nl[stock] = nlev
    bs[:, K.OFF] = 0
    bs[1:, K.OFF] = np.cumsum(nl)[:-1]
    lv = np.zeros((int(nl.sum()), 8), np.int64)
    lv[:, [K.HEAD, K.TAIL, 4 + K.HEAD, 4 + K.TAIL]] = -1
    for s in range(bs.shape[0]):
        src = book.lv[book.bs[s, K.OFF] : book.bs[s, K.OFF] + book.bs[s, K.NLEV]]
        dst0 = bs[s, K.OFF]
        if s != stock:
            lv[dst0 : dst0 + nl[s]] = src
            continue
        a = max(0, -shift)  # first old level that lands inside
        b = min(old_n, nlev - shift)
        if b > a:
            lv[dst0 + a + shift : dst0 + b + shift] = src[a:b]
    bs[stock, K.BASE] = base
    bs[stock, K.NLEV] = nlev
    bb, ab = book.bs[stock, K.BBEST], book.bs[stock, K.ABEST]
    bs[stock, K.BBEST] = bb + shift if bb >= 0 else -1
    bs[stock, K.ABEST] = ab + shift if ab < old_n else nlev
    return Book(bs=bs, lv=lv)


def new_pool(capacity: int) -> Pool:
    """An order pool of `capacity` slots, all free (slot 0 is handed out first)."""
    p = max(int(capacity), 1)
    return Pool(
        o=np.zeros((p, 8), np.int64),
        free=np.arange(p - 1, -1, -1, dtype=np.int64),
        meta=np.array([p, 0], np.int64),
    )


def grow_pool(pl: Pool, capacity: int) -> Pool:
    """The same pool with room for `capacity` slots; the new slots go on the free stack."""
    old = pl.o.shape[0]
    capacity = int(capacity)
    if capacity <= old:
        return pl
    nfree = int(pl.meta[0])
    o = np.zeros((capacity, 8), np.int64)
    o[:old] = pl.o
    # the stack pops from its top: the new slots below, the old free ones above
    new_slots = np.arange(capacity - 1, old - 1, -1, dtype=np.int64)
    free = np.zeros(capacity, np.int64)
    free[: new_slots.size] = new_slots
    free[new_slots.size : new_slots.size + nfree] = pl.free[:nfree]
    return Pool(o=o, free=free, meta=np.array([nfree + new_slots.size, pl.meta[1]], np.int64))


def new_accounts(n_traders: int, n_stocks: int) -> Accounts:
    """Accounts of `n_traders` traders with no cash (cents) and no shares of `n_stocks` stocks."""
    return Accounts(
        cash=np.zeros(int(n_traders), np.int64),
        shares=np.zeros((int(n_traders), int(n_stocks)), np.int64),
    )


def new_tape(capacity: int, columns: int = 11) -> Tape:
    """An empty tape. np.empty, not zeros: pages are touched only as fills are written."""
    return Tape(rows=np.empty((max(int(capacity), 16), columns), np.int64), n=np.zeros(1, np.int64))


def grow_tape(tp: Tape, capacity: int) -> Tape:
    """A tape with room for `capacity` fills holding the fills already written."""
    if capacity <= tp.rows.shape[0]:
        return tp
    new = new_tape(capacity, tp.rows.shape[1])
    k = int(tp.n[0])
    new.rows[:k] = tp.rows[:k]
    new.n[0] = k
    return new


def tape_records(tp: Tape, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Fills start..stop of the tape as a TAPE_DTYPE structured array."""
    stop = int(tp.n[0]) if stop is None else stop
    return np.ascontiguousarray(tp.rows[start:stop]).view(TAPE_DTYPE)[:, 0]


def new_rules(n_stocks: int, *, stp=False, luld=False, luld_wait=15, luld_pause=300,
              band_bp=500, max_levels=16) -> Rules:
    """Market rules' state for `n_stocks` stocks: self-trade prevention, limit-up/limit-down
    (wait and pause in seconds, band in basis points) and the widest book window (levels)."""
    s = int(n_stocks)
    rs = np.zeros((s, 8), np.int64)
    rs[:, K.BAND_BP] = band_bp
    rs[:, K.HALT_UNTIL] = -1
    rs[:, K.LIMIT_SINCE] = -1
    return Rules(
        cfg=np.array([int(bool(stp)), int(bool(luld)), int(luld_wait), int(luld_pause)], np.int64),
        rs=rs,
        ring=np.zeros((s, 5), np.int64),
        clock=np.zeros(3, np.int64),
        scratch=np.zeros((2, int(max_levels)), np.int64),
    )
