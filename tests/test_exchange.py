"""Tests for market.Exchange: the kernel against the reference book, invariants of random
sessions, settlement, self-trade prevention, call auctions, LULD, the circuit breaker, re-grid,
invalid rows, determinism and bars.

Prices in ticks (cents), quantities in shares, time in seconds since day 0's open.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import reference_match, streams

from market import (
    ORDER_DTYPE,
    SESSION_SECONDS,
    Exchange,
    InvalidOrderError,
    MarketRules,
    Motive,
    OrderKind,
    Side,
)
from market import _kernels as K
from market.types import BAR, OHLCV_DTYPE, records

LIMIT, MARKET, CANCEL, IOC = (int(k) for k in OrderKind)
BUY, SELL = int(Side.BUY), int(Side.SELL)
REFS = (10_000, 5_000)
N_TRADERS = 50
CASH0 = 10**10  # cents per trader
SHARES0 = 10**4  # per trader and stock
NOW = -1  # time sentinel of `order`: the exchange's clock when submitted


def new_exchange(refs=REFS, n_traders=N_TRADERS, capacity=None, **rules) -> Exchange:
    """An exchange at day 0's open, every trader endowed; rules off unless switched on here.

    `capacity` = (pool slots, tape rows) to start from; small ones exercise the resume paths.
    """
    kw = {"auctions": False, "luld": False, "circuit_breaker": False} | rules
    cap = {} if capacity is None else dict(zip(("pool_capacity", "tape_capacity"), capacity,
                                               strict=True))
    ex = Exchange(ref_prices=np.array(refs), n_traders=n_traders, rules=MarketRules(**kw), **cap)
    ex.start_day(0)
    ex.endow(cash_cents=np.full(n_traders, CASH0),
             shares=np.full((n_traders, len(refs)), SHARES0))
    return ex


def order(side=BUY, price=0, qty=1, kind=LIMIT, trader=0, stock=0, time=NOW, motive=0, oid=0):
    """One ORDER_DTYPE row."""
    r = np.zeros(1, ORDER_DTYPE)
    r[0] = (oid, side, kind, price, qty, trader, stock, motive, time)
    return r


def cancel(oid, stock=0, time=NOW):
    return order(side=0, qty=0, kind=CANCEL, stock=stock, time=time, oid=oid)


def submit(ex: Exchange, *rows) -> list[int]:
    """Submit rows in one call (NOW times become the clock); return the assigned ids."""
    arr = np.concatenate(rows)
    arr["time"][arr["time"] == NOW] = ex.now
    return [int(x) for x in ex.submit(arr)]


def fills(trades) -> list[tuple[int, int, int, int]]:
    """(taker id, maker id, price, qty) of each fill."""
    return [(int(t["taker"]), int(t["maker"]), int(t["price"]), int(t["qty"])) for t in trades]


def resting(ex: Exchange, stock: int) -> list[tuple[int, int, int, int]]:
    """Live orders of a stock read from the pool: (id, side, price, qty), in arrival order."""
    o, bs = ex.pool.o, ex.book.bs
    live = np.flatnonzero((o[:, K.QTY] > 0) & (o[:, K.STOCK] == stock))
    out = [(int(o[i, K.OID]), int((o[i, K.SM] & 3) - 1), int(bs[stock, K.BASE] + o[i, K.LVL]),
            int(o[i, K.QTY])) for i in live]
    return sorted(out)


def check_book(ex: Exchange) -> None:
    """Every structural invariant of the books and the pool.

    Queues are doubly linked lists oldest first (ids increase along them), each level's depth is
    the sum of its queue, counts and best levels are exact, depth() agrees with the pool, and in
    continuous trading no book is crossed.
    """
    bs, lv, o = ex.book.bs, ex.book.lv, ex.pool.o
    live_slots = set(np.flatnonzero(o[:, K.QTY] > 0).tolist())
    seen = set()
    for s in range(ex.n_stocks):
        off, nlev = int(bs[s, K.OFF]), int(bs[s, K.NLEV])
        lvs = lv[off : off + nlev]
        for side, c, count_col in ((BUY, 0, K.NBID), (SELL, 4, K.NASK)):
            heads = lvs[:, c + K.HEAD]
            empty = heads == -1
            assert (lvs[empty, c + K.TAIL] == -1).all() and (lvs[empty, c + K.DEP] == 0).all()
            nonempty = np.flatnonzero(~empty)
            count = 0
            for lvl in nonempty.tolist():
                slot, prev, total = int(heads[lvl]), -1, 0
                while slot != -1:
                    assert slot in live_slots and slot not in seen
                    seen.add(slot)
                    assert o[slot, K.PRV] == prev
                    assert (o[slot, K.STOCK], o[slot, K.LVL]) == (s, lvl)
                    assert (o[slot, K.SM] & 3) - 1 == side
                    assert o[slot, K.OID] & K.SLOT_MASK == slot
                    if prev != -1:
                        assert o[slot, K.OID] > o[prev, K.OID]  # FIFO: older first
                    total += int(o[slot, K.QTY])
                    count += 1
                    prev, slot = slot, int(o[slot, K.NXT])
                assert lvs[lvl, c + K.TAIL] == prev
                assert lvs[lvl, c + K.DEP] == total
            assert count == bs[s, count_col]
            if side == BUY:
                assert bs[s, K.BBEST] == (nonempty.max() if nonempty.size else -1)
            else:
                assert bs[s, K.ABEST] == (nonempty.min() if nonempty.size else nlev)
        bid, ask = ex.best(s)
        if ex.kr.rs[s, K.CALL] == 0 and bid and ask:
            assert bid < ask
        # depth() against a plain aggregation of the pool
        agg = {BUY: {}, SELL: {}}
        for _, side, price, qty in resting(ex, s):
            agg[side][price] = agg[side].get(price, 0) + qty
        bp, bq, ap, aq = ex.depth(s, levels=10**9)
        bids = list(zip(bp.tolist(), bq.tolist(), strict=True))
        asks = list(zip(ap.tolist(), aq.tolist(), strict=True))
        assert bids == sorted(agg[BUY].items(), reverse=True)
        assert asks == sorted(agg[SELL].items())
    assert seen == live_slots
    nfree = int(ex.pool.meta[0])
    assert sorted(ex.pool.free[:nfree].tolist()) == sorted(
        np.flatnonzero(o[:, K.QTY] == 0).tolist())


def check_accounts(ex: Exchange, cash0, shares0) -> None:
    """Accounts equal the endowment plus the tape's fills; totals are exactly conserved."""
    tr = ex.trades()
    cash, shares = cash0.copy(), shares0.copy()
    value = tr["price"] * tr["qty"]
    np.add.at(cash, tr["buyer"], -value)
    np.add.at(cash, tr["seller"], value)
    np.add.at(shares, (tr["buyer"], tr["stock"]), tr["qty"])
    np.add.at(shares, (tr["seller"], tr["stock"]), -tr["qty"])
    assert np.array_equal(ex.cash, cash) and np.array_equal(ex.shares, shares)
    assert ex.cash.sum() == cash0.sum()
    assert np.array_equal(ex.shares.sum(axis=0), shares0.sum(axis=0))
    assert (tr["qty"] > 0).all() and (tr["price"] > 0).all()


