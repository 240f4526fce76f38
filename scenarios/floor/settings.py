"""A trading floor's settings for its students: a frozen dataclass of `agents.params` fields.

Set from the command line as ``selloff classroom deepseek --set floor.cash=50000 --set
floor.max_leverage=1``: the same override and validation machinery as a scenario's fields, and
errors that name the field (``floor.cash: must be a number in [0, 1e+09] (got -5)``). The
scenario's own `Scenario` dataclass is left alone (summary.json embeds its parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.params import ParamError, param, to_dict
from scenarios.library.overrides import apply_overrides, describe, override

__all__ = ["Floor", "floor_with", "floor_from_dict", "floor_fields"]


@dataclass(frozen=True)
class Floor:
    """What each student starts with and may do. Money in dollars here (cents inside).

    Buying power: an order is accepted when, however the student's open orders fill (each at
    its limit price, a market order at the last price moved `price_band_pct` against it), the
    gross exposure (the sum over stocks of |shares| x last price) stays within `max_leverage` x
    equity (cash + shares at last prices); an order that lowers what the account needs is
    always accepted (a student past the limit can sell down). A student whose equity falls under
    `maintenance` x gross exposure is forced to sell (their own margin call): their resting
    orders are cancelled and every position is cut by market orders back to `max_leverage`.
    """

    cash: float = param(100_000.0, 0.0, 1e9, doc="each student's starting cash, dollars")
    shares: int = param(0, 0, 1_000_000, doc="each student's starting shares of every stock")
    max_leverage: float = param(2.0, 1.0, 10.0, doc="gross exposure an order may take a student "
                                "to, open orders included, as a multiple of equity (1: no "
                                "borrowing; 2: Reg T's 50% initial margin)")
    maintenance: float = param(0.25, 0.01, 1.0, doc="equity over gross exposure under which a "
                               "student's positions are sold for them (FINRA's 25%)")
    short_selling: bool = param(True, doc="students may sell shares they do not hold (within "
                                "max_leverage)")
    max_order_qty: int = param(10_000, 1, 10_000_000, doc="largest order, shares")
    price_band_pct: float = param(10.0, 0.1, 50.0, doc="a limit price must lie within this "
                                  "percent of the stock's last price")
    max_open_orders: int = param(50, 1, 1_000, doc="orders a student may have queued or resting "
                                 "at once")
    max_actions_per_minute: int = param(30, 1, 10_000, doc="orders and cancels a student may "
                                        "send for one simulated minute")
    max_students: int = param(200, 1, 10_000, doc="students who may join")
    speed: float = param(1.0, 0.05, 120.0, doc="simulated minutes per second at the start (the "
                         "instructor changes it)")
    start_day: int = param(0, 0, 249, doc="days the world trades alone before the students' "
                           "session opens (1: deepseek's Monday)")
    debrief_channels: bool = param(True, doc="the debrief also runs the scenario with each "
                                   "contagion channel off (in a background process)")


@dataclass(frozen=True)
class _Root:
    """The root the `floor.` paths start from, so that errors name `floor.FIELD`."""

    floor: Floor = param(Floor())


def floor_with(sets) -> Floor:
    """`Floor()` with `PATH=VALUE` assignments applied, each PATH starting with ``floor.``.

    Raises:
        ParamError: naming the field and its allowed range.
    """
    for s in sets:
        if not isinstance(s, str) or not s.startswith("floor."):
            raise ParamError(f"{s!r}: a floor setting is floor.FIELD=VALUE")
    return apply_overrides(_Root(), list(sets)).floor


def floor_from_dict(data) -> Floor:
    """The `Floor` a session log recorded (`to_dict(floor)`), validated like an override."""
    if not isinstance(data, dict):
        raise ParamError(f"floor: must be an object of settings (got {type(data).__name__})")
    return override(_Root(), "floor", data).floor


def floor_fields() -> list[tuple[str, str, str]]:
    """(path, value, type and range; meaning) of every floor setting, as `selloff fields`."""
    return describe(_Root())


def as_dict(floor: Floor) -> dict:
    """The settings as JSON-ready data (what the session log records)."""
    return to_dict(floor)
