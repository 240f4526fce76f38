"""`scenarios.studies.facts` and `selloff facts`: a short run writes a well-formed facts.json and
figure; bad input exits 2 with one line; the baseline's stylized facts hold their bands over
seeds."""

import json
import subprocess
import sys

import pytest
from conftest import SMALL_POPULATION

from scenarios.cli import main
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides
from scenarios.studies.facts import BAND_ORDER, CROSS_BAND_ORDER, format_table, run_facts
from viz.facts import plot_facts

TICKERS = ["NVDA", "MSFT", "TSM"]
#: the tests' small world (conftest.py) on three stocks
SMALL = [*SMALL_POPULATION, f"tickers={json.dumps(TICKERS)}"]


def _small(days=2):
    return apply_overrides(get_scenario("baseline"), [f"days={days}", *SMALL])


def _assert_checks(checks):
    assert checks and set(checks) <= set(BAND_ORDER)
    assert all(type(v) is bool for v in checks.values())


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("facts")
    return out, run_facts(_small(), [0, 1], out, progress=False, draw=plot_facts)


def test_json_structure(two_seeds):
    out, res = two_seeds
    data = json.loads((out / "facts.json").read_text())
    assert data["scenario"] == "baseline" and data["days"] == 2
    assert data["tickers"] == TICKERS and data["seeds"] == [0, 1]
    assert set(data["bands"]) == set(BAND_ORDER)
    assert set(data["cross_bands"]) == set(CROSS_BAND_ORDER)
    assert len(data["runs"]) == 2
    for run in data["runs"]:
        assert run["decisions"] > 0 and run["orders"] > 0 and run["trades"] > 0
        assert set(run["per_stock"]) == set(TICKERS) == set(run["checks"])
        for t in TICKERS:
            f = run["per_stock"][t]
            assert f["n_minutes"] == 2 * 390 and f["n_days"] == 2
            assert len(f["acf_abs_1m"]) == 100 and len(f["acf_raw_1m"]) == 20
            assert len(f["depth_profile"]) == 10
            assert f["spread_mean"] is not None and 0 < f["spread_mean"] < 1.0  # dollars
            assert 0 < f["spread_bp"] < 100
            assert f["realised_vol_2024_pct"] > 0
            _assert_checks(run["checks"][t])
        assert run["pooled"]["n_stocks"] == 3
        _assert_checks(run["pooled_checks"])
        cs = run["cross_section"]
        assert len(cs["acf_raw_1m_median"]) == 20
        assert cs["large_caps"] == ["NVDA", "MSFT", "TSM"]  # by market cap, all three here
        spreads = sorted(run["per_stock"][t]["spread_bp"] for t in TICKERS)
        assert cs["large_cap_spread_bp"] == spreads[1]  # the median of three
        assert set(run["cross_checks"]) == set(CROSS_BAND_ORDER)
        cc = run["ccdf_abs_r1"]
        assert len(cc["x"]) == len(cc["p"]) and cc["n"] == 3 * 2 * 389
        p = [v for v in cc["p"] if v is not None]
        assert all(a >= b for a, b in zip(p, p[1:], strict=False))  # a CCDF never rises
    summ = data["summary"]
    for band, frac in summ["pooled_pass_fraction"].items():
        assert band in BAND_ORDER and frac in (0.0, 0.5, 1.0)
    assert set(summ["stock_pass_fraction"]) == set(TICKERS)
    assert set(summ["cross_pass_fraction"]) == set(CROSS_BAND_ORDER)
    table = format_table(res)
    assert "median stock, raw 1-minute ACF" in table
    assert "median quoted spread of the 3 largest stocks (NVDA MSFT TSM)" in table
    assert (out / "facts.png").stat().st_size > 10_000
    assert res["files"]["figure"].endswith("facts.png")


def test_seeds_differ(two_seeds):
    _, res = two_seeds
    a, b = (r["per_stock"]["NVDA"]["kurtosis_1m"] for r in res["runs"])
    assert a != b


def test_cli_prints_table_and_writes_files(tmp_path, capsys):
    argv = ["facts", "--days", "1", "--seed", "5", "--out", str(tmp_path)]
    for s in SMALL:
        argv += ["--set", s]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for t in TICKERS + ["pooled"]:
        assert any(line.startswith(t) for line in out.splitlines())
    assert "PASS" in out or "FAIL" in out
    assert str(tmp_path / "facts.json") in out
    data = json.loads((tmp_path / "facts.json").read_text())
    assert data["days"] == 1 and data["seeds"] == [5]
    assert (tmp_path / "facts.png").exists()


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["facts", "--days", "0"], "--days: must be an integer in [1, 250] (got 0)"),
        (["facts", "--seeds", "x"], "--seeds: must be an integer"),
        (["facts", "--scenario", "nosuch"], "--scenario: unknown 'nosuch'; allowed: baseline"),
        (["facts", "--set", "nosuch=1"], "nosuch: unknown field"),
        (["facts", "--set", "population.noise.count=-1"], "population.noise.count"),
        (["facts", "--set", 'tickers=["XXX"]'], "tickers"),
        (["facts", "--set", "days"], "expected PATH=VALUE"),
        (["facts", "--out", "/proc/no/such/dir"], "--out: cannot write to"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, needle, tmp_path):
    if "--out" not in argv:
        argv = [*argv, "--out", str(tmp_path)]
    proc = subprocess.run([sys.executable, "-m", "scenarios.cli", *argv], capture_output=True,
                          text=True)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if "error:" in ln]) == 1
    assert not (tmp_path / "facts.json").exists()


@pytest.mark.slow
def test_baseline_stylized_facts_hold_over_seeds(tmp_path):
    """Five-day runs of the whole baseline, three seeds: the pooled bands that short runs can
    measure hold in every seed, volume goes with volatility in (nearly) every stock, the median
    stock's raw 1-minute returns are (nearly) uncorrelated from lag 1 and the six largest
    stocks quote a spread of at most 1.5 bp.

    Not asserted, because they do not hold yet (README, "Stylized facts"): the humped depth
    profile, and per-stock daily volatility (five days are too few to measure it)."""
    sc = apply_overrides(get_scenario("baseline"), ["days=5"])
    res = run_facts(sc, [0, 1, 2], tmp_path, progress=False, draw=plot_facts)
    for r in res["runs"]:
        pooled = r["pooled_checks"]
        for band in ("tail_index_1m", "tail_index_5m", "acf_abs", "acf_raw", "kurtosis_decay"):
            assert pooled[band], (r["seed"], band, r["pooled"])
        vv = [c["vol_volume_corr"] for c in r["checks"].values()]
        assert sum(vv) >= 0.8 * len(vv), (r["seed"], vv)
        cross = r["cross_checks"]
        assert cross["acf_raw_median"], (r["seed"], r["cross_section"]["acf_raw_1m_median"])
        assert cross["large_cap_spread"], (r["seed"], r["cross_section"])
