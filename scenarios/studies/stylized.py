"""Stylized facts of real markets, measured on simulated minute bars, with pass bands.

Everything here is plain numpy: arrays in, floats and arrays out. Prices are float dollars,
volumes are shares, returns are natural-log returns (dimensionless), horizons are minutes of a
390-minute trading day. Returns are only ever taken within a day: the overnight gap is a different
process and would dominate every tail and kurtosis figure if it were mixed in.

References for the bands (see `bands()`):

- Cont, R. (2001). Empirical properties of asset returns: stylized facts and statistical issues.
  Quantitative Finance 1, 223-236.
- Gopikrishnan, P., Plerou, V., Amaral, L. A. N., Meyer, M. & Stanley, H. E. (1999). Scaling of
  the distribution of fluctuations of financial market indices. Physical Review E 60, 5305.
- Bouchaud, J.-P., Mezard, M. & Potters, M. (2002). Statistical properties of stock order books:
  empirical results and models. Quantitative Finance 2, 251-256.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "MINUTES_PER_DAY",
    "TRADING_DAYS_PER_YEAR",
    "StylizedInputError",
    "aggregate_returns",
    "autocorr",
    "bands",
    "check",
    "check_cross_section",
    "cross_section_bands",
    "cross_section_facts",
    "excess_kurtosis",
    "facts_for_stock",
    "hill_tail_index",
    "pooled_facts",
    "to_jsonable",
]

#: Minutes in one regular US equity session (09:30-16:00).
MINUTES_PER_DAY = 390
#: Trading days per year used to annualise volatility.
TRADING_DAYS_PER_YEAR = 252

#: Lags (minutes) reported for the raw 1-minute return ACF and the absolute-return ACF.
RAW_ACF_MAX_LAG = 20
ABS_ACF_MAX_LAG = 100

# Pass-band thresholds: the single source for both `bands()` and `check()`.
_TAIL_LOW, _TAIL_HIGH = 2.0, 5.0
_ABS_ACF_LAG1_MIN = 0.1
_ABS_ACF_THROUGH_LAG = 50
_ABS_ACF_FAR_LAGS = (41, 50)
_ABS_ACF_MIN_FRAC_POSITIVE = 0.9
_RAW_ACF_LAGS = (5, 20)
_RAW_ACF_MAX_ABS = 0.05
_DAILY_KURTOSIS_TOLERANCE = 0.5
_VOL_VOLUME_MIN_CORR = 0.2
_DAILY_VOL_REL_TOLERANCE = 0.5
# across stocks: the median raw ACF, and the quoted spread of the largest stocks
_MEDIAN_ACF_LAG1_MAX_ABS = 0.1
_MEDIAN_ACF_FAR_MAX_ABS = 0.05
_LARGE_CAP_COUNT = 6
_LARGE_CAP_SPREAD_MAX_BP = 1.5

_CONT = "Cont (2001), Quantitative Finance 1:223-236"
_GOPI = "Gopikrishnan et al. (1999), Phys. Rev. E 60:5305"
_BOUCHAUD = "Bouchaud, Mezard & Potters (2002), Quantitative Finance 2:251-256"
_TICK = ("large US stocks are tick-constrained (Yao & Ye 2018, Review of Financial Studies): "
         "Nvidia, Apple and Microsoft quote about one cent most of the day, under 1 bp at "
         "their January 2025 prices")


class StylizedInputError(ValueError):
    """Invalid input to a stylized-fact function; the message names the field and allowed range."""


# --------------------------------------------------------------------------------------------
# Elementary statistics
# --------------------------------------------------------------------------------------------


def _finite(x: Any) -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    return a[np.isfinite(a)]


def hill_tail_index(returns: Any, tail: float = 0.05) -> float:
    """Hill estimator of the tail index alpha of |returns|.

    Uses the k = max(10, int(tail * n)) largest absolute values x_(1) >= ... >= x_(k) and the
    threshold x_(k+1): alpha = 1 / mean(log(x_(i) / x_(k+1))), i = 1..k.

    Args:
        returns: Log returns (dimensionless), any shape. Zeros, NaN and inf are ignored.
        tail: Fraction of the usable sample treated as the tail, in (0, 1).

    Returns:
        The tail index alpha (dimensionless; about 3 for stock returns, infinite for a Gaussian
        in the limit, roughly 6 for a Gaussian at tail=0.05), or nan if fewer than 50 usable
        values remain.

    Raises:
        StylizedInputError: If `tail` is not in (0, 1).
    """
    if not 0.0 < tail < 1.0:
        raise StylizedInputError(f"tail must be in (0, 1), got {tail!r}")
    x = np.abs(_finite(returns))
    x = x[x > 0.0]
    n = x.size
    if n < 50:
        return math.nan
    k = min(max(10, int(tail * n)), n - 1)
    x = -np.sort(-x)
    return float(1.0 / np.mean(np.log(x[:k] / x[k])))


def excess_kurtosis(returns: Any) -> float:
    """Excess (Fisher) kurtosis m4 / m2**2 - 3 of the finite values; 0 for a Gaussian.

    Args:
        returns: Log returns (dimensionless), any shape; NaN and inf are ignored.

    Returns:
        Excess kurtosis (dimensionless, biased moment estimator), or nan if fewer than 20 finite
        values remain or their variance is zero.
    """
    x = _finite(returns)
    if x.size < 20:
        return math.nan
    d = x - x.mean()
    m2 = np.mean(d * d)
    if m2 <= 0.0:
        return math.nan
    return float(np.mean(d**4) / (m2 * m2) - 3.0)


def autocorr(x: Any, lags: Iterable[int]) -> np.ndarray:
    """Sample autocorrelation of `x` at each lag, NaN-safe.

    Biased (standard) estimator: with y = x - mean(x) over the n finite values,
    rho(h) = sum_t y_t y_{t+h} / sum_t y_t**2, the numerator summing only pairs where both
    values are finite. NaN therefore works as a separator: padding with NaN between segments
    removes every pair that would straddle them.

    Args:
        x: 1-D series (any unit).
        lags: Non-negative integer lags (samples).

    Returns:
        Float array, one autocorrelation per lag, in the order given; nan where the lag is not
        shorter than the series or the series has zero variance.

    Raises:
        StylizedInputError: If `x` is not 1-D or a lag is negative.
    """
    a = np.asarray(x, dtype=float)
    if a.ndim != 1:
        raise StylizedInputError(f"x must be 1-D, got shape {a.shape}")
    lag_list = [int(h) for h in lags]
    if any(h < 0 for h in lag_list):
        raise StylizedInputError(f"lags must be >= 0, got {lag_list}")
    ok = np.isfinite(a)
    out = np.full(len(lag_list), np.nan)
    if not ok.any():
        return out
    y = np.where(ok, a - a[ok].mean(), 0.0)
    # Multiply-and-sum rather than np.dot: a threaded BLAS call per lag stalls for whole
    # seconds when the cores are already busy (process pools, parallel test runs).
    c0 = float(np.sum(y * y))
    if c0 <= 0.0:
        return out
    n = y.size
    for i, h in enumerate(lag_list):
        if h < n:
            out[i] = float(np.sum(y[: n - h] * y[h:])) / c0
    return out


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return math.nan
    da = a[ok] - a[ok].mean()
    db = b[ok] - b[ok].mean()
    den = math.sqrt(float(np.sum(da * da)) * float(np.sum(db * db)))
    if den <= 0.0:
        return math.nan
    return float(np.sum(da * db)) / den


# --------------------------------------------------------------------------------------------
# Returns by horizon, never across the overnight gap
# --------------------------------------------------------------------------------------------


def aggregate_returns(log_prices_by_day: Sequence[Any], k: int) -> np.ndarray:
    """Non-overlapping k-minute log returns, taken within each day only.

    Day d contributes p[k] - p[0], p[2k] - p[k], ...; a trailing block shorter than k minutes is
    dropped, and no return spans two days.

    Args:
        log_prices_by_day: One 1-D array of log prices (log dollars, minute closes) per day.
        k: Horizon in minutes, >= 1.

    Returns:
        1-D float array of log returns, days in the order given.

    Raises:
        StylizedInputError: If `k` < 1 or a day's array is not 1-D.
    """
    if int(k) != k or k < 1:
        raise StylizedInputError(f"k must be an integer >= 1, got {k!r}")
    k = int(k)
    parts = []
    for d, p in enumerate(log_prices_by_day):
        p = np.asarray(p, dtype=float)
        if p.ndim != 1:
            raise StylizedInputError(f"log_prices_by_day[{d}] must be 1-D, got shape {p.shape}")
        parts.append(np.diff(p[::k]))
    return np.concatenate(parts) if parts else np.empty(0)


def _aggregate_volume(volume_by_day: Sequence[np.ndarray], k: int) -> np.ndarray:
    # Volume aligned with aggregate_returns: return j of a day spans closes jk -> (j+1)k, so the
    # volume traded during it is that of minutes jk+1 .. (j+1)k.
    parts = []
    for v in volume_by_day:
        m = (v.size - 1) // k
        parts.append(v[1 : 1 + m * k].reshape(m, k).sum(axis=1) if m > 0 else np.empty(0))
    return np.concatenate(parts) if parts else np.empty(0)


def _split_days(day_index: np.ndarray, *arrays: np.ndarray) -> list[list[np.ndarray]]:
    cuts = np.flatnonzero(np.diff(day_index)) + 1
    return [np.split(a, cuts) for a in arrays]


def _padded(returns_by_day: Sequence[np.ndarray], max_lag: int) -> np.ndarray:
    # NaN padding of max_lag between days removes every ACF pair that spans an overnight gap.
    gap = np.full(max_lag, np.nan)
    parts: list[np.ndarray] = []
    for r in returns_by_day:
        if parts:
            parts.append(gap)
        parts.append(r)
    return np.concatenate(parts) if parts else np.empty(0)


def _intraday_acfs(log_p_by_day: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    r_by_day = [np.diff(p) for p in log_p_by_day]
    raw = autocorr(_padded(r_by_day, RAW_ACF_MAX_LAG), range(1, RAW_ACF_MAX_LAG + 1))
    absr = autocorr(
        _padded([np.abs(r) for r in r_by_day], ABS_ACF_MAX_LAG), range(1, ABS_ACF_MAX_LAG + 1)
    )
    return raw, absr


def _validated(
    minute_close: Any, minute_volume: Any, day_index: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    close = np.asarray(minute_close, dtype=float)
    volume = np.asarray(minute_volume, dtype=float)
    day = np.asarray(day_index)
    if close.ndim != 1:
        raise StylizedInputError(f"minute_close must be 1-D, got shape {close.shape}")
    if volume.shape != close.shape or day.shape != close.shape:
        raise StylizedInputError(
            "minute_volume and day_index must have the shape of minute_close "
            f"{close.shape}, got {volume.shape} and {day.shape}"
        )
    if not np.issubdtype(day.dtype, np.integer):
        raise StylizedInputError(f"day_index must be integers, got dtype {day.dtype}")
    if close.size and np.any(np.diff(day) < 0):
        raise StylizedInputError("day_index must be non-decreasing (minutes in time order)")
    if np.any(close[np.isfinite(close)] <= 0.0):
        raise StylizedInputError("minute_close must be > 0 dollars where finite")
    return close, volume, day


def _none_if_nan(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


# --------------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------------


def facts_for_stock(
    minute_close: Any,
    minute_volume: Any,
    day_index: Any,
    *,
    depth_profile: Any = None,
    spread: Any = None,
    realised_vol_2024_pct: float | None = None,
) -> dict[str, Any]:
    """Stylized facts of one stock's minute bars.

    All returns are log returns taken within a day (see `aggregate_returns`); the ACFs also drop
    every pair of minutes that straddles an overnight gap. Daily returns are close-to-close
    across consecutive days in `day_index`.

    The headline volume-volatility figure, the one the pass band uses, is the 5-minute one:
    corr(sum of volume over each 5-minute block, |5-minute return|). It is more robust than the
    1-minute figure, which is dominated by minutes with zero or one trade; both are reported.

    Args:
        minute_close: Close price of each minute, float dollars, length n_minutes, time order.
        minute_volume: Shares traded in each minute, length n_minutes.
        day_index: Integer trading day of each minute, non-decreasing, length n_minutes.
        depth_profile: Optional book depth (shares) by level from the best quote, levels 1..K:
            either a mean profile of shape (K,) or snapshots of shape (n_snapshots, K), which are
            averaged (NaN-safe).
        spread: Optional quoted spread of each minute (time-averaged), float dollars, length
            n_minutes; its finite mean is reported, and its median in basis points of the
            minute's close.
        realised_vol_2024_pct: Optional realised 2024 volatility of the real stock, annualised
            percent, for the daily-volatility band.

    Returns:
        Dict with keys:

        - ``n_minutes``, ``n_days``: sample size (int).
        - ``tail_index_1m``, ``tail_index_5m``: Hill alpha of 1- and 5-minute returns.
        - ``kurtosis_1m``, ``kurtosis_5m``, ``kurtosis_30m``, ``kurtosis_daily``: excess kurtosis.
        - ``acf_raw_1m``: float array, ACF of 1-minute returns, element i is lag i + 1 (1..20).
        - ``acf_abs_1m``: float array, ACF of |1-minute returns|, element i is lag i + 1
          (1..100).
        - ``vol_volume_corr_1m``, ``vol_volume_corr_5m``: Pearson volume-|return| correlation;
          the 5-minute one is the headline.
        - ``daily_vol_pct``: annualised volatility, percent.
        - ``daily_vol_method``: ``"close_to_close"`` (std of daily log returns * sqrt(252) * 100)
          or, with fewer than 5 days, ``"minute_scaled"`` (std of 1-minute log returns *
          sqrt(390 * 252) * 100).
        - ``realised_vol_2024_pct``, ``spread_mean`` (dollars), ``spread_bp`` (median over
          minutes of spread / close, basis points), ``depth_profile`` (float array, shares,
          levels 1..K): present only when the matching argument is given.

        Scalars that cannot be computed (too few values, zero variance) are None, never nan.

    Raises:
        StylizedInputError: On mismatched lengths, non-integer or decreasing `day_index`,
            non-positive prices, or a `depth_profile` with more than 2 dimensions.
    """
    close, volume, day = _validated(minute_close, minute_volume, day_index)
    log_p_by_day, vol_by_day = _split_days(day, np.log(close), volume)
    if close.size == 0:
        log_p_by_day, vol_by_day = [], []

    r1 = aggregate_returns(log_p_by_day, 1)
    r5 = aggregate_returns(log_p_by_day, 5)
    r30 = aggregate_returns(log_p_by_day, 30)
    daily = np.diff(np.array([p[-1] for p in log_p_by_day])) if log_p_by_day else np.empty(0)
    acf_raw, acf_abs = _intraday_acfs(log_p_by_day)

    n_days = len(log_p_by_day)
    if n_days >= 5:
        d = _finite(daily)
        vol = float(np.std(d, ddof=1) * math.sqrt(TRADING_DAYS_PER_YEAR) * 100.0)
        method = "close_to_close"
    else:
        m = _finite(r1)
        vol = (
            float(np.std(m, ddof=1) * math.sqrt(MINUTES_PER_DAY * TRADING_DAYS_PER_YEAR) * 100.0)
            if m.size >= 2
            else math.nan
        )
        method = "minute_scaled"

    facts: dict[str, Any] = {
        "n_minutes": int(close.size),
        "n_days": n_days,
        "tail_index_1m": _none_if_nan(hill_tail_index(r1)),
        "tail_index_5m": _none_if_nan(hill_tail_index(r5)),
        "kurtosis_1m": _none_if_nan(excess_kurtosis(r1)),
        "kurtosis_5m": _none_if_nan(excess_kurtosis(r5)),
        "kurtosis_30m": _none_if_nan(excess_kurtosis(r30)),
        "kurtosis_daily": _none_if_nan(excess_kurtosis(daily)),
        "acf_raw_1m": acf_raw,
        "acf_abs_1m": acf_abs,
        "vol_volume_corr_1m": _none_if_nan(_pearson(_aggregate_volume(vol_by_day, 1), np.abs(r1))),
        "vol_volume_corr_5m": _none_if_nan(_pearson(_aggregate_volume(vol_by_day, 5), np.abs(r5))),
        "daily_vol_pct": _none_if_nan(vol),
        "daily_vol_method": method,
    }
    if realised_vol_2024_pct is not None:
        facts["realised_vol_2024_pct"] = float(realised_vol_2024_pct)
    if spread is not None:
        sp = np.asarray(spread, dtype=float)
        s = _finite(sp)
        facts["spread_mean"] = float(s.mean()) if s.size else None
        if sp.shape != close.shape:
            raise StylizedInputError(
                f"spread must have the shape of minute_close {close.shape}, got {sp.shape}")
        bp = _finite(sp / close * 1e4)
        facts["spread_bp"] = float(np.median(bp)) if bp.size else None
    if depth_profile is not None:
        dp = np.asarray(depth_profile, dtype=float)
        if dp.ndim == 2:
            dp = np.nanmean(dp, axis=0) if dp.shape[0] else np.full(dp.shape[1], np.nan)
        elif dp.ndim != 1:
            raise StylizedInputError(
                f"depth_profile must have shape (K,) or (n_snapshots, K), got {dp.shape}"
            )
        facts["depth_profile"] = dp
    return facts


def pooled_facts(per_stock: Mapping[str, tuple[Any, Any, Any]]) -> dict[str, Any]:
    """Return-based stylized facts pooled across stocks.

    At each horizon (1, 5, 30 minutes and daily) every stock's returns are divided by that
    stock's own standard deviation at that horizon, then concatenated, so no single volatile
    stock dominates the tails and the mixture of scales does not fake excess kurtosis. ACFs are
    computed per stock (within days, as in `facts_for_stock`) and averaged across stocks with
    equal weight: concatenating series would create spurious pairs between stocks.

    Args:
        per_stock: Ticker -> (minute_close in dollars, minute_volume in shares, day_index), as
            taken by `facts_for_stock`.

    Returns:
        Dict with keys ``n_stocks``, ``tail_index_1m``, ``tail_index_5m``, ``kurtosis_1m``,
        ``kurtosis_5m``, ``kurtosis_30m``, ``kurtosis_daily``, ``acf_raw_1m`` (lags 1..20) and
        ``acf_abs_1m`` (lags 1..100), with the meanings and None convention of
        `facts_for_stock`; `check` accepts it.

    Raises:
        StylizedInputError: If `per_stock` is empty or an entry is invalid.
    """
    if not per_stock:
        raise StylizedInputError("per_stock must name at least one stock")
    pooled: dict[str, list[np.ndarray]] = {"1m": [], "5m": [], "30m": [], "daily": []}
    raws, abss = [], []
    for name, entry in per_stock.items():
        if len(entry) != 3:
            raise StylizedInputError(
                f"per_stock[{name!r}] must be (minute_close, minute_volume, day_index)"
            )
        close, _, day = _validated(*entry)
        if close.size == 0:
            continue
        (log_p_by_day,) = _split_days(day, np.log(close))
        series = {
            "1m": aggregate_returns(log_p_by_day, 1),
            "5m": aggregate_returns(log_p_by_day, 5),
            "30m": aggregate_returns(log_p_by_day, 30),
            "daily": np.diff(np.array([p[-1] for p in log_p_by_day])),
        }
        for key, r in series.items():
            f = _finite(r)
            sd = float(np.std(f)) if f.size >= 2 else 0.0
            if sd > 0.0:
                pooled[key].append(f / sd)
        raw, absr = _intraday_acfs(log_p_by_day)
        raws.append(raw)
        abss.append(absr)

    def cat(key: str) -> np.ndarray:
        return np.concatenate(pooled[key]) if pooled[key] else np.empty(0)

    def mean_acf(acfs: list[np.ndarray], max_lag: int) -> np.ndarray:
        if not acfs:
            return np.full(max_lag, np.nan)
        stack = np.vstack(acfs)
        ok = np.isfinite(stack)
        cnt = ok.sum(axis=0)
        tot = np.where(ok, stack, 0.0).sum(axis=0)
        return np.divide(tot, cnt, out=np.full(max_lag, np.nan), where=cnt > 0)

    return {
        "n_stocks": len(per_stock),
        "tail_index_1m": _none_if_nan(hill_tail_index(cat("1m"))),
        "tail_index_5m": _none_if_nan(hill_tail_index(cat("5m"))),
        "kurtosis_1m": _none_if_nan(excess_kurtosis(cat("1m"))),
        "kurtosis_5m": _none_if_nan(excess_kurtosis(cat("5m"))),
        "kurtosis_30m": _none_if_nan(excess_kurtosis(cat("30m"))),
        "kurtosis_daily": _none_if_nan(excess_kurtosis(cat("daily"))),
        "acf_raw_1m": mean_acf(raws, RAW_ACF_MAX_LAG),
        "acf_abs_1m": mean_acf(abss, ABS_ACF_MAX_LAG),
    }


# --------------------------------------------------------------------------------------------
# Bands and checks
# --------------------------------------------------------------------------------------------


def bands() -> dict[str, dict[str, Any]]:
    """The pass bands, keyed by the names `check` returns.

    Each entry has ``rule`` (the operational definition, in words), ``citation`` and the
    numeric thresholds `check` applies.

    Returns:
        Dict of band name -> description dict.
    """
    return {
        "tail_index_1m": {
            "rule": f"Hill tail index of 1-minute returns (top 5%) in [{_TAIL_LOW}, {_TAIL_HIGH}]",
            "low": _TAIL_LOW,
            "high": _TAIL_HIGH,
            "citation": f"{_GOPI}; {_CONT}",
        },
        "tail_index_5m": {
            "rule": f"Hill tail index of 5-minute returns (top 5%) in [{_TAIL_LOW}, {_TAIL_HIGH}]",
            "low": _TAIL_LOW,
            "high": _TAIL_HIGH,
            "citation": f"{_GOPI}; {_CONT}",
        },
        "acf_abs": {
            "rule": (
                "Volatility clustering: ACF of |1-minute returns| > "
                f"{_ABS_ACF_LAG1_MIN} at lag 1 and positive through lag {_ABS_ACF_THROUGH_LAG}. "
                "Operational definition, since one noisy lag can dip below zero: the mean ACF "
                f"over lags {_ABS_ACF_FAR_LAGS[0]}-{_ABS_ACF_FAR_LAGS[1]} is positive AND at "
                f"least {_ABS_ACF_MIN_FRAC_POSITIVE:.0%} of lags 1-{_ABS_ACF_THROUGH_LAG} are "
                "positive"
            ),
            "lag1_min": _ABS_ACF_LAG1_MIN,
            "through_lag": _ABS_ACF_THROUGH_LAG,
            "far_lags": _ABS_ACF_FAR_LAGS,
            "min_fraction_positive": _ABS_ACF_MIN_FRAC_POSITIVE,
            "citation": _CONT,
        },
        "acf_raw": {
            "rule": (
                "Absence of linear autocorrelation: |ACF of 1-minute returns| <= "
                f"{_RAW_ACF_MAX_ABS} at every lag {_RAW_ACF_LAGS[0]}..{_RAW_ACF_LAGS[1]}"
            ),
            "lags": _RAW_ACF_LAGS,
            "max_abs": _RAW_ACF_MAX_ABS,
            "citation": _CONT,
        },
        "kurtosis_decay": {
            "rule": (
                "Aggregational Gaussianity: excess kurtosis k1 > k5 > k30 (1, 5, 30 minutes); "
                f"if daily kurtosis is available, k_daily <= k30 + {_DAILY_KURTOSIS_TOLERANCE}"
            ),
            "daily_tolerance": _DAILY_KURTOSIS_TOLERANCE,
            "citation": f"{_CONT}; {_GOPI}",
        },
        "vol_volume_corr": {
            "rule": (
                "Volume-volatility correlation: corr(5-minute volume, |5-minute return|) >= "
                f"{_VOL_VOLUME_MIN_CORR}"
            ),
            "min": _VOL_VOLUME_MIN_CORR,
            "citation": _CONT,
        },
        "depth_hump": {
            "rule": (
                "Humped book: the mean depth profile peaks deeper than the best level "
                "(argmax over levels is not level 1); checked only with a depth profile"
            ),
            "citation": _BOUCHAUD,
        },
        "daily_vol": {
            "rule": (
                "Annualised daily volatility within +-"
                f"{_DAILY_VOL_REL_TOLERANCE:.0%} (relative) of the stock's 2024 realised "
                "volatility; checked only when that is given"
            ),
            "rel_tolerance": _DAILY_VOL_REL_TOLERANCE,
            "citation": "calibration target (2024 realised volatility)",
        },
    }


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _acf(v: Any, max_lag: int) -> np.ndarray | None:
    if v is None:
        return None
    a = np.asarray(v, dtype=float)
    if a.ndim != 1 or a.size < max_lag or not np.all(np.isfinite(a[:max_lag])):
        return None
    return a


def check(facts: Mapping[str, Any]) -> dict[str, bool]:
    """Apply `bands()` to one facts dict (from `facts_for_stock` or `pooled_facts`).

    A check whose inputs are missing, None or nan is left out of the result rather than passed
    or failed.

    Args:
        facts: Facts dict; see `facts_for_stock` for the keys.

    Returns:
        Band name -> passed, for the subset of ``tail_index_1m``, ``tail_index_5m``,
        ``acf_abs``, ``acf_raw``, ``kurtosis_decay``, ``vol_volume_corr``, ``depth_hump`` and
        ``daily_vol`` that could be evaluated.
    """
    out: dict[str, bool] = {}
    for key in ("tail_index_1m", "tail_index_5m"):
        a = _num(facts.get(key))
        if a is not None:
            out[key] = _TAIL_LOW <= a <= _TAIL_HIGH

    acf_abs = _acf(facts.get("acf_abs_1m"), _ABS_ACF_THROUGH_LAG)
    if acf_abs is not None:
        lo, hi = _ABS_ACF_FAR_LAGS
        frac_pos = float(np.mean(acf_abs[:_ABS_ACF_THROUGH_LAG] > 0.0))
        out["acf_abs"] = bool(
            acf_abs[0] > _ABS_ACF_LAG1_MIN
            and acf_abs[lo - 1 : hi].mean() > 0.0
            and frac_pos >= _ABS_ACF_MIN_FRAC_POSITIVE
        )

    lo, hi = _RAW_ACF_LAGS
    acf_raw = _acf(facts.get("acf_raw_1m"), hi)
    if acf_raw is not None:
        out["acf_raw"] = bool(np.all(np.abs(acf_raw[lo - 1 : hi]) <= _RAW_ACF_MAX_ABS))

    k1, k5, k30 = (_num(facts.get(f"kurtosis_{h}")) for h in ("1m", "5m", "30m"))
    if k1 is not None and k5 is not None and k30 is not None:
        ok = k1 > k5 > k30
        kd = _num(facts.get("kurtosis_daily"))
        if kd is not None:
            ok = ok and kd <= k30 + _DAILY_KURTOSIS_TOLERANCE
        out["kurtosis_decay"] = ok

    c = _num(facts.get("vol_volume_corr_5m"))
    if c is not None:
        out["vol_volume_corr"] = c >= _VOL_VOLUME_MIN_CORR

    dp = facts.get("depth_profile")
    if dp is not None:
        prof = np.asarray(dp, dtype=float)
        if prof.ndim == 1 and prof.size and np.any(np.isfinite(prof)):
            out["depth_hump"] = bool(np.nanargmax(prof) > 0)

    vol, ref = _num(facts.get("daily_vol_pct")), _num(facts.get("realised_vol_2024_pct"))
    if vol is not None and ref is not None and ref > 0.0:
        out["daily_vol"] = abs(vol / ref - 1.0) <= _DAILY_VOL_REL_TOLERANCE
    return out


# --------------------------------------------------------------------------------------------
# Across stocks: the median stock's raw autocorrelation, the largest stocks' spreads
# --------------------------------------------------------------------------------------------


def cross_section_facts(per_stock: Mapping[str, Mapping[str, Any]],
                        market_cap: Mapping[str, float]) -> dict[str, Any]:
    """Facts of the cross-section of stocks, from each stock's `facts_for_stock` dict.

    Args:
        per_stock: Ticker -> facts (``acf_raw_1m``; ``spread_bp`` where spreads were given).
        market_cap: Ticker -> market capitalisation (any unit; only the order counts).

    Returns:
        Dict with ``acf_raw_1m_median`` (float array, lags 1..20: at each lag the median over
        stocks of their raw 1-minute ACF; NaN where no stock has a value), ``large_caps`` (the
        `_LARGE_CAP_COUNT` tickers of largest market cap among those given, largest first) and
        ``large_cap_spread_bp`` (median over them of their ``spread_bp``; None without spreads).

    Raises:
        StylizedInputError: If `per_stock` is empty or a ticker has no market cap.
    """
    if not per_stock:
        raise StylizedInputError("per_stock must name at least one stock")
    missing = [t for t in per_stock if t not in market_cap]
    if missing:
        raise StylizedInputError(f"market_cap must give every stock (missing {missing})")
    acfs = np.full((len(per_stock), RAW_ACF_MAX_LAG), np.nan)
    for j, f in enumerate(per_stock.values()):
        a = np.asarray(f.get("acf_raw_1m", ()), dtype=float)[:RAW_ACF_MAX_LAG]
        acfs[j, : a.size] = a
    med = np.full(RAW_ACF_MAX_LAG, np.nan)
    for h in range(RAW_ACF_MAX_LAG):
        col = _finite(acfs[:, h])
        if col.size:
            med[h] = float(np.median(col))
    large = sorted(per_stock, key=lambda t: -float(market_cap[t]))[:_LARGE_CAP_COUNT]
    spreads = [_num(per_stock[t].get("spread_bp")) for t in large]
    spreads = [v for v in spreads if v is not None]
    return {
        "acf_raw_1m_median": med,
        "large_caps": large,
        "large_cap_spread_bp": float(np.median(spreads)) if spreads else None,
    }


def cross_section_bands() -> dict[str, dict[str, Any]]:
    """The pass bands of `check_cross_section`: ``rule``, ``citation`` and thresholds."""
    return {
        "acf_raw_median": {
            "rule": (
                "No free lunch: the median stock's raw 1-minute ACF is at most "
                f"{_MEDIAN_ACF_LAG1_MAX_ABS} in size at lag 1 (bid-ask bounce makes real "
                f"mega-caps slightly negative there) and at most {_MEDIAN_ACF_FAR_MAX_ABS} at "
                f"lags 2-{RAW_ACF_MAX_LAG}"
            ),
            "lag1_max_abs": _MEDIAN_ACF_LAG1_MAX_ABS,
            "far_max_abs": _MEDIAN_ACF_FAR_MAX_ABS,
            "lags": (1, RAW_ACF_MAX_LAG),
            "citation": _CONT,
        },
        "large_cap_spread": {
            "rule": (
                f"The median quoted spread of the {_LARGE_CAP_COUNT} largest stocks by market "
                f"cap (each its median over minutes) is at most {_LARGE_CAP_SPREAD_MAX_BP} bp"
            ),
            "count": _LARGE_CAP_COUNT,
            "max_bp": _LARGE_CAP_SPREAD_MAX_BP,
            "citation": _TICK,
        },
    }


def check_cross_section(cs: Mapping[str, Any]) -> dict[str, bool]:
    """Apply `cross_section_bands()` to a `cross_section_facts` dict.

    A check whose inputs are missing (no spreads, a NaN lag) is left out of the result.
    """
    out: dict[str, bool] = {}
    med = _acf(cs.get("acf_raw_1m_median"), RAW_ACF_MAX_LAG)
    if med is not None:
        out["acf_raw_median"] = bool(abs(med[0]) <= _MEDIAN_ACF_LAG1_MAX_ABS
                                     and np.all(np.abs(med[1:RAW_ACF_MAX_LAG])
                                                <= _MEDIAN_ACF_FAR_MAX_ABS))
    sp = _num(cs.get("large_cap_spread_bp"))
    if sp is not None:
        out["large_cap_spread"] = sp <= _LARGE_CAP_SPREAD_MAX_BP
    return out


# --------------------------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------------------------


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars and arrays, tuples and non-finite floats into JSON-ready values.

    Args:
        obj: Any nesting of dicts, lists, tuples, numpy arrays and scalars.

    Returns:
        The same structure using only dict (str keys), list, str, int, float, bool and None;
        nan and +-inf become None.
    """
    if isinstance(obj, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj
