"""Students' orders as the floor takes them: the request's fields checked one by one, and the
buying-power rule, both pure functions of plain numbers (no threads, no HTTP).

Prices are dollars in a request and integer cents (ticks) everywhere after `parse_order`;
quantities are integer shares. Every refusal is a `FloorError` (a `ValueError`) whose `field`
names what was wrong and whose message says what is allowed; the server answers it with 400
(`Forbidden` 403, `UnknownOrder` 404).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FloorError", "Forbidden", "UnknownOrder", "OrderRequest", "parse_order",
           "ORDER_FIELDS", "check_buying_power", "margin_state", "worst_price", "BUY", "SELL"]

BUY, SELL = 1, -1
#: the fields of POST /api/orders; `price` only with type "limit"
ORDER_FIELDS = ("ticker", "side", "qty", "type", "price")


class FloorError(ValueError):
    """A request the floor refuses: `field` names the bad field ('' when none does)."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class Forbidden(FloorError):
    """A request this token may not make (another student's order, a student's control)."""


class UnknownOrder(FloorError):
    """An order id no order has."""


@dataclass(frozen=True)
class OrderRequest:
    """A checked order: stock index, side (+1 buy, -1 sell), "market" or "limit", shares, and
    the limit price in cents (None for a market order)."""

    stock: int
    side: int
    kind: str
    qty: int
    price: int | None


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def parse_order(body, tickers, last_cents, *, max_qty: int, band_pct: float) -> OrderRequest:
    """Check the fields of an order request (a dict decoded from JSON) and convert its price.

    Args:
        body: {"ticker", "side": "buy"|"sell", "qty", "type": "market"|"limit", "price"?}.
        tickers: the floor's tickers, in stock order.
        last_cents: each stock's last price in cents (the band's centre).
        max_qty: the largest qty allowed (shares).
        band_pct: a limit price must lie within this percent of the last price.

    Raises:
        FloorError: naming the first bad field: unknown or missing fields, wrong types (a bool
            is not a number, a float is not a qty), NaN or infinite prices, prices off the cent
            grid or outside the band, a price on a market order.
    """
    if not isinstance(body, dict):
        raise FloorError("body", f"must be a JSON object with {', '.join(ORDER_FIELDS)} "
                         f"(got {type(body).__name__})")
    for key in body:
        if key not in ORDER_FIELDS:
            raise FloorError(str(key)[:40], f"unknown field; allowed: {', '.join(ORDER_FIELDS)}")
    for key in ("ticker", "side", "qty", "type"):
        if key not in body:
            raise FloorError(key, "missing")
    ticker = body["ticker"]
    if not isinstance(ticker, str) or ticker not in tickers:
        raise FloorError("ticker", f"must be one of {', '.join(tickers)} (got {_show(ticker)})")
    side = body["side"]
    if side not in ("buy", "sell") or not isinstance(side, str):
        raise FloorError("side", f'must be "buy" or "sell" (got {_show(side)})')
    kind = body["type"]
    if kind not in ("market", "limit") or not isinstance(kind, str):
        raise FloorError("type", f'must be "market" or "limit" (got {_show(kind)})')
    qty = body["qty"]
    if not _is_int(qty):
        raise FloorError("qty", f"must be a whole number of shares in [1, {max_qty:,}] "
                         f"(got {_show(qty)})")
    if not 1 <= qty <= max_qty:
        raise FloorError("qty", f"must be in [1, {max_qty:,}] shares (got {_show(qty)})")
    stock = tickers.index(ticker)
    price = body.get("price")
    if kind == "market":
        if price is not None:
            raise FloorError("price", "must be left out of a market order (it fills at the "
                             "book's prices)")
        return OrderRequest(stock, BUY if side == "buy" else SELL, kind, int(qty), None)
    if "price" not in body or price is None:
        raise FloorError("price", "missing: a limit order needs a price in dollars")
    ref = int(last_cents[stock])
    lo = max(1, math.ceil(ref * (1 - band_pct / 100)))
    hi = math.floor(ref * (1 + band_pct / 100))
    band = (f"a price in dollars and cents within {band_pct:g}% of {ticker}'s last price "
            f"{ref / 100:.2f}: [{lo / 100:.2f}, {hi / 100:.2f}]")
    if not _is_number(price):
        raise FloorError("price", f"must be {band} (got {_show(price)})")
    try:
        cents_f = float(price) * 100.0
    except OverflowError:
        raise FloorError("price", f"must be {band} (got a number too large)") from None
    if not math.isfinite(cents_f):
        raise FloorError("price", f"must be {band} (got {_show(price)})")
    if not lo <= cents_f <= hi:
        raise FloorError("price", f"must be {band} (got {_show(price)})")
    cents = round(cents_f)
    if abs(cents_f - cents) > 1e-6:
        raise FloorError("price", f"must be on the one-cent tick grid (got {_show(price)})")
    return OrderRequest(stock, BUY if side == "buy" else SELL, kind, int(qty), int(cents))


