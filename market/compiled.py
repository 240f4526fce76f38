"""The exchange's face for compiled callers: what the agents' numba loop calls, order by order.

A caller compiled with `@njit(cache=True, _nrt=False)` passes the Exchange's state tuples
(`ex.book, ex.pool, ex.acc, ex.tape, ex.kr`) straight through, at no reference-counting cost:
`submit_one` processes one order at time t. A caller sending many orders unpacks the tuples'
arrays once (in the order of `ARRAYS`), brings the clock to t with `advance_arrays` when
t > clock[C_NOW], then calls `order_arrays` for each order at that time. These two are the
kernels themselves, not wrappers: every wrapper is one more function for numba to compile and
one more copy of the matcher for LLVM to optimise.
Before a batch of calls it must guarantee room: `room_ok` says whether the tape and the pool can
take `n_orders` more orders; if not, return to Python, let the Exchange grow them, and resume.
"""

from numba import njit

from . import _kernels as K

__all__ = ["submit_one", "advance_arrays", "order_arrays", "ARRAYS", "C_NOW", "room_ok",
           "best_bid", "best_ask", "OK", "OFF_GRID", "SLOT_MASK"]

OK = K.OK
OFF_GRID = K.OFF_GRID
C_NOW = K.C_NOW
#: a live order id's row in the pool is ``order_id & SLOT_MASK`` (a caller may prefetch it)
SLOT_MASK = K.SLOT_MASK

#: the state arrays both take first, in this order (then advance_arrays: ring, clock, t, tob,
#: scratch; order_arrays: stock, side, kind, price, qty, motive, trader, t, cancel_id)
ARRAYS = ("book.bs", "book.lv", "pool.o", "pool.free", "pool.meta", "tape.rows", "tape.n",
          "acc.cash", "acc.shares", "rules.cfg", "rules.rs")
#: bring the clock to t, second by second: timers, top of book (`tob`), LULD references
advance_arrays = K._advance
#: process one validated order at the clock's time t; return (status, order id)
order_arrays = K._order


@njit(**K.ENTRY)
def submit_one(book, pool, acc, tape, rules, tob, stock, side, kind, price, qty, motive, trader, t,
               cancel_id):
    """Process one order at time t (seconds; >= the exchange clock); return (status, order id).

    Same semantics as one row of `Exchange.submit`; the caller has checked `room_ok`. A status
    of OFF_GRID means the limit price lies outside the stock's level window: nothing happened.
    """
    if t > rules.clock[K.C_NOW]:
        K._advance(book.bs, book.lv, pool.o, pool.free, pool.meta, tape.rows, tape.n, acc.cash,
                   acc.shares, rules.cfg, rules.rs, rules.ring, rules.clock, t, tob, rules.scratch)
    return K._order(book.bs, book.lv, pool.o, pool.free, pool.meta, tape.rows, tape.n, acc.cash,
                    acc.shares, rules.cfg, rules.rs, stock, side, kind, price, qty, motive, trader,
                    t, cancel_id)


@njit(**K.INL)
def room_ok(book, pool, tape, n_orders):
    """True when the tape can take every fill and the pool every resting order of n_orders more."""
    live = 0
    for s in range(book.bs.shape[0]):
        live += book.bs[s, K.NBID] + book.bs[s, K.NASK]
    return tape.n[0] + live + 2 * n_orders + 1 <= tape.rows.shape[0] and pool.meta[0] >= n_orders


@njit(**K.INL)
def best_bid(book, stock):
    """Best bid of a stock in ticks, 0 when there is none."""
    b = book.bs[stock, K.BBEST]
    return book.bs[stock, K.BASE] + b if b >= 0 else 0


@njit(**K.INL)
def best_ask(book, stock):
    """Best ask of a stock in ticks, 0 when there is none."""
    a = book.bs[stock, K.ABEST]
    return book.bs[stock, K.BASE] + a if a < book.bs[stock, K.NLEV] else 0
