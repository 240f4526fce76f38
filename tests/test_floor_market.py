"""The exchange's two public additions for the trading floor: `Exchange.add_accounts` (accounts
opened between calls, at any time) and `Exchange.resting_orders` (what an account has resting),
and the `student` motive on the tape.

Prices in ticks (cents), quantities in shares, time in seconds since day 0's open.
"""

import numpy as np
import pytest

from market import ORDER_DTYPE, Exchange, MarketRules, Motive, OrderKind, Side
from market import _kernels as K  # the test reads the pool's raw rows to check the public view

BUY, SELL = int(Side.BUY), int(Side.SELL)
LIMIT, MARKET = int(OrderKind.LIMIT), int(OrderKind.MARKET)


def _exchange(n=3):
    ex = Exchange(np.array([10_000, 5_000]), n,
                  MarketRules(auctions=False, luld=False, circuit_breaker=False))
    ex.start_day(0)
    ex.endow(np.full(n, 1_000_000), np.full((n, 2), 100))
    return ex


def _order(side, price, qty, trader, stock=0, kind=LIMIT, motive=0, t=0):
    r = np.zeros(1, ORDER_DTYPE)
    r[0] = (0, side, kind, price, qty, trader, stock, motive, t)
    return r


def test_add_accounts_keeps_the_old_ones_and_returns_the_first_new_index():
    ex = _exchange()
    ex.submit(_order(SELL, 10_010, 10, trader=0))
    ex.submit(_order(BUY, 10_010, 4, trader=1))  # a fill before the new accounts
    first = ex.add_accounts(np.array([250_000, 0]), np.array([[0, 7], [5, 0]]))
    assert first == 3 and ex.n_traders == 5
    # the old accounts as they were: trader 0 sold 4 at 100.10, trader 1 bought them
    assert ex.cash.tolist() == [1_040_040, 959_960, 1_000_000, 250_000, 0]
    assert ex.shares.tolist() == [[96, 100], [104, 100], [100, 100], [0, 7], [5, 0]]


def test_a_new_account_trades_and_settles_with_cash_and_shares_conserved():
    ex = _exchange()
    ex.submit(_order(SELL, 10_010, 10, trader=0))  # rests before the account exists
    first = ex.add_accounts(np.array([500_000]), np.array([[0, 0]]))
    cash0, shares0 = int(ex.cash.sum()), ex.shares.sum(axis=0).copy()
    ex.submit(_order(BUY, 0, 6, trader=first, kind=MARKET, motive=Motive.STUDENT, t=3))
    tape = ex.drain()
    assert tape.size == 1
    f = tape[0]
    assert (f["buyer"], f["seller"], f["price"], f["qty"], f["time"]) == (3, 0, 10_010, 6, 3)
    assert f["buyer_motive"] == Motive.STUDENT == 9
    assert ex.cash[first] == 500_000 - 6 * 10_010 and ex.shares[first].tolist() == [6, 0]
    assert int(ex.cash.sum()) == cash0 and (ex.shares.sum(axis=0) == shares0).all()


def test_an_order_from_an_account_not_yet_opened_is_refused_by_name():
    ex = _exchange()
    with pytest.raises(ValueError, match="trader"):
        ex.submit(_order(BUY, 10_000, 1, trader=3))
    ex.add_accounts(np.array([1]), np.zeros((1, 2), np.int64))
    ex.submit(_order(BUY, 10_000, 1, trader=3))  # now it exists


@pytest.mark.parametrize("cash, shares, field", [
    (np.array([1, 2]), np.zeros((3, 2), np.int64), "shares"),
    (np.array([1]), np.zeros((1, 3), np.int64), "shares"),
    (np.array([], np.int64), np.zeros((0, 2), np.int64), "cash_cents"),
    (np.array([1.5]), np.zeros((1, 2), np.int64), "cash_cents"),
    (np.array([1]), np.full((1, 2), 0.5), "shares"),
])
def test_add_accounts_refuses_bad_shapes_and_floats_and_changes_nothing(cash, shares, field):
    ex = _exchange()
    with pytest.raises(ValueError, match=field):
        ex.add_accounts(cash, shares)
    assert ex.n_traders == 3 and ex.cash.size == 3


def test_resting_orders_lists_what_is_left_where_it_rests():
    ex = _exchange(4)
    (a,) = ex.submit(_order(SELL, 10_020, 10, trader=2))
    (b,) = ex.submit(_order(BUY, 4_990, 3, trader=3, stock=1))
    ex.submit(_order(SELL, 10_030, 8, trader=1))
    ex.submit(_order(BUY, 10_020, 4, trader=0))  # takes 4 of a
    rest = ex.resting_orders(2)
    got = sorted((int(r["id"]), int(r["trader"]), int(r["stock"]), int(r["side"]),
                  int(r["price"]), int(r["qty"])) for r in rest)
    assert got == sorted([(int(a), 2, 0, SELL, 10_020, 6), (int(b), 3, 1, BUY, 4_990, 3)])
    assert ex.resting_orders(0, 2)["trader"].tolist() == [1]
    # the pool's own rows agree: every live slot of traders >= 2 is listed once
    live = (ex.pool.o[:, K.QTY] > 0) & (ex.pool.o[:, K.TRADER] >= 2)
    assert live.sum() == rest.size
    c = np.zeros(1, ORDER_DTYPE)
    c[0] = (a, 0, int(OrderKind.CANCEL), 0, 0, 0, 0, 0, 0)
    ex.submit(c)
    assert ex.resting_orders(2)["id"].tolist() == [int(b)]