# ---------------------------------------------------------------------------------------------
# One stock against the reference engine; random sessions keep every invariant
# ---------------------------------------------------------------------------------------------

NEAR = st.sampled_from(list(range(9_995, 10_006)) * 3 + [1, 2_400, 60_000])  # some off-grid
UNKNOWN = (-1, (777 << K.SLOT_BITS) | 1)


@settings(max_examples=80, deadline=None)
@given(streams(NEAR, max_rows=40, reuse=False), st.sampled_from([None, (1, 1)]))
def test_single_stock_fills_equal_the_reference(stream, capacity):
    ex = new_exchange(refs=(10_000,), capacity=capacity)
    cash0, shares0 = ex.cash.copy(), ex.shares.copy()
    assigned = {}  # stream id -> exchange id
    for i, r in enumerate(stream):
        sid, kind = int(r["id"]), int(r["kind"])
        oid = assigned.get(sid, UNKNOWN[i % 2]) if kind == CANCEL else 0
        # a cancel's garbage side, price and qty go through as they are
        got = submit(ex, order(int(r["side"]), int(r["price"]), int(r["qty"]), kind,
                               trader=i % N_TRADERS, time=i // 4, oid=oid))
        if kind != CANCEL:
            assigned[sid] = got[0]
        else:
            assert got == [oid]
    back = {v: k for k, v in assigned.items()}
    assert len(back) == len(assigned)  # exchange ids are unique
    got = [(back[t], back[m], p, q) for t, m, p, q in fills(ex.trades())]
    assert got == reference_match(stream)
    check_book(ex)
    check_accounts(ex, cash0, shares0)


_KINDS = [LIMIT] * 5 + [MARKET, IOC, CANCEL, CANCEL]


@settings(max_examples=30, deadline=None)
@given(st.data(), st.sampled_from(["plain", "stp", "luld"]))
def test_random_sessions_keep_every_invariant(data, variant):
    rules = {"plain": {}, "stp": {"self_trade_prevention": True},
             "luld": {"luld": True, "self_trade_prevention": True}}[variant]
    ex = new_exchange(n_traders=5, capacity=(4, 16), **rules)
    cash0, shares0 = ex.cash.copy(), ex.shares.copy()
    ids, t = [], 0
    who = {}  # order id -> (side, trader, motive)
    steps = [0, 0, 0, 1, 2, 20] + ([16, 300] if variant == "luld" else [])
    for _ in range(data.draw(st.integers(1, 20), label="batches")):
        rows = []
        for _ in range(data.draw(st.integers(1, 6), label="rows")):
            kind = data.draw(st.sampled_from(_KINDS))
            stock = data.draw(st.integers(0, 1))
            t += data.draw(st.sampled_from(steps))
            if kind == CANCEL:
                oid = data.draw(st.sampled_from(ids)) if ids and data.draw(st.booleans()) else -1
                rows.append(cancel(oid, stock=stock, time=t))
                continue
            ref = REFS[stock]
            off = data.draw(st.integers(-5, 5))
            if variant == "luld" and data.draw(st.integers(0, 4)) == 0:
                off = data.draw(st.sampled_from([-1, 1])) * ref // 12  # beyond the 5% band
            rows.append(order(data.draw(st.sampled_from([BUY, SELL])), ref + off,
                              data.draw(st.integers(1, 15)), kind,
                              trader=data.draw(st.integers(0, 4)), stock=stock, time=t,
                              motive=data.draw(st.integers(0, 8))))
        arr = np.concatenate(rows)
        out = ex.submit(arr)
        assert (out[arr["kind"] == CANCEL] == arr["id"][arr["kind"] == CANCEL]).all()
        new = arr["kind"] != CANCEL
        ids += out[new].tolist()
        who |= {int(i): (int(r["side"]), int(r["trader"]), int(r["motive"]))
                for i, r in zip(out[new], arr[new], strict=True)}
        check_book(ex)
        check_accounts(ex, cash0, shares0)
    ex.advance(t + 400)
    check_book(ex)
    check_accounts(ex, cash0, shares0)
    # a stock still in a call phase is in a pause that has not ended yet
    paused = ex.kr.rs[:, K.CALL] != 0
    assert (ex.kr.rs[paused, K.HALT_UNTIL] > ex.now).all()
    tr = ex.trades()
    assert (np.diff(tr["time"]) >= 0).all()
    for f in tr:
        # both sides' accounts and motives are the orders' (an auction fill: taker = the buy)
        taker, maker = who[int(f["taker"])], who[int(f["maker"])]
        assert taker[0] == (f["taker_side"] or BUY) and maker[0] == -taker[0]
        buy, sell = (taker, maker) if taker[0] == BUY else (maker, taker)
        assert (f["buyer"], f["buyer_motive"]) == buy[1:]
        assert (f["seller"], f["seller_motive"]) == sell[1:]
    if variant == "stp":
        assert (tr["buyer"] != tr["seller"]).all()


# ---------------------------------------------------------------------------------------------
# Settlement and self-trade prevention
# ---------------------------------------------------------------------------------------------


def test_settlement_moves_price_times_qty_between_the_right_accounts():
    ex = new_exchange()
    cash0, shares0 = ex.cash.copy(), ex.shares.copy()
    (maker,) = submit(ex, order(SELL, 10_010, 10, trader=3, motive=Motive.MARKET_MAKING))
    (taker,) = submit(ex, order(BUY, 10_050, 4, trader=7, motive=Motive.NEWS, time=2))
    (t,) = ex.trades()
    assert (t["taker"], t["maker"], t["price"], t["qty"], t["time"], t["stock"]) == (
        taker, maker, 10_010, 4, 2, 0)
    assert (t["taker_side"], t["buyer"], t["seller"]) == (BUY, 7, 3)
    assert (t["buyer_motive"], t["seller_motive"]) == (Motive.NEWS, Motive.MARKET_MAKING)
    dcash, dshares = ex.cash - cash0, ex.shares - shares0
    assert dcash[7] == -40_040 and dcash[3] == 40_040
    assert np.count_nonzero(dcash) == 2
    assert (dshares[7, 0], dshares[3, 0]) == (4, -4)
    assert np.count_nonzero(dshares) == 2

    # a sell taker on the other stock
    (bid,) = submit(ex, order(BUY, 5_000, 6, trader=2, stock=1, motive=Motive.VALUE, time=5))
    (sell,) = submit(ex, order(SELL, 0, 2, MARKET, trader=9, stock=1, motive=Motive.FORCED,
                               time=7))
    t = ex.trades()[1]
    assert (t["taker"], t["maker"], t["price"], t["qty"], t["time"], t["stock"]) == (
        sell, bid, 5_000, 2, 7, 1)
    assert (t["taker_side"], t["buyer"], t["seller"]) == (SELL, 2, 9)
    assert (t["buyer_motive"], t["seller_motive"]) == (Motive.VALUE, Motive.FORCED)
    assert (ex.cash - cash0)[[2, 9]].tolist() == [-10_000, 10_000]
    assert (ex.shares - shares0)[[2, 9], 1].tolist() == [2, -2]
    check_accounts(ex, cash0, shares0)


def test_taker_id_on_the_tape_is_the_id_submit_returns():
    ex = new_exchange()
    submit(ex, order(BUY, 9_000, 1, trader=1))  # pool slot 0, stays
    (bid,) = submit(ex, order(BUY, 10_000, 1, trader=1))  # slot 1
    (sell,) = submit(ex, order(SELL, 10_000, 3, trader=2))  # fills bid, rests 2 in slot 1
    (buy,) = submit(ex, order(BUY, 0, 2, MARKET, trader=3))  # fills the rest of sell
    tr = ex.trades()
    assert [(int(t["taker"]), int(t["maker"])) for t in tr] == [(sell, bid), (buy, sell)]


@pytest.mark.parametrize("stp", [True, False])
def test_self_trade_prevention_cancels_the_resting_order(stp):
    ex = new_exchange(self_trade_prevention=stp)
    (own,) = submit(ex, order(SELL, 10_000, 10, trader=1))
    (other,) = submit(ex, order(SELL, 10_000, 5, trader=2))
    (own_higher,) = submit(ex, order(SELL, 10_001, 3, trader=1))
    (buy,) = submit(ex, order(BUY, 10_001, 8, trader=1))
    if stp:
        # both of trader 1's asks in the way are cancelled; 3 shares are left to rest
        assert fills(ex.trades()) == [(buy, other, 10_000, 5)]
        assert ex.best(0) == (10_001, 0)
        assert resting(ex, 0) == [(buy, BUY, 10_001, 3)]
        submit(ex, cancel(own), cancel(own_higher))  # already gone: nothing happens
        assert resting(ex, 0) == [(buy, BUY, 10_001, 3)]
    else:
        assert fills(ex.trades()) == [(buy, own, 10_000, 8)]
        assert ex.best(0) == (0, 10_000)
    check_book(ex)


# ---------------------------------------------------------------------------------------------
# Call auctions
# ---------------------------------------------------------------------------------------------


def auction_reference(book, ref):
    """Brute-force call auction of live orders (id, side, price, qty) in arrival order.

    The price maximises executed volume, then minimises |buy - sell|, then follows market
    pressure (a sell surplus takes the lowest price, a buy surplus the highest), then minimises
    |price - ref|, then the price itself, over every tick between the lowest and highest order
    price. Returns
    (price or -1, fills (buy id, sell id, price, qty) in price-time priority).
    """
    bids = sorted((o for o in book if o[1] == BUY), key=lambda o: (-o[2], o[0]))
    asks = sorted((o for o in book if o[1] == SELL), key=lambda o: (o[2], o[0]))
    if not bids or not asks:
        return -1, []
    best = None
    for p in range(min(o[2] for o in book), max(o[2] for o in book) + 1):
        buy = sum(o[3] for o in bids if o[2] >= p)
        sell = sum(o[3] for o in asks if o[2] <= p)
        v = min(buy, sell)
        if v > 0:
            pressure = p if sell > buy else -p if buy > sell else 0
            best = min(best or (np.inf,), (-v, abs(buy - sell), pressure, abs(p - ref), p))
    if best is None:
        return -1, []
    p = best[4]
    bq, aq = [o[3] for o in bids], [o[3] for o in asks]
    out, i, j = [], 0, 0
    while i < len(bids) and j < len(asks) and bids[i][2] >= p and asks[j][2] <= p:
        f = min(bq[i], aq[j])
        out.append((bids[i][0], asks[j][0], p, f))
        bq[i] -= f
        aq[j] -= f
        i += bq[i] == 0
        j += aq[j] == 0
    return p, out


CALL_ROWS = st.lists(
    st.tuples(st.sampled_from([LIMIT] * 6 + [MARKET, IOC]), st.sampled_from([BUY, SELL]),
              st.integers(9_990, 10_010), st.integers(1, 20), st.integers(0, 4)),
    min_size=2, max_size=30)


def call_orders(rows, time=NOW, stock=0):
    return [order(side, price, qty, kind, trader=tr, stock=stock, time=time)
            for kind, side, price, qty, tr in rows]


def check_auction(ex, stock, ref, run, t, cash0, shares0):
    """Run `run()` (an auction at time t) and check it against `auction_reference`; return the
    auction price."""
    book = resting(ex, stock)
    n0 = len(ex.trades())
    price, expected = auction_reference(book, ref)
    run()
    tr = ex.trades(n0)
    assert fills(tr) == expected
    assert (tr["taker_side"] == 0).all() and (tr["stock"] == stock).all()
    assert (tr["time"] == t).all()
    left = resting(ex, stock)
    if price > 0:
        # nothing executable is left on both sides at the auction price
        assert not (any(o[1] == BUY and o[2] >= price for o in left)
                    and any(o[1] == SELL and o[2] <= price for o in left))
    check_accounts(ex, cash0, shares0)
    return price


@settings(max_examples=80, deadline=None)
@given(CALL_ROWS, st.sampled_from([10_000, 9_985, 10_003, 10_050]))
def test_open_auction_uncrosses_at_the_max_volume_price(rows, ref):
    ex = new_exchange(refs=(ref, 5_000), n_traders=5, auctions=True)
    cash0, shares0 = ex.cash.copy(), ex.shares.copy()
    ids = submit(ex, *call_orders(rows)) if rows else []
    assert len(ex.trades()) == 0  # orders queue in the call phase
    # market and IOC orders find nothing in the call phase and do not rest
    live = {o[0] for o in resting(ex, 0)}
    assert live == {i for i, r in zip(ids, rows, strict=True) if r[0] == LIMIT}
    out = {}
    price = check_auction(ex, 0, ref, lambda: out.setdefault("p", ex.open_auction()), 0, cash0,
                          shares0)
    assert out["p"].tolist() == [price, -1]
    check_book(ex)  # the call phase is over: not crossed


@settings(max_examples=40, deadline=None)
@given(CALL_ROWS, CALL_ROWS, CALL_ROWS)
def test_close_auction_uncrosses_at_the_max_volume_price(pre, day, close):
    ex = new_exchange(refs=(10_000, 5_000), n_traders=5, auctions=True)
    cash0, shares0 = ex.cash.copy(), ex.shares.copy()
    if pre:
        submit(ex, *call_orders(pre))
    ex.open_auction()
    if day:
        submit(ex, *call_orders(day, time=100))
    check_book(ex)
    ex.start_closing_call()
    if close:
        submit(ex, *call_orders(close, time=SESSION_SECONDS - 100))
    last = int(ex.kr.rs[0, K.LAST])  # the closing auction's reference
    out = {}
    price = check_auction(ex, 0, last, lambda: out.setdefault("c", ex.close_auction()),
                          SESSION_SECONDS - 1, cash0, shares0)
    expected_close = price if price > 0 else (last if last > 0 else 10_000)
    assert out["c"].tolist() == [expected_close, 5_000]
    assert ex.prev_close.tolist() == [expected_close, 5_000]
    assert ex.now == SESSION_SECONDS
    assert (ex.kr.rs[:, K.CALL] == 1).all()  # nothing trades between sessions


def test_auction_with_nothing_to_cross_trades_nothing():
    ex = new_exchange(auctions=True)
    ids = submit(ex, order(BUY, 9_999, 5, trader=1), order(SELL, 10_000, 5, trader=2),
                 order(SELL, 5_000, 5, trader=2, stock=1))
    assert ex.open_auction().tolist() == [-1, -1]
    assert len(ex.trades()) == 0
    assert [o[0] for o in resting(ex, 0) + resting(ex, 1)] == ids
    (buy,) = submit(ex, order(BUY, 10_000, 2, trader=3))  # continuous trading now
    assert fills(ex.trades()) == [(buy, ids[1], 10_000, 2)]
    check_book(ex)


def test_auction_follows_market_pressure_before_the_reference():
    # 2 shares cross anywhere in 100 .. 105 with a surplus of 3 on one side
    sells_over = [(1, BUY, 105, 2), (2, SELL, 100, 5)]
    assert auction_reference(sells_over, 110)[0] == 100  # sell surplus: the lowest price
    buys_over = [(1, BUY, 105, 5), (2, SELL, 100, 2)]
    assert auction_reference(buys_over, 90)[0] == 105  # buy surplus: the highest price
    for book, ref, want in ((sells_over, 11_000, 10_000), (buys_over, 9_000, 10_500)):
        ex = new_exchange(refs=(ref,), auctions=True)
        submit(ex, *(order(sd, 100 * p, q, trader=i) for i, sd, p, q in book))
        assert ex.open_auction().tolist() == [want]
        check_book(ex)


def test_auction_tie_breaks_on_imbalance_then_reference():
    # volume 3 at 100, 101 and 102; imbalance 2 at 100, 0 at 101 and 102
    book = [(1, BUY, 102, 3), (2, BUY, 100, 2), (3, SELL, 100, 3)]
    assert auction_reference(book, 100)[0] == 101  # imbalance before the reference
    assert auction_reference(book, 500)[0] == 102
    assert auction_reference(book, 0)[0] == 101
    shape = [(BUY, 10_002, 3), (BUY, 10_000, 2), (SELL, 10_000, 3)]
    for ref, want in ((10_000, 10_001), (10_300, 10_002), (9_000, 10_001), (10_002, 10_002)):
        ex = new_exchange(refs=(ref,), auctions=True)
        submit(ex, *(order(s, p, q, trader=i) for i, (s, p, q) in enumerate(shape)))
        assert ex.open_auction().tolist() == [want]
        assert ex.trades()["price"].tolist() == [want]
        assert ex.trades()["qty"].tolist() == [3]


# ---------------------------------------------------------------------------------------------
# Limit up-limit down and the circuit breaker
# ---------------------------------------------------------------------------------------------


def test_luld_reprices_orders_beyond_the_band_to_the_band():
    ex = new_exchange(refs=(10_000,), luld=True)  # band 5%: 9_500 .. 10_500
    (low_bid,) = submit(ex, order(BUY, 9_400, 5, trader=1))
    (bid,) = submit(ex, order(BUY, 9_600, 5, trader=1))
    (sell,) = submit(ex, order(SELL, 5_000, 8, trader=2))
    # fills down to the band only, and the rest rests at the band, not at 5_000
    assert fills(ex.trades()) == [(sell, bid, 9_600, 5)]
    assert ex.best(0) == (9_400, 9_500)
    assert resting(ex, 0) == [(low_bid, BUY, 9_400, 5), (sell, SELL, 9_500, 3)]
    (mkt,) = submit(ex, order(SELL, 0, 5, MARKET, trader=3))  # nothing within the band
    assert len(ex.trades()) == 1
    (ask,) = submit(ex, order(SELL, 10_600, 5, trader=3))
    (buy,) = submit(ex, order(BUY, 20_000, 5, trader=4))  # takes 9_500, rests 2 at 10_500
    assert fills(ex.trades())[1:] == [(buy, sell, 9_500, 3)]
    assert ex.best(0) == (10_500, 10_600)
    check_book(ex)


def test_luld_pause_after_15_seconds_at_the_band_then_reopening_auction():
    ex = new_exchange(refs=(10_000,), luld=True)
    _, sell = submit(ex, order(BUY, 9_600, 5, trader=1), order(SELL, 5_000, 8, trader=2))
    assert ex.best(0) == (0, 9_500)  # pinned at the lower band from t = 0
    ex.advance(14)
    assert ex.kr.rs[0, K.CALL] == 0
    ex.advance(15)
    assert ex.kr.rs[0, K.CALL] == 1  # paused
    n = len(ex.trades())
    (buy,) = submit(ex, order(BUY, 9_700, 5, trader=3, time=20))
    assert len(ex.trades()) == n and ex.best(0) == (9_700, 9_500)  # queued, crossed
    ex.advance(314)
    assert ex.kr.rs[0, K.CALL] == 1 and len(ex.trades()) == n
    ex.advance(315)
    assert ex.kr.rs[0, K.CALL] == 0
    tr = ex.trades(n)
    # 3 shares cross anywhere in 9_500 .. 9_700 with a buy surplus of 2: the highest price
    assert fills(tr) == [(buy, sell, 9_700, 3)]
    assert (tr["time"] == 315).all() and (tr["taker_side"] == 0).all()
    assert ex.best(0) == (9_700, 0)
    check_book(ex)


def test_luld_no_pause_when_the_band_is_left_within_15_seconds():
    ex = new_exchange(refs=(10_000,), luld=True)
    submit(ex, order(SELL, 5_000, 3, trader=2))
    ex.advance(10)
    submit(ex, order(BUY, 9_500, 3, trader=1))  # takes the pinned ask
    ex.advance(40)
    assert ex.kr.rs[0, K.CALL] == 0
    submit(ex, order(SELL, 9_600, 1, trader=2), order(BUY, 9_600, 1, trader=1))
    assert ex.trades()["price"].tolist() == [9_500, 9_600]


def test_luld_pause_starts_15_seconds_after_pinning_however_the_clock_moves():
    ex = new_exchange(refs=(10_000,), luld=True)
    submit(ex, order(SELL, 5_000, 3, trader=2))  # pinned at the lower band from t = 0
    ex.advance(100)
    assert ex.kr.rs[0, K.CALL] == 1
    assert ex.kr.rs[0, K.HALT_UNTIL] == 15 + 300


def test_reopening_auction_happens_when_the_pause_ends():
    ex = new_exchange(refs=(10_000,), luld=True)
    submit(ex, order(BUY, 9_600, 5, trader=1), order(SELL, 5_000, 8, trader=2))
    ex.advance(15)  # paused until 315
    submit(ex, order(BUY, 9_700, 5, trader=3, time=20))
    ex.advance(1_000)
    assert ex.trades()["time"][-1] == 315


def test_clock_cannot_go_backwards():
    ex = new_exchange()
    ex.advance(10)
    with pytest.raises(ValueError):
        ex.advance(5)
    assert ex.now == 10


def _trade_at(ex, stock, price, t):
    submit(ex, order(SELL, price, 1, trader=1, stock=stock, time=t),
           order(BUY, 0, 1, MARKET, trader=2, stock=stock, time=t))
    assert ex.trades()["price"][-1] == price


def test_circuit_breaker_halts_every_book_and_reopens_by_auction():
    ex = new_exchange(circuit_breaker=True)  # previous closes 10_000 and 5_000
    _trade_at(ex, 0, 9_400, 1)
    _trade_at(ex, 1, 4_700, 2)
    assert ex.check_circuit_breaker([1, 1]) == 0  # -6%
    assert (ex.kr.rs[:, K.CALL] == 0).all()
    _trade_at(ex, 0, 9_200, 3)
    _trade_at(ex, 1, 4_600, 4)
    assert ex.check_circuit_breaker([1, 1]) == 1  # -8%
    assert (ex.kr.rs[:, K.CALL] == 1).all()
    assert (ex.kr.rs[:, K.HALT_UNTIL] == 4 + 900).all()
    n = len(ex.trades())
    (sell,) = submit(ex, order(SELL, 9_000, 2, trader=3, time=10))
    (buy,) = submit(ex, order(BUY, 9_300, 2, trader=4, time=11))
    submit(ex, order(BUY, 0, 5, MARKET, trader=4, stock=1, time=12))
    assert len(ex.trades()) == n and ex.best(0) == (9_300, 9_000)  # halted: queued, crossed
    assert ex.check_circuit_breaker([1, 1]) == 0  # level 1 fires once a day
    ex.advance(903)
    assert (ex.kr.rs[:, K.CALL] == 1).all() and len(ex.trades()) == n
    ex.advance(904)
    assert (ex.kr.rs[:, K.CALL] == 0).all()
    # volume 2 anywhere in 9_000 .. 9_300: nearest the reference, 10_000
    assert fills(ex.trades(n)) == [(buy, sell, 9_300, 2)]
    assert ex.trades(n)["time"].tolist() == [904]
    # a fall past 20% halts for the rest of the day
    _trade_at(ex, 0, 7_800, 910)
    _trade_at(ex, 1, 3_900, 911)
    assert ex.check_circuit_breaker([1, 1]) == 3
    assert (ex.kr.rs[:, K.HALT_UNTIL] == SESSION_SECONDS).all()
    check_book(ex)


def test_level_3_halt_without_auctions_trades_nothing_after_the_close():
    ex = new_exchange(circuit_breaker=True)
    _trade_at(ex, 0, 7_800, 1)
    _trade_at(ex, 1, 3_900, 2)
    assert ex.check_circuit_breaker([1, 1]) == 3
    submit(ex, order(SELL, 7_000, 2, trader=3, time=10), order(BUY, 7_500, 2, trader=4, time=11))
    n = len(ex.trades())
    close = ex.close_auction()
    assert len(ex.trades()) == n
    assert close.tolist() == [7_800, 3_900]


def test_circuit_breaker_off_never_halts():
    ex = new_exchange()
    _trade_at(ex, 0, 5_000, 1)
    _trade_at(ex, 1, 2_000, 2)
    assert ex.check_circuit_breaker([1, 1]) == 0
    assert (ex.kr.rs[:, K.CALL] == 0).all()


# ---------------------------------------------------------------------------------------------
# Re-grid, invalid rows, determinism, bars
# ---------------------------------------------------------------------------------------------


def test_limit_far_outside_the_window_regrids_and_matches():
    ex = new_exchange(refs=(1_000, 5_000))  # stock 0's levels cover 250 .. 4_000 ticks
    cash0, shares0 = ex.cash.copy(), ex.shares.copy()
    (a,) = submit(ex, order(SELL, 1_001, 5, trader=1))
    (b,) = submit(ex, order(BUY, 999, 5, trader=2))
    (other,) = submit(ex, order(SELL, 5_001, 4, trader=1, stock=1))
    (far,) = submit(ex, order(SELL, 1_000_000, 7, trader=3))  # 1000x the price
    (low,) = submit(ex, order(BUY, 1, 4, trader=4))  # below the window
    check_book(ex)
    assert ex.best(0) == (999, 1_001) and ex.best(1) == (0, 5_001)
    assert ex.depth(0)[2].tolist() == [1_001, 1_000_000]
    (up,) = submit(ex, order(BUY, 2_000_000, 10, IOC, trader=5))
    (down,) = submit(ex, order(SELL, 0, 7, MARKET, trader=6))
    (s1,) = submit(ex, order(BUY, 0, 9, MARKET, trader=6, stock=1))
    assert fills(ex.trades()) == [(up, a, 1_001, 5), (up, far, 1_000_000, 5),
                                      (down, b, 999, 5), (down, low, 1, 2), (s1, other, 5_001, 4)]
    assert resting(ex, 0) == [(far, SELL, 1_000_000, 2), (low, BUY, 1, 2)]
    check_book(ex)
    check_accounts(ex, cash0, shares0)


def test_limit_at_a_price_too_far_for_a_dense_window_is_refused_by_name():
    # the level window is dense: a price 2**50 ticks away is refused with the field named,
    # not a MemoryError, and the exchange stays usable
    ex = new_exchange(refs=(10_000,))
    with pytest.raises(InvalidOrderError) as e:
        submit(ex, order(SELL, 2**50, 1, trader=1))
    assert e.value.field == "price" and e.value.row == 0
    (ask,) = submit(ex, order(SELL, 10_001, 1, trader=1))
    (buy,) = submit(ex, order(BUY, 0, 1, MARKET, trader=2))
    assert fills(ex.trades()) == [(buy, ask, 10_001, 1)]


def test_a_refused_far_price_leaves_the_batch_unapplied():
    ex = new_exchange(refs=(10_000,))
    with pytest.raises(InvalidOrderError) as e:
        submit(ex, order(SELL, 10_001, 5, trader=1), order(SELL, 2**50, 1, trader=1))
    assert (e.value.row, e.value.field) == (1, "price")
    assert resting(ex, 0) == []  # as for every other invalid row: nothing was processed


@pytest.mark.parametrize(
    "field, bad",
    [
        ("stock", {"stock": -1}),
        ("stock", {"stock": 2}),
        ("trader", {"trader": -1}),
        ("trader", {"trader": N_TRADERS}),
        ("time", {"time": 6}),  # before the previous row's 7
        ("qty", {"qty": 0}),
        ("qty", {"qty": -3}),
        ("side", {"side": 0}),
        ("side", {"side": 3}),
        ("kind", {"kind": 4}),
        ("kind", {"kind": -1}),
        ("price", {"price": 0}),
        ("price", {"kind": IOC, "price": -5}),
    ],
)
def test_invalid_rows_raise_naming_row_and_field(field, bad):
    ex = new_exchange()
    ex.advance(5)
    good = order(SELL, 10_000, 1, trader=1, time=7)
    row = order(**({"side": BUY, "price": 10_000, "qty": 1, "trader": 2, "time": 7} | bad))
    with pytest.raises(InvalidOrderError) as e:
        ex.submit(np.concatenate([good, row, order(qty=0, time=8)]))
    assert (e.value.row, e.value.field) == (1, field)
    assert "row 1" in str(e.value) and f"'{field}'" in str(e.value)
    # validation comes first: not even the good row was processed
    assert len(ex.trades()) == 0 and resting(ex, 0) == []


def test_time_before_the_clock_is_invalid():
    ex = new_exchange()
    ex.advance(100)
    with pytest.raises(InvalidOrderError) as e:
        ex.submit(order(BUY, 10_000, 1, time=99))
    assert (e.value.row, e.value.field) == (0, "time")
    ex.submit(order(BUY, 10_000, 1, time=100))  # the clock itself is fine
    assert ex.best(0) == (10_000, 0)


def _session(seed: int, capacity=(1 << 16, 1 << 16)):
    """A seeded two-stock session with every rule on; returns what a replay must reproduce."""
    rng = np.random.default_rng(seed)
    ex = Exchange(ref_prices=np.array(REFS), n_traders=20, rules=MarketRules(),
                  pool_capacity=capacity[0], tape_capacity=capacity[1])
    ex.start_day(0)
    ex.endow(cash_cents=np.full(20, CASH0), shares=np.full((20, 2), SHARES0))

    def batch(n, t0, ids):
        rows = np.zeros(n, ORDER_DTYPE)
        rows["kind"] = rng.choice([LIMIT] * 6 + [MARKET, IOC, CANCEL], n)
        rows["side"] = rng.choice([BUY, SELL], n)
        rows["stock"] = rng.integers(0, 2, n)
        rows["price"] = np.array(REFS)[rows["stock"]] + rng.integers(-30, 31, n)
        rows["qty"] = rng.integers(1, 50, n)
        rows["trader"] = rng.integers(0, 20, n)
        rows["motive"] = rng.integers(0, 9, n)
        rows["time"] = t0 + np.sort(rng.integers(0, 600, n))
        canc = rows["kind"] == CANCEL
        if ids:
            rows["id"][canc] = rng.choice(ids, canc.sum())
        got = ex.submit(rows)
        ids += got[~canc].tolist()
        return got

    ids = []
    out = [batch(200, 0, ids)]
    out.append(ex.open_auction())
    for k in range(8):
        out.append(batch(300, 600 * (k + 1), ids))
    ex.start_closing_call()
    out.append(batch(100, SESSION_SECONDS - 200, ids))
    out.append(ex.close_auction())
    return ex.trades().copy(), out, ex.cash.copy(), ex.shares.copy(), ex.tob.copy()


def test_same_stream_gives_identical_tapes():
    a, b = _session(11), _session(11)
    assert len(a[0]) > 500
    assert np.array_equal(a[0], b[0])
    assert all(np.array_equal(x, y) for x, y in zip(a[1], b[1], strict=True))
    for x, y in zip(a[2:], b[2:], strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(a[0], _session(12)[0])  # the check can tell streams apart
    # growing the pool and the tape on the way changes nothing
    c = _session(11, capacity=(1, 16))
    assert np.array_equal(a[0], c[0])
    for x, y in zip(a[2:], c[2:], strict=True):
        assert np.array_equal(x, y)


def expected_bars(trades, n_stocks, day, prev_close) -> pd.DataFrame:
    """One row per stock and minute of `day` by a plain pandas aggregation of the tape."""
    t0 = day * SESSION_SECONDS
    tr = pd.DataFrame(trades)
    tr = tr[(tr["time"] >= t0) & (tr["time"] < t0 + SESSION_SECONDS)]
    tr = tr.assign(minute=day * 390 + (tr["time"] - t0) // 60)
    agg = tr.groupby(["stock", "minute"]).agg(
        open=("price", "first"), high=("price", "max"), low=("price", "min"),
        close=("price", "last"), volume=("qty", "sum"), trades=("qty", "size"))
    rows = []
    for s in range(n_stocks):
        last = int(prev_close[s])
        for m in range(day * 390, (day + 1) * 390):
            if (s, m) in agg.index:
                r = agg.loc[(s, m)]
                rows.append((m, s, *(int(r[c]) for c in agg.columns)))
                last = int(r["close"])
            else:
                rows.append((m, s, last, last, last, last, 0, 0))
    return pd.DataFrame(rows, columns=["minute", "stock", *agg.columns])


def test_day_bars_equal_an_aggregation_of_the_tape():
    ex = new_exchange()
    rng = np.random.default_rng(5)
    for s, ref in enumerate(REFS):
        for k in range(1, 41):
            submit(ex, order(SELL, ref + k, 60, trader=1, stock=s),
                   order(BUY, ref - k, 60, trader=2, stock=s))
    for day in (0, 1):
        if day:
            prev = ex.close_auction()
            ex.start_day(1)
        else:
            prev = np.array(REFS)
        times = np.sort(rng.integers(0, SESSION_SECONDS, 250)) + day * SESSION_SECONDS
        for t in times.tolist():
            stock = int(rng.integers(0, 2))
            side = int(rng.choice([BUY, SELL]))
            submit(ex, order(side, 0, int(rng.integers(1, 8)), MARKET, trader=3, stock=stock,
                             time=t))
            if rng.random() < 0.5:  # refill so that prices wander both ways
                ref = REFS[stock] + int(rng.integers(-10, 11))
                submit(ex, order(-side, ref - side * 20, 20, trader=4, stock=stock, time=t))
        bars = pd.DataFrame(ex.day_bars())
        want = expected_bars(ex.trades(), 2, day, prev)
        assert (bars["volume"] > 0).sum() > 100 and (bars["volume"] == 0).sum() > 100
        assert bars.shape[0] == 2 * 390
        for col in want.columns:
            assert bars[col].tolist() == want[col].tolist(), col


def _bar_twin(tape, n_stocks, last_close, n_motives):
    """Plain-Python twin of drain_into_bar: one bar and motive volumes per stock from fills."""
    bar = np.zeros((n_stocks, len(BAR)), np.int64)
    rec = records(bar, OHLCV_DTYPE)
    mv = np.zeros((n_stocks, n_motives, 2), np.int64)
    for s in range(n_stocks):
        mine = [f for f in tape if f["stock"] == s]
        prices = [int(f["price"]) for f in mine] or [int(last_close[s])]
        rec[s]["open"], rec[s]["high"] = prices[0], max(prices)
        rec[s]["low"], rec[s]["close"] = min(prices), prices[-1]
        rec[s]["volume"] = sum(int(f["qty"]) for f in mine)
        rec[s]["trades"] = len(mine)
        for f in mine:
            mv[s, f["buyer_motive"], 0] += f["qty"]
            mv[s, f["seller_motive"], 1] += f["qty"]
    return bar, mv


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from([BUY, SELL]), st.integers(-3, 3),
                          st.integers(1, 12), st.sampled_from([LIMIT, LIMIT, MARKET]),
                          st.integers(0, 8)), max_size=60))
def test_drain_into_bar_equals_a_plain_aggregation_of_the_fills(rows):
    ex = new_exchange()
    for s, ref in enumerate(REFS):  # resting liquidity on both sides of both stocks
        submit(ex, order(SELL, ref + 1, 5, trader=1, stock=s, motive=5),
               order(BUY, ref - 1, 5, trader=2, stock=s, motive=5))
    ex.drain_into_bar(np.array(REFS), np.zeros((2, len(BAR)), np.int64),
                      np.zeros((2, 9, 2), np.int64))
    for stock, side, off, qty, kind, motive in rows:
        submit(ex, order(side, REFS[stock] + off, qty, kind, trader=3 + (side == SELL),
                         stock=stock, motive=motive))
    tape = ex.trades().copy()
    last_close = np.array([9_990, 4_990])
    bar = np.full((2, len(BAR)), 77, np.int64)  # overwritten whole
    mv = np.ones((2, 9, 2), np.int64)  # added to
    ex.drain_into_bar(last_close, bar, mv)
    want_bar, want_mv = _bar_twin(tape, 2, last_close, 9)
    np.testing.assert_array_equal(bar, want_bar)
    np.testing.assert_array_equal(mv, want_mv + 1)
    assert ex.trades().size == 0  # the tape is empty afterwards


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from([BUY, SELL]), st.integers(-8, 8),
                          st.integers(1, 9)), min_size=1, max_size=50))
