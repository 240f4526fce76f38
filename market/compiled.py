"""The exchange's face for compiled callers: what the agents' numba loop calls, order by order.

A caller compiled with `@njit(cache=True, _nrt=False)` passes the Exchange's state tuples
(`ex.book, ex.pool, ex.acc, ex.tape, ex.kr`) straight through, at no reference-counting cost.
`submit_one` = `advance_to` + `submit_now`; a caller sending many orders at one time advances
once and calls `submit_now` per order, which LLVM inlines to a single call of the matcher.
Before a batch of calls it must guarantee room: `room_ok` says whether the tape and the pool can
take `n_orders` more orders; if not, return to Python, let the Exchange grow them, and resume.
"""

from numba import njit

from . import _kernels as K

__all__ = ["submit_one", "advance_to", "submit_now", "room_ok", "best_bid", "best_ask", "OK",
           "OFF_GRID"]

OK = K.OK
OFF_GRID = K.OFF_GRID


@njit(**K.INL)
def advance_to(book, pool, acc, tape, rules, tob, t):
    """Bring the exchange's clock to time t (seconds): timers, top of book, LULD references.

    `tob` is the Exchange's top-of-book array (`ex.tob`), filled as the clock moves. A caller
    that sends many orders at one time calls this once, then `submit_now` for each order.
    """
    if t > rules.clock[K.C_NOW]:
        K._advance(book.bs, book.lv, pool.o, pool.free, pool.meta, tape.rows, tape.n, acc.cash,
                   acc.shares, rules.cfg, rules.rs, rules.ring, rules.clock, t, tob, rules.scratch)


@njit(**K.INL)
def submit_now(book, pool, acc, tape, rules, stock, side, kind, price, qty, motive, trader, t,
               cancel_id):
    """Process one order at the exchange's time t, which `advance_to` has reached; return
    (status, order id). The matcher is one compiled function (`_order`), called here."""
    return K._order(book.bs, book.lv, pool.o, pool.free, pool.meta, tape.rows, tape.n, acc.cash,
                    acc.shares, rules.cfg, rules.rs, stock, side, kind, price, qty, motive, trader,
                    t, cancel_id)


@njit(**K.HOT)
def submit_one(book, pool, acc, tape, rules, tob, stock, side, kind, price, qty, motive, trader, t,
               cancel_id):
    """Process one order at time t (seconds; >= the exchange clock); return (status, order id).

    Same semantics as one row of `Exchange.submit`; the caller has checked `room_ok`. A status
    of OFF_GRID means the limit price lies outside the stock's level window: nothing happened.
    """
    advance_to(book, pool, acc, tape, rules, tob, t)
    return submit_now(book, pool, acc, tape, rules, stock, side, kind, price, qty, motive, trader,
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