def _show(x) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


def worst_price(side: int, price, mark: int, band_pct: float) -> int:
    """The price (cents) buying power assumes an order fills at: its limit, or for a market
    order the last price moved `band_pct` percent against it."""
    if price is not None:
        return int(price)
    if side == BUY:
        return math.ceil(mark * (1 + band_pct / 100))
    return max(1, math.floor(mark * (1 - band_pct / 100)))


def _requirement(shares, marks, orders, band_pct: float, max_leverage: float) -> int:
    """R = the sum over stocks of the worst, over which of the stock's orders fill (none, the
    buys, the sells, both), of |shares after| x mark + max_leverage x what the fills pay above
    (or receive below) the marks; cents."""
    n = len(marks)
    buy, sell = [0] * n, [0] * n
    cost_b, cost_s = [0] * n, [0] * n
    for stock, side, qty, price in orders:
        m = int(marks[stock])
        p = worst_price(side, price, m, band_pct)
        if side == BUY:
            buy[stock] += qty
            cost_b[stock] += qty * max(0, p - m)
        else:
            sell[stock] += qty
            cost_s[stock] += qty * max(0, m - p)
    total = 0.0
    for s in range(n):
        h, m = int(shares[s]), int(marks[s])
        total += max(abs(h) * m, abs(h + buy[s]) * m + max_leverage * cost_b[s],
                     abs(h - sell[s]) * m + max_leverage * cost_s[s],
                     abs(h + buy[s] - sell[s]) * m + max_leverage * (cost_b[s] + cost_s[s]))
    return total


def check_buying_power(cash: int, shares, marks, orders, *, max_leverage: float,
                       band_pct: float, short_selling: bool, tickers) -> None:
    """Refuse (FloorError on "qty") the last of `orders` unless it fits the buying-power rule.

    Args:
        cash: the student's cash, cents.
        shares: their shares per stock.
        marks: last prices per stock, cents.
        orders: (stock, side, qty, limit price in cents or None) of every open order, the new
            one last.
        max_leverage: gross exposure / equity allowed however the orders fill.

    Whatever subset of the orders fills (each at `worst_price`), the gross exposure (the sum
    over stocks of |shares| x mark) must stay within max_leverage x equity (cash + shares x
    marks, less what the fills pay above or receive below the marks). In one number: R (see
    `_requirement`) <= max_leverage x equity now. An account already past that (prices moved)
    may still send orders that do not raise R: it can always sell down. Without short selling
    no stock's shares may go below zero with every open sell filled.
    """
    stock, side, qty, _ = orders[-1]
    held = int(shares[stock])
    sold = sum(q for s, sd, q, _p in orders if s == stock and sd == SELL)
    if not short_selling and side == SELL and held - sold < 0:
        raise FloorError("qty", f"short selling is off on this floor: you hold {held:,} "
                         f"{tickers[stock]} and may sell at most {max(0, held - sold + qty):,} "
                         "more (open sell orders count)")
    equity = int(cash) + sum(int(shares[s]) * int(marks[s]) for s in range(len(marks)))
    need = _requirement(shares, marks, orders, band_pct, max_leverage)
    if need <= max_leverage * equity:
        return
    if need <= _requirement(shares, marks, orders[:-1], band_pct, max_leverage):
        return  # it lowers (or keeps) what the account needs: selling down is always allowed
    raise FloorError("qty", f"over your buying power: with your open orders and this one "
                     f"filled at their limits (a market order at the last price {band_pct:g}% "
                     f"against you), you would need ${need / max_leverage / 100:,.2f} of equity "
                     f"and you have ${equity / 100:,.2f} (this floor allows {max_leverage:g}x "
                     "equity of gross exposure)")


def margin_state(cash: int, shares, marks, *, max_leverage: float) -> dict:
    """Equity, gross exposure and buying power left (dollars), and the margin in use (gross over
    max_leverage x equity: 1 = no buying power left)."""
    equity = int(cash) + sum(int(shares[s]) * int(marks[s]) for s in range(len(marks)))
    gross = sum(abs(int(shares[s])) * int(marks[s]) for s in range(len(marks)))
    limit = max_leverage * equity
    return {
        "equity": equity / 100,
        "gross": gross / 100,
        "buying_power": max(0.0, limit - gross) / 100,
        "margin_used": (gross / limit) if limit > 0 else None,
        "equity_ratio": (equity / gross) if gross > 0 else None,
    }