def test_cancel_all_equals_a_cancel_for_each_live_order(rows):
    a, b = new_exchange(), new_exchange()
    for ex in (a, b):
        for stock, side, off, qty in rows:
            submit(ex, order(side, REFS[stock] + off, qty, trader=3 + (side == SELL), stock=stock))
    # reference: the public batch path, one CANCEL row per live order in slot order
    live = np.flatnonzero(b.pool.o[:, K.QTY] > 0)
    if live.size:
        submit(b, *[cancel(int(b.pool.o[s, K.OID]), stock=int(b.pool.o[s, K.STOCK]))
                    for s in live])
    assert a.cancel_all() == live.size
    for x, y in ((a.book.bs, b.book.bs), (a.book.lv, b.book.lv), (a.pool.o, b.pool.o),
                 (a.pool.free, b.pool.free), (a.pool.meta, b.pool.meta)):
        np.testing.assert_array_equal(x, y)
    assert (a.book.bs[:, K.NBID] == 0).all() and (a.book.bs[:, K.NASK] == 0).all()
    check_book(a)


# -- the public methods the model uses instead of the exchange's arrays (issue 9) ----------------


def test_open_accounts_gives_one_account_per_row():
    ex = new_exchange()
    ex.open_accounts(np.array([500, 700]), np.array([[1, 2], [3, 4]]))
    assert ex.n_traders == 2 and ex.cash.tolist() == [500, 700]
    assert ex.shares.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="shares"):
        ex.open_accounts(np.array([1, 2]), np.zeros((3, 2)))


