"""Trading days of the New York Stock Exchange (weekends and the exchange's 2025-2026 holidays)."""

import datetime as dt

__all__ = ["trading_dates", "HOLIDAYS"]

#: NYSE full-day closures, 2025-2026 (9 January 2025: national day of mourning for J. Carter).
HOLIDAYS = frozenset(dt.date.fromisoformat(d) for d in (
    "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
    "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
    "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
    "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
))


def trading_dates(start: str, n: int) -> list[str]:
    """The first `n` trading days from `start` (ISO date; itself included if it is one)."""
    d = dt.date.fromisoformat(start)
    out = []
    while len(out) < n:
        if d.weekday() < 5 and d not in HOLIDAYS:
            out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out
