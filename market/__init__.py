"""The exchange: numba limit order books, matching, auctions, halts, settlement, tape and bars.

Knows nothing of agents or Mesa. Prices are integer ticks (cents), quantities integer shares.
"""

from .book import match_stream, validate_orders
from .exchange import SESSION_SECONDS, Exchange, MarketRules, bars_from_tape
from .types import (
    BAR_DTYPE,
    MOTIVE_NAMES,
    ORDER_DTYPE,
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
    "InvalidOrderError",
    "match_stream",
    "validate_orders",
    "Exchange",
    "MarketRules",
    "SESSION_SECONDS",
    "bars_from_tape",
]
