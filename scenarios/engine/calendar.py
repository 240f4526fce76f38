"""Trading days of the New York Stock Exchange (weekends and the exchange's 2025-2026 holidays)."""

import datetime as dt

__all__ = ["trading_dates", "check_start", "HOLIDAYS", "FIRST_DAY", "LAST_DAY"]

#: NYSE full-day closures, 2025-2026 (9 January 2025: national day of mourning for J. Carter).
HOLIDAYS = frozenset(dt.date.fromisoformat(d) for d in (
    "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
    "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
    "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
    "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
))


#: the calendar this module knows: outside it a holiday would pass silently
FIRST_DAY = dt.date(2025, 1, 2)
LAST_DAY = dt.date(2026, 12, 31)


def _is_trading_day(d: dt.date) -> bool:
    return d.weekday() < 5 and d not in HOLIDAYS


def check_start(start, n: int, field: str = "start_date") -> None:
    """Raise ValueError naming `field` unless `start` is an ISO trading day from which `n`
    trading days fit in the calendar (FIRST_DAY .. LAST_DAY)."""
    allowed = (f"an NYSE trading day (YYYY-MM-DD, no weekend or holiday) from {FIRST_DAY} to "
               f"{LAST_DAY}")
    if not isinstance(start, str):
        raise ValueError(f"{field}: must be {allowed} (got {start!r})")
    try:
        d = dt.date.fromisoformat(start)
    except ValueError:
        raise ValueError(f"{field}: must be {allowed} (got {start!r})") from None
    if not FIRST_DAY <= d <= LAST_DAY or not _is_trading_day(d):
        why = ("a weekend" if d.weekday() >= 5 else "a holiday" if d in HOLIDAYS
               else "outside the calendar")
        raise ValueError(f"{field}: must be {allowed} (got {start}, {why})")
    last = d
    for _ in range(n - 1):
        last += dt.timedelta(days=1)
        while not _is_trading_day(last):
            last += dt.timedelta(days=1)
    if last > LAST_DAY:
        raise ValueError(f"{field}: {n} trading days from {start} end after {LAST_DAY}, the "
                         "last day of the known calendar (start earlier or run fewer days)")


def trading_dates(start: str, n: int) -> list[str]:
    """The first `n` trading days from `start` (ISO date; itself included if it is one)."""
    d = dt.date.fromisoformat(start)
    out = []
    while len(out) < n:
        if _is_trading_day(d):
            out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out
