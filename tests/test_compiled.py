"""`market.compiled`: a compiled caller submitting order by order gets what Exchange.submit gets."""

import numpy as np
from numba import njit

from market import Exchange, MarketRules
from market.compiled import OK, best_ask, best_bid, room_ok, submit_one
from market.streams import random_stream


@njit(cache=True, _nrt=False)
def _replay(book, pool, acc, tape, rules, tob, stock, side, kind, price, qty, trader, time, ids,
            out_ids, tops):
    for i in range(side.size):
        if not room_ok(book, pool, tape, 1):
            return i
        cid = out_ids[ids[i]] if kind[i] == 2 and ids[i] >= 0 else -1
        st, oid = submit_one(book, pool, acc, tape, rules, tob, stock[i], side[i], kind[i],
                             price[i], qty[i], 3, trader[i], time[i], cid)
        if st != OK:
            return -i - 1
        out_ids[i] = oid
        tops[i, 0] = best_bid(book, stock[i])
        tops[i, 1] = best_ask(book, stock[i])
    return side.size


def _fresh():
    ex = Exchange(np.full(3, 10_000), 20, MarketRules(auctions=False, luld=False,
                                                       circuit_breaker=False),
                  pool_capacity=1 << 14, tape_capacity=1 << 16)
    ex.start_day(0)
    return ex


def test_compiled_submission_matches_exchange_submit():
    stream = random_stream(3000, 7, n_stocks=3, n_traders=20)
    # reference: the Python face, one call; cancels name the exchange's ids of earlier rows
    ref = _fresh()
    ref_ids = np.zeros(stream.size, np.int64)
    for i in range(stream.size):
        row = stream[i : i + 1].copy()
        if row["kind"][0] == 2 and row["id"][0] >= 0:
            row["id"] = ref_ids[row["id"][0]]
        row["motive"] = 3
        ref_ids[i] = ref.submit(row)[0]
    ex = _fresh()
    cols = [np.ascontiguousarray(stream[f]) for f in
            ("stock", "side", "kind", "price", "qty", "trader", "time", "id")]
    out_ids = np.zeros(stream.size, np.int64)
    tops = np.zeros((stream.size, 2), np.int64)
    done = _replay(ex.book, ex.pool, ex.acc, ex.tape, ex.kr, ex.tob, *cols, out_ids, tops)
    assert done == stream.size
    np.testing.assert_array_equal(out_ids, ref_ids)
    np.testing.assert_array_equal(ex.trades(), ref.trades())
    np.testing.assert_array_equal(ex.cash, ref.cash)
    np.testing.assert_array_equal(ex.shares, ref.shares)
    last = stream["stock"][-1]
    assert tuple(tops[-1]) == ref.best(last)
    assert ex.cash.sum() == 0 and (ex.shares.sum(axis=0) == 0).all()