def test_depth_by_tick_counts_empty_prices_and_last_prices_fall_back_to_the_close():
    ex = new_exchange()
    assert ex.depth_by_tick(0, 3) is None  # empty book
    submit(ex, order(BUY, 9_990, 5), order(BUY, 9_988, 7), order(SELL, 10_001, 4))
    bid, ask = ex.depth_by_tick(0, 3)
    assert bid.tolist() == [5, 0, 7] and ask.tolist() == [4, 0, 0]
    assert ex.last_prices().tolist() == list(REFS)  # nothing traded: the previous closes
    submit(ex, order(BUY, 10_001, 1, trader=1))
    assert ex.last_prices().tolist() == [10_001, REFS[1]]


def test_mean_spread_averages_the_two_sided_seconds():
    ex = new_exchange()
    t0 = ex.now
    submit(ex, order(BUY, 9_990, 5))  # one-sided: no spread yet
    ex.advance(t0 + 2)
    submit(ex, order(SELL, 10_000, 5))  # spread 10 ticks from here
    ex.advance(t0 + 4)
    submit(ex, order(BUY, 9_996, 5))  # spread 4
    ex.advance(t0 + 6)
    got = ex.mean_spread(t0, t0 + 6)
    seen = ex.tob[0, :, t0:t0 + 6]  # what the exchange recorded per second, checked by hand:
    assert seen[1].tolist().count(0) >= 1 and np.isnan(got[1])
    two = (seen[0] > 0) & (seen[1] > 0)
    spreads = sorted(set((seen[1] - seen[0])[two].tolist()))
    assert set(spreads) <= {10, 4} and 4 in spreads
    assert min(spreads) <= got[0] <= max(spreads)


