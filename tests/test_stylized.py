"""Tests for scenarios.studies.stylized: estimators against known distributions, bands that
discriminate."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.studies.stylized import (
    StylizedInputError,
    aggregate_returns,
    autocorr,
    bands,
    check,
    check_cross_section,
    cross_section_bands,
    cross_section_facts,
    excess_kurtosis,
    facts_for_stock,
    hill_tail_index,
    pooled_facts,
    to_jsonable,
)

DAYS = 100
MINUTES = 390


def _days(n_days: int = DAYS) -> np.ndarray:
    return np.repeat(np.arange(n_days), MINUTES)


def _garch_t(rng: np.random.Generator, n: int, a: float = 0.08, b: float = 0.9, df: int = 6):
    """GARCH(1,1) log returns with unit-variance Student-t innovations; unconditional sd 1e-3."""
    z = rng.standard_t(df, n) / math.sqrt(df / (df - 2))
    omega = 1e-6 * (1.0 - a - b)
    r = np.empty(n)
    h = 1e-6
    for t in range(n):
        r[t] = math.sqrt(h) * z[t]
        h = omega + a * r[t] ** 2 + b * h
    return r


def _naive_autocorr(x: np.ndarray, lag: int) -> float:
    """Slow twin: explicit loop over finite pairs, biased normalisation."""
    ok = [v for v in x if math.isfinite(v)]
    m = sum(ok) / len(ok)
    den = sum((v - m) ** 2 for v in ok)
    num = 0.0
    for t in range(len(x) - lag):
        if math.isfinite(x[t]) and math.isfinite(x[t + lag]):
            num += (x[t] - m) * (x[t + lag] - m)
    return num / den


# ---------------------------------------------------------------------------------- estimators


def test_hill_recovers_pareto_alpha():
    rng = np.random.default_rng(1)
    n = 200_000
    x = (rng.pareto(3.0, n) + 1.0) * rng.choice([-1.0, 1.0], n)
    assert abs(hill_tail_index(x, tail=0.05) - 3.0) < 0.5


def test_hill_student_t3_in_range_and_gaussian_above_five():
    rng = np.random.default_rng(2)
    assert 2.0 < hill_tail_index(rng.standard_t(3, 200_000)) < 4.5
    # The band's upper edge (5) must exclude a Gaussian at the default 5% tail.
    assert hill_tail_index(rng.standard_normal(200_000)) > 5.5


def test_hill_ignores_zeros_and_nan_and_needs_50_values():
    rng = np.random.default_rng(3)
    x = rng.standard_t(3, 49)
    assert math.isnan(hill_tail_index(np.concatenate([x, np.zeros(100), [np.nan] * 10])))
    y = rng.standard_t(3, 5000)
    padded = np.concatenate([y, np.zeros(5000), [np.nan] * 7])
    assert hill_tail_index(padded) == pytest.approx(hill_tail_index(y))
    with pytest.raises(StylizedInputError, match="tail"):
        hill_tail_index(y, tail=1.0)


def test_excess_kurtosis_normal_and_t5():
    rng = np.random.default_rng(4)
    assert abs(excess_kurtosis(rng.standard_normal(200_000))) < 0.05
    assert 3.0 < excess_kurtosis(rng.standard_t(5, 200_000)) < 15.0  # population value 6
    assert math.isnan(excess_kurtosis(rng.standard_normal(19)))
    assert math.isnan(excess_kurtosis(np.ones(50)))


def test_autocorr_ar1():
    rng = np.random.default_rng(5)
    n = 100_000
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = 0.5 * x[t - 1] + e[t]
    rho = autocorr(x + 7.0, [0, 1, 2])  # the mean is removed
    assert rho[0] == pytest.approx(1.0)
    assert abs(rho[1] - 0.5) < 0.02
    assert abs(rho[2] - 0.25) < 0.02


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.floats(-100, 100), st.just(float("nan"))), min_size=3, max_size=40),
    st.integers(0, 5),
)
def test_autocorr_matches_naive_twin_with_nans(values, lag):
    x = np.array(values)
    ok = x[np.isfinite(x)]
    if ok.size < 2 or np.ptp(ok) < 1e-3 or lag >= x.size:
        return
    assert autocorr(x, [lag])[0] == pytest.approx(_naive_autocorr(x, lag), abs=1e-9)


def test_autocorr_lag_beyond_series_is_nan_and_negative_lag_rejected():
    assert math.isnan(autocorr(np.arange(5.0), [5])[0])
    with pytest.raises(StylizedInputError, match="lags"):
        autocorr(np.arange(5.0), [-1])


def test_aggregate_returns_never_crosses_overnight_gap():
    rng = np.random.default_rng(6)
    day0 = np.log(100.0) + np.cumsum(rng.normal(0, 1e-3, MINUTES))
    day1 = np.log(200.0) + np.cumsum(rng.normal(0, 1e-3, MINUTES))  # +69% overnight
    for k in (1, 5, 30):
        r = aggregate_returns([day0, day1], k)
        assert r.size == 2 * ((MINUTES - 1) // k)
        assert np.max(np.abs(r)) < 0.1
    r5 = aggregate_returns([day0[:12]], 5)  # trailing 2-minute block dropped
    np.testing.assert_allclose(r5, [day0[5] - day0[0], day0[10] - day0[5]])
    with pytest.raises(StylizedInputError, match="k"):
        aggregate_returns([day0], 0)


# --------------------------------------------------------------------------- facts and checks


def test_garch_passes_and_iid_normal_fails_the_discriminating_checks():
    rng = np.random.default_rng(7)
    n = DAYS * MINUTES
    r = _garch_t(rng, n)
    volume = np.abs(r) / r.std() * 1e4 * rng.lognormal(0.0, 0.5, n) + 1.0
    garch = facts_for_stock(100.0 * np.exp(np.cumsum(r)), volume, _days())
    g = check(garch)
    assert g["tail_index_1m"] and g["tail_index_5m"]
    assert g["acf_abs"]
    assert g["acf_raw"]
    assert g["vol_volume_corr"]

    z = rng.normal(0.0, 1e-3, n)
    normal = facts_for_stock(100.0 * np.exp(np.cumsum(z)), np.full(n, 500.0), _days())
    c = check(normal)
    assert normal["tail_index_1m"] > 5.0 and normal["tail_index_5m"] > 5.0
    assert not c["tail_index_1m"] and not c["tail_index_5m"]
    assert not c["acf_abs"]
    assert c["acf_raw"]  # no linear predictability in either series
    assert normal["vol_volume_corr_5m"] is None  # constant volume: undefined, so not checked
    assert "vol_volume_corr" not in c

    unrelated = facts_for_stock(100.0 * np.exp(np.cumsum(z)), rng.lognormal(5.0, 1.0, n), _days())
    assert not check(unrelated)["vol_volume_corr"]


def test_kurtosis_decays_with_horizon_for_iid_scale_mixture():
    rng = np.random.default_rng(8)
    n = DAYS * MINUTES
    r = 1e-3 * rng.lognormal(0.0, 0.7, n) * rng.standard_normal(n)
    facts = facts_for_stock(100.0 * np.exp(np.cumsum(r)), np.ones(n), _days())
    assert facts["kurtosis_1m"] > facts["kurtosis_5m"] > facts["kurtosis_30m"]
    assert facts["kurtosis_daily"] is not None
    assert check(facts)["kurtosis_decay"]


def test_kurtosis_decay_rule_and_daily_tolerance():
    base = {"kurtosis_1m": 10.0, "kurtosis_5m": 4.0, "kurtosis_30m": 1.0}
    assert check({**base, "kurtosis_daily": None})["kurtosis_decay"]
    assert check({**base, "kurtosis_daily": 1.4})["kurtosis_decay"]
    assert not check({**base, "kurtosis_daily": 1.6})["kurtosis_decay"]
    assert not check({**base, "kurtosis_5m": 0.5})["kurtosis_decay"]


def test_few_days_gives_none_daily_kurtosis_and_minute_scaled_vol():
    rng = np.random.default_rng(9)
    n = 3 * MINUTES
    sigma = 1e-3
    facts = facts_for_stock(
        100.0 * np.exp(np.cumsum(rng.normal(0, sigma, n))), np.ones(n), _days(3)
    )
    assert facts["n_days"] == 3
    assert facts["kurtosis_daily"] is None
    assert facts["daily_vol_method"] == "minute_scaled"
    expected = sigma * math.sqrt(MINUTES * 252) * 100.0
    assert facts["daily_vol_pct"] == pytest.approx(expected, rel=0.1)


def test_daily_vol_band():
    rng = np.random.default_rng(10)
    n = DAYS * MINUTES
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    facts = facts_for_stock(close, np.ones(n), _days(), realised_vol_2024_pct=30.0)
    assert facts["daily_vol_method"] == "close_to_close"
    vol = facts["daily_vol_pct"]
    assert 20.0 < vol < 45.0  # 1e-3 * sqrt(390 * 252) * 100 = 31.3
    assert check({**facts, "realised_vol_2024_pct": vol * 1.4})["daily_vol"]
    assert not check({**facts, "realised_vol_2024_pct": vol * 3.0})["daily_vol"]
    assert "daily_vol" not in check({**facts, "realised_vol_2024_pct": None})


@pytest.mark.parametrize(("profile", "humped"), [([1, 3, 5, 4, 2], True), ([5, 4, 3, 2, 1], False)])
def test_depth_hump(profile, humped):
    n = 2 * MINUTES
    close = np.full(n, 100.0)
    facts = facts_for_stock(close, np.ones(n), _days(2), depth_profile=profile,
                            spread=np.full(n, 0.01))
    assert check(facts)["depth_hump"] is humped
    assert facts["spread_mean"] == pytest.approx(0.01)
    snapshots = np.vstack([profile, np.array(profile) * 3.0])
    facts2 = facts_for_stock(close, np.ones(n), _days(2), depth_profile=snapshots)
    np.testing.assert_allclose(facts2["depth_profile"], np.array(profile) * 2.0)
    assert check(facts2)["depth_hump"] is humped
    assert "depth_hump" not in check(facts_for_stock(close, np.ones(n), _days(2)))


def test_spread_in_basis_points_is_the_median_minute():
    """Spread / close per minute, median: a $0.01 spread on $100 is 1 bp; the one wide minute
    (and the NaN one) do not move the median."""
    n = 2 * MINUTES
    close = np.full(n, 100.0)
    spread = np.full(n, 0.01)
    spread[5], spread[6] = 1.0, np.nan
    facts = facts_for_stock(close, np.ones(n), _days(2), spread=spread)
    assert facts["spread_bp"] == pytest.approx(1.0)
    with pytest.raises(StylizedInputError, match="spread must have the shape"):
        facts_for_stock(close, np.ones(n), _days(2), spread=[0.01])


def _stock(lag1, far=0.0, spread_bp=None):
    acf = np.full(20, far)
    acf[0] = lag1
    return {"acf_raw_1m": acf, "spread_bp": spread_bp}


def test_cross_section_median_acf_and_the_largest_stocks_spread():
    """Seven stocks: the median ACF is the middle stock's at every lag; the six largest by
    market cap leave out G (the smallest), whose 9 bp spread therefore does not count."""
    per = {t: _stock(a, spread_bp=bp) for t, a, bp in
           [("A", 0.3, 1.0), ("B", -0.2, 1.2), ("C", 0.05, 0.8), ("D", 0.0, 2.0),
            ("E", 0.08, 1.4), ("F", -0.01, 0.9), ("G", 0.5, 9.0)]}
    caps = {"A": 7, "B": 6, "C": 5, "D": 4, "E": 3, "F": 2, "G": 1}
    cs = cross_section_facts(per, caps)
    assert cs["acf_raw_1m_median"][0] == pytest.approx(0.05)  # sorted: -.2 -.01 0 .05 ...
    assert cs["large_caps"] == ["A", "B", "C", "D", "E", "F"]
    assert cs["large_cap_spread_bp"] == pytest.approx(1.1)  # median of .8 .9 1 1.2 1.4 2
    assert check_cross_section(cs) == {"acf_raw_median": True, "large_cap_spread": True}
    caps["G"] = 100  # now G is among the largest, and 0.8 bp drops out: median (1.2+1.4)/2
    assert cross_section_facts(per, caps)["large_cap_spread_bp"] == pytest.approx(1.3)


@pytest.mark.parametrize(("lag1", "far", "ok"), [(0.09, 0.04, True), (-0.09, -0.04, True),
                                                 (0.12, 0.0, False), (-0.12, 0.0, False),
                                                 (0.0, 0.06, False), (0.0, -0.06, False)])
def test_cross_section_acf_band_discriminates(lag1, far, ok):
    b = cross_section_bands()["acf_raw_median"]
    assert (b["lag1_max_abs"], b["far_max_abs"]) == (0.1, 0.05)
    cs = cross_section_facts({"A": _stock(lag1, far), "B": _stock(lag1, far)}, {"A": 2, "B": 1})
    assert check_cross_section(cs) == {"acf_raw_median": ok}  # no spreads: no spread check


@pytest.mark.parametrize(("bp", "ok"), [(1.49, True), (1.51, False)])
def test_cross_section_spread_band_discriminates(bp, ok):
    cs = cross_section_facts({"A": _stock(0.0, spread_bp=bp)}, {"A": 1})
    assert check_cross_section(cs)["large_cap_spread"] is ok


def test_cross_section_needs_every_market_cap():
    with pytest.raises(StylizedInputError, match="market_cap"):
        cross_section_facts({"A": _stock(0.0)}, {"B": 1.0})


def test_abs_acf_operational_definition_tolerates_one_dip():
    acf = 0.3 * 0.97 ** np.arange(100)
    assert check({"acf_abs_1m": acf})["acf_abs"]
    dip = acf.copy()
    dip[29] = -0.01  # one noisy lag: 98% of lags 1-50 still positive
    assert check({"acf_abs_1m": dip})["acf_abs"]
    far_negative = acf.copy()
    far_negative[40:50] = -0.005  # only 80% positive, and the far mean is negative
    assert not check({"acf_abs_1m": far_negative})["acf_abs"]
    weak = acf * 0.3  # lag 1 = 0.09 <= 0.1
    assert not check({"acf_abs_1m": weak})["acf_abs"]


def test_raw_acf_band_checks_lags_5_to_20_only():
    acf = np.zeros(20)
    acf[:4] = -0.2  # bid-ask bounce at short lags is allowed
    assert check({"acf_raw_1m": acf})["acf_raw"]
    acf[6] = 0.06  # lag 7
    assert not check({"acf_raw_1m": acf})["acf_raw"]


def test_check_skips_missing_inputs_and_bands_document_every_check():
    assert check({}) == {}
    assert check({"tail_index_1m": float("nan"), "acf_abs_1m": np.full(100, np.nan)}) == {}
    documented = bands()
    assert set(documented) == {
        "tail_index_1m",
        "tail_index_5m",
        "acf_abs",
        "acf_raw",
        "kurtosis_decay",
        "vol_volume_corr",
        "depth_hump",
        "daily_vol",
    }
    assert all(b["citation"] and b["rule"] for b in documented.values())
    assert "90%" in documented["acf_abs"]["rule"]


def test_pooled_facts_normalise_per_stock_and_average_acfs():
    rng = np.random.default_rng(11)
    n = 20 * MINUTES
    day = _days(20)
    per_stock = {}
    for name, sigma in (("CALM", 1e-4), ("WILD", 1e-2)):
        close = 100.0 * np.exp(np.cumsum(rng.normal(0, sigma, n)))
        per_stock[name] = (close, np.ones(n), day)
    pooled = pooled_facts(per_stock)
    assert pooled["n_stocks"] == 2
    # Concatenating unnormalised returns of a 100x-different scale would give kurtosis ~ 3.
    assert abs(pooled["kurtosis_1m"]) < 0.2
    assert pooled["tail_index_1m"] > 5.0
    singles = [facts_for_stock(*v) for v in per_stock.values()]
    np.testing.assert_allclose(
        pooled["acf_abs_1m"], (singles[0]["acf_abs_1m"] + singles[1]["acf_abs_1m"]) / 2
    )
    assert not check(pooled)["acf_abs"]
    with pytest.raises(StylizedInputError):
        pooled_facts({})


def test_invalid_inputs_raise_naming_the_field():
    with pytest.raises(StylizedInputError, match="minute_volume"):
        facts_for_stock(np.ones(10), np.ones(9), np.zeros(10, dtype=int))
    with pytest.raises(StylizedInputError, match="day_index"):
        facts_for_stock(np.ones(3), np.ones(3), np.array([1, 0, 0]))
    with pytest.raises(StylizedInputError, match="minute_close"):
        facts_for_stock(np.array([1.0, -1.0]), np.ones(2), np.zeros(2, dtype=int))


def test_to_jsonable_handles_nan_and_numpy_types():
    obj = {
        "a": np.float64("nan"),
        "b": np.int64(3),
        "c": np.array([1.0, np.nan, np.inf]),
        "d": (np.bool_(True), float("nan")),
        np.int32(4): np.float32(0.5),
    }
    out = to_jsonable(obj)
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == {
        "a": None,
        "b": 3,
        "c": [1.0, None, None],
        "d": [True, None],
        "4": 0.5,
    }
    facts = facts_for_stock(np.full(50, 100.0), np.ones(50), np.zeros(50, dtype=int))
    json.dumps(to_jsonable(facts), allow_nan=False)
