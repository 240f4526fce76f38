"""Record layouts and small enums shared by the exchange, its callers, files and dataframes.

Units: prices in ticks (int64, one tick = one cent), quantities in shares (int64), time in
seconds since the session open (int64) unless a field says otherwise.
"""

from enum import IntEnum

import numpy as np

__all__ = [
    "Side",
    "OrderKind",
    "Motive",
    "ORDER_DTYPE",
    "TRADE_DTYPE",
    "TAPE_DTYPE",
    "BAR_DTYPE",
    "OHLCV_DTYPE",
    "BAR",
    "DAY_DTYPE",
    "DAY",
    "columns",
    "records",
    "RESTING_DTYPE",
    "InvalidOrderError",
    "MOTIVE_NAMES",
    "SESSION_SECONDS",
]

SESSION_SECONDS = 23_400  #: seconds in a session, 09:30-16:00


class Side(IntEnum):
    """Side of an order. The sign is the direction of the share flow to the submitter."""

    BUY = 1
    SELL = -1


class OrderKind(IntEnum):
    """What an order row asks the exchange to do."""

    LIMIT = 0  #: rest whatever does not fill at once
    MARKET = 1  #: fill against the book at any price; the rest is dropped; price is ignored
    CANCEL = 2  #: remove the live order named by `id`; side, price and qty are ignored
    IOC = 3  #: a limit that never rests: fill what crosses now, drop the rest


class Motive(IntEnum):
    """Why an order was sent: recorded on the tape for both sides of every trade."""

    NONE = 0
    VALUE = 1  #: fundamental trader acting on its belief about value
    MOMENTUM = 2  #: trend follower acting on an average of past returns
    NOISE = 3  #: retail / noise trading
    DIP_BUY = 4  #: retail buying after a fall
    MARKET_MAKING = 5  #: two-sided quotes of a market maker
    #: forced trades: a fund past its margin limit, a value trader past its capital or risk
    #: limit (cutting a short is a forced buy)
    FORCED = 6
    FUND_FLOW = 7  #: passive or sector-ETF flow into or out of all constituents
    NEWS = 8  #: reaction to news just received
    STUDENT = 9  #: a person trading on the classroom floor (scenarios.floor), by hand or script


MOTIVE_NAMES = tuple(m.name.lower() for m in Motive)

#: One order row as submitted. `id` is the caller's order id (a cancel names the order to remove).
ORDER_DTYPE = np.dtype(
    [
        ("id", np.int64),
        ("side", np.int8),  # Side
        ("kind", np.int8),  # OrderKind
        ("price", np.int64),  # ticks; ignored for MARKET and CANCEL
        ("qty", np.int64),  # shares; ignored for CANCEL
        ("trader", np.int64),  # account index (Exchange only; match_stream ignores it)
        ("stock", np.int64),  # book index (Exchange only)
        ("motive", np.int8),  # Motive (Exchange only)
        ("time", np.int64),  # seconds since the first session's open (Exchange only)
    ],
    align=True,
)

#: One fill of `match_stream`: the incoming order (taker) against a resting one (maker).
TRADE_DTYPE = np.dtype(
    [
        ("taker", np.int64),  # id of the incoming order
        ("maker", np.int64),  # id of the resting order
        ("price", np.int64),  # ticks; always the maker's price
        ("qty", np.int64),  # shares
    ],
    align=True,
)

#: One fill on the Exchange's tape: both accounts and motives, so "who sold and why" is a query.
#: All int64 and in the kernels' column order, so the tape buffer is viewed, not converted.
TAPE_DTYPE = np.dtype(
    [
        ("taker", np.int64),  # order id of the incoming order (auction: the buy order's id)
        ("maker", np.int64),  # order id of the resting order (auction: the sell order's id)
        ("price", np.int64),  # ticks
        ("qty", np.int64),  # shares
        ("time", np.int64),  # seconds since the first session's open (day * 23400 + second)
        ("stock", np.int64),
        ("taker_side", np.int64),  # Side of the incoming order; 0 for an auction fill
        ("buyer_motive", np.int64),  # Motive
        ("seller_motive", np.int64),  # Motive
        ("buyer", np.int64),  # account index
        ("seller", np.int64),  # account index
    ],
    align=True,
)

#: One-minute OHLCV bar of one stock in ticks; a minute with no trade repeats the last close.
BAR_DTYPE = np.dtype(
    [
        ("minute", np.int64),  # minutes since the first session's open (day * 390 + minute)
        ("stock", np.int32),
        ("open", np.int64),
        ("high", np.int64),
        ("low", np.int64),
        ("close", np.int64),
        ("volume", np.int64),  # shares
        ("trades", np.int64),
    ],
    align=True,
)


#: One stock's minute in a bar cube as `Exchange.drain_into_bar` fills it (`bar[stock, field]`):
#: ticks, shares, trades; a minute with no trade repeats the last close. All int64 and in the
#: cube's column order, so an int64 cube `bars[..., 6]` is these records viewed (`records`), and
#: `BAR.close` names its column (`bars[:, s, BAR.close]`).
OHLCV_DTYPE = np.dtype(
    [(name, np.int64) for name in ("open", "high", "low", "close", "volume", "trades")]
)


def columns(dtype: np.dtype):
    """The column index of each field of an all-int64 record `dtype`, by name (a NamedTuple:
    `columns(OHLCV_DTYPE).close == 3`): to index the last axis of the cube it views."""
    from collections import namedtuple

    names = dtype.names
    return namedtuple(f"Columns_{'_'.join(names)}", names)(*range(len(names)))


def records(cube: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`cube[..., len(dtype.names)]` (int64, last axis contiguous) as records of `dtype` of shape
    `cube.shape[:-1]`: a view, no copy (`records(bars, OHLCV_DTYPE)["close"]`)."""
    return cube.view(dtype)[..., 0]


#: the columns of a bar cube (OHLCV_DTYPE's fields): BAR.open ... BAR.trades
BAR = columns(OHLCV_DTYPE)

#: One stock's day (a run's `daily[day, stock]`): the first five fields of a bar (open, high,
#: low, close in ticks, volume in shares), all int64; `DAY.close` names its column
DAY_DTYPE = np.dtype([(name, OHLCV_DTYPE[name]) for name in OHLCV_DTYPE.names[:5]])
DAY = columns(DAY_DTYPE)


#: One order resting in a book (`Exchange.resting_orders`): what is left of it and where it rests.
RESTING_DTYPE = np.dtype(
    [
        ("id", np.int64),  # the exchange's order id (what `Exchange.submit` returned)
        ("trader", np.int64),  # account index
        ("stock", np.int64),
        ("side", np.int64),  # Side
        ("price", np.int64),  # ticks: the level it rests at (LULD may have repriced it)
        ("qty", np.int64),  # shares still resting
    ],
    align=True,
)


class InvalidOrderError(ValueError):
    """An order row that the exchange refuses; the message names the row and the field."""

    def __init__(self, row: int, field: str, allowed: str, value=None):
        self.row, self.field = int(row), field
        got = "" if value is None else f" (got {value!r})"
        super().__init__(f"order row {row}: field '{field}' must be {allowed}{got}")