def _window(ex, s):
    bs = ex.book.bs
    return int(bs[s, K.BASE]), int(bs[s, K.BASE] + bs[s, K.NLEV] - 1)


def test_the_level_window_follows_a_stock_that_halves_or_doubles_over_days():
    """Books cover half to twice the reference price; at a new day's open, a stock whose close
    came within a factor 1.5 of an edge gets half to twice that close, and trades there."""
    ex = new_exchange()
    assert _window(ex, 0) == (5_000, 20_000) and _window(ex, 1) == (2_500, 10_000)
    cash0, shares0 = ex.cash.copy(), ex.shares.copy()
    # day 0: stock 0 trades at 6,000 (inside its window, near its floor); stock 1 at 14,000
    submit(ex, order(SELL, 6_000, 5, trader=1))
    submit(ex, order(BUY, 6_000, 5, trader=2, time=1))
    submit(ex, order(SELL, 9_900, 5, trader=1, stock=1, time=2))
    submit(ex, order(BUY, 9_900, 5, trader=2, stock=1, time=3))
    ex.close_auction()
    ex.cancel_all()
    ex.start_day(1)
    assert _window(ex, 0) == (3_000, 12_000)  # 6,000 < 1.5 x 5,000: moved
    assert _window(ex, 1) == (4_950, 19_800)  # 9,900 > 10,000 / 1.5: moved
    t = SESSION_SECONDS
    submit(ex, order(SELL, 3_500, 3, trader=4, time=t))  # below day 0's floor
    submit(ex, order(BUY, 3_500, 3, trader=5, time=t + 1))
    assert ex.trades()[-1]["price"] == 3_500
    check_accounts(ex, cash0, shares0)
    # a close well inside the window leaves it where it is
    ex.close_auction()
    ex.cancel_all()
    before = _window(ex, 1)
    ex.start_day(2)
    assert _window(ex, 1) == before
