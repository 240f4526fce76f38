"""The value decomposition: every firm's numbers follow the one rule from the file's own columns,
and value answers a change in expected AI compute demand through each part's duration."""

import csv
import io
import math
import re
from importlib.resources import files

import numpy as np
import pytest

from agents.expectations import (
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    Decomposition,
    ExpectationParams,
    ExpectationsError,
    growth_value_change,
    load_decomposition,
)
from agents.networks import ExposureParams, demand_value_change, supply_graph, value_change
from agents.universe import UniverseError, load_edges, load_universe

TEXT = (files("agents") / "data" / "expectations.csv").read_text()


def _rows():
    body = "\n".join(ln for ln in TEXT.splitlines() if ln and not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def _header_rate(name: str) -> float:
    """A rate the file's header states, e.g. 'r = 8.95%' -> 0.0895."""
    m = re.search(rf"#\s+{re.escape(name)} = ([0-9.]+)%", TEXT)
    assert m, f"the header states {name}"
    return float(m.group(1)) / 100.0


def test_header_rates_are_the_code_defaults():
    p = ExpectationParams()
    assert _header_rate("r") == pytest.approx(p.cost_of_equity)
    assert _header_rate("g_L") == pytest.approx(p.long_run_growth)


def test_every_firm_follows_the_rule_from_the_files_own_columns():
    """The rule written out again here, in plain floats, from the header's words."""
    r, gl = _header_rate("r"), _header_rate("g_L")
    rows = _rows()
    assert len(rows) == 19
    for row in rows:
        price = float(row["price"])
        place_v = min(price, max(0.0, float(row["eps_fy"])) / r)
        growth = price - place_v
        ref = float(row["anchor_price"]) * (1 + float(row["benchmark_since_anchor_pct"]) / 100)
        rerating = (price - ref) / growth if growth > 0 else 0.0
        a = max(min(max(rerating, 0.0), 1.0), float(row["ai_dc_share_pct"]) / 100)
        place, ai, other = place_v / price, a * growth / price, (1 - a) * growth / price
        h = float(row["ai_horizon_years"])
        duration = place / r + ai * (h + 1 / (r - gl)) + other / (r - gl)
        t = row["ticker"]
        assert float(row["place_share"]) == pytest.approx(place, abs=6e-5), t
        assert float(row["ai_growth_share"]) == pytest.approx(ai, abs=6e-5), t
        assert float(row["other_growth_share"]) == pytest.approx(other, abs=6e-5), t
        assert float(row["implied_duration_years"]) == pytest.approx(duration, abs=0.006), t
        assert place + ai + other == pytest.approx(1.0)


def test_every_input_has_its_basis_and_the_universes_facts():
    uni = load_universe()
    for row in _rows():
        t = row["ticker"]
        for col in ("eps_basis", "anchor_basis", "horizon_basis", "fiscal_year", "anchor_date"):
            assert row[col].strip(), f"{t}: {col} is empty"
        assert row["anchor_date"] <= "2025-01-24", t  # facts before the event only
        i = uni.index(t)
        assert float(row["price"]) == pytest.approx(uni.close_2025_01_24[i]), t
        assert float(row["ai_dc_share_pct"]) == uni.ai_dc_share_pct[i], t
    assert set(INPUT_COLUMNS) | set(OUTPUT_COLUMNS) == set(_rows()[0])


def test_the_code_gives_the_files_outputs():
    uni = load_universe()
    dec = load_decomposition(uni)
    for row in _rows():
        i = uni.index(row["ticker"])
        assert dec.place[i] == pytest.approx(float(row["place_share"]), abs=6e-5)
        assert dec.ai_growth[i] == pytest.approx(float(row["ai_growth_share"]), abs=6e-5)
        assert dec.duration[i] == pytest.approx(float(row["implied_duration_years"]), abs=0.006)


def test_what_the_rule_says_of_firms_whose_price_holds_ai_growth():
    """Read off the facts, not fitted: a power producer with no AI revenue today but an eightfold
    run-up since ChatGPT has most of its value in AI-linked growth; Apple, which moved with the
    market, has none; Micron, priced at twelve times earnings, is mostly assets in place."""
    dec = load_decomposition(load_universe())
    by = dict(zip(dec.tickers, range(len(dec.tickers)), strict=True))
    assert dec.ai_growth[by["VST"]] > 0.5 and dec.ai_growth[by["CEG"]] > 0.5
    assert dec.ai_growth[by["AAPL"]] < 0.001  # it moved with the market: 221.37 against 221.36
    assert dec.place[by["MU"]] > 0.85
    assert dec.duration[by["MU"]] < dec.duration[by["ARM"]]


def _toy(place, ai, horizon):
    n = len(place)
    return Decomposition(tickers=tuple(f"T{i}" for i in range(n)), place=np.array(place),
                         ai_growth=np.array(ai), other_growth=1 - np.array(place) - np.array(ai),
                         horizon=np.array(horizon, float), duration=np.zeros(n),
                         ai_duration=np.zeros(n))


def test_growth_response_worked_by_hand():
    """r 10%, g_L 5%, T 5 years, d = exp(-0.05) - 1: dg = -1% a year. Assets in place (duration
    10) lose 1 - e^-0.1, AI-linked growth two years out (duration 22) 1 - e^-0.22."""
    p = ExpectationParams(cost_of_equity=0.10, long_run_growth=0.05, buildout_years=5.0)
    dec = _toy([0.4], [0.6], [2.0])
    dv = growth_value_change(math.exp(-0.05) - 1, dec, [0.5], [1.0], [1.0], p)
    assert dv[0] == pytest.approx(0.2 * (math.exp(-0.1) - 1) + 0.6 * (math.exp(-0.22) - 1))
    assert dv[0] == pytest.approx(-0.137521, abs=1e-6)


def test_longer_duration_moves_more_and_no_news_moves_nothing():
    dec = _toy([0.3, 0.3], [0.7, 0.7], [1.0, 6.0])
    dv = growth_value_change(-0.05, dec, [0.8, 0.8], [1.0, 1.0], [1.0, 1.0])
    assert dv[1] < dv[0] < 0
    assert np.all(growth_value_change(0.0, dec, [0.8, 0.8], [1.0, 1.0], [1.0, 1.0]) == 0)
    up = growth_value_change(0.05, dec, [0.8, 0.8], [1.0, 1.0], [1.0, 1.0])
    assert np.all(up > 0) and np.all(np.isfinite(up))
    with pytest.raises(ExpectationsError, match="d: must be"):
        growth_value_change(-1.0, dec, [0.8, 0.8], [1.0, 1.0], [1.0, 1.0])


def test_without_expectations_value_moves_on_current_revenue_alone():
    uni = load_universe()
    g = supply_graph(uni, load_edges(uni))
    assert np.array_equal(demand_value_change(-0.1, uni, g), value_change(-0.1, uni, g))
    dec = load_decomposition(uni)
    on = demand_value_change(-0.05, uni, g, ExposureParams(), (dec, ExpectationParams()))
    i = uni.index
    # a power producer priced on AI: on expectations it moves with Nvidia, on current revenue
    # it barely moves
    assert on[i("VST")] < 0.5 * on[i("NVDA")] < 0
    assert value_change(-0.05, uni, g)[i("VST")] > 0.2 * on[i("VST")]


def test_bad_rows_are_named(tmp_path):
    uni = load_universe()
    bad = TEXT.replace("NVDA,142.62,", "NVDA,150.00,")
    p = tmp_path / "e.csv"
    p.write_text(bad)
    with pytest.raises(UniverseError, match="NVDA: expectations.csv price"):
        load_decomposition(uni, source=p)
    p.write_text("\n".join(ln for ln in TEXT.splitlines() if not ln.startswith("CEG,")))
    with pytest.raises(ExpectationsError, match="CEG: no row"):
        load_decomposition(uni, source=p)
    p.write_text(TEXT.replace(",4.45,FY2026", ",four,FY2026"))
    with pytest.raises(ExpectationsError, match="NVDA: eps_fy must be a number"):
        load_decomposition(uni, source=p)
