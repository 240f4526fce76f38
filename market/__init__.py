"""The exchange: numba limit order books, matching, auctions, halts, settlement, tape and bars.

Knows nothing of agents or Mesa. Prices are integer ticks (cents), quantities integer shares.
"""

from .types import (
    BAR,
    BAR_DTYPE,
    DAY,
    DAY_DTYPE,
    MOTIVE_NAMES,
    OHLCV_DTYPE,
    ORDER_DTYPE,
    RESTING_DTYPE,
    SESSION_SECONDS,
    TAPE_DTYPE,
    TRADE_DTYPE,
    InvalidOrderError,
    Motive,
    OrderKind,
    Side,
)

__all__ = [
    "Side",
    "OrderKind",
    "Motive",
    "MOTIVE_NAMES",
    "ORDER_DTYPE",
    "TRADE_DTYPE",
    "TAPE_DTYPE",
    "BAR_DTYPE",
    "OHLCV_DTYPE",
    "BAR",
    "DAY_DTYPE",
    "DAY",
    "RESTING_DTYPE",
    "InvalidOrderError",
    "match_stream",
    "validate_orders",
    "Exchange",
    "MarketRules",
    "SESSION_SECONDS",
    "bars_from_tape",
]

#: the compiled parts load on first use (PEP 562): `selloff scenarios`, a scenario's definition and
#: argument errors need the record types only, not numba
_LAZY = {"match_stream": "book", "validate_orders": "book", "Exchange": "exchange",
         "MarketRules": "exchange", "bars_from_tape": "exchange"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
