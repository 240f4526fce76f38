"""The world: a Mesa model over the exchange. Conservation, determinism, Mesa's API, motives."""

import dataclasses
import hashlib
import subprocess
import sys

import numpy as np
import pytest
from conftest import SMALL_POPULATION
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.loop import attention_rates
from agents.schema import KIND_NAMES
from scenarios.engine.model import MINUTES, Investor, SelloffModel
from scenarios.engine.recording import BAR, BOUGHT, DAY, SOLD
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides

#: the tests' small world (conftest.py) on three stocks for one day
SMALL = [*SMALL_POPULATION, 'tickers=["NVDA", "TSM", "MSFT"]', "days=1"]


def small(**changes):
    sc = apply_overrides(get_scenario("baseline"), SMALL)
    return dataclasses.replace(sc, **changes)


@pytest.fixture(scope="module")
def day_run():
    m = SelloffModel(small(), seed=11)
    cash0 = m.exchange.cash.sum()
    shares0 = m.exchange.shares.sum(axis=0).copy()
    m.run()
    return m, cash0, shares0


def test_a_day_conserves_cash_and_shares_exactly(day_run):
    m, cash0, shares0 = day_run
    assert m.exchange.cash.sum() == cash0
    np.testing.assert_array_equal(m.exchange.shares.sum(axis=0), shares0)
    assert m.counts[0] > 10_000  # investors did decide


def test_bars_are_consistent_and_traded(day_run):
    m, _, _ = day_run
    b = m.bars[:MINUTES]
    o, h, lo, c, v = (b[:, :, k] for k in range(5))
    assert (h >= np.maximum(o, c)).all() and (lo <= np.minimum(o, c)).all()
    assert (v.sum(axis=0) > 0).all()
    # daily summary agrees with the bars (the close is the closing auction's price)
    np.testing.assert_array_equal(m.daily[0, :, DAY.volume], v.sum(axis=0))
    assert (m.daily[0, :, DAY.high] >= m.daily[0, :, DAY.close]).all()
    assert (m.daily[0, :, DAY.low] <= m.daily[0, :, DAY.close]).all()
    # prices stay within a sane band of their start on a no-news day
    move = m.daily[0, :, DAY.close] / (m.prices0 * 100) - 1
    assert (np.abs(move) < 0.2).all()


def test_volume_by_motive_adds_up(day_run):
    m, _, _ = day_run
    mv = m.motive_volume[:MINUTES]
    total = m.bars[:MINUTES, :, BAR.volume].sum(axis=0)
    np.testing.assert_array_equal(mv[:, :, :, BOUGHT].sum(axis=(0, 2)), total)
    np.testing.assert_array_equal(mv[:, :, :, SOLD].sum(axis=(0, 2)), total)
    assert mv[:, :, 5, :].sum() > 0  # market makers traded


def test_mesa_agents_are_views_on_the_arrays(day_run):
    m, _, _ = day_run
    n = m.inv.kind.size
    investors = m.agents_by_type[Investor]
    assert len(investors) == n
    assert len(m.agents) == n + len(m.tickers)  # and one firm per stock
    assert {a.ticker for a in m.agents if not isinstance(a, Investor)} == set(m.tickers)
    makers = m.agents.select(lambda a: a.kind == "market_maker")
    assert len(makers) == 2 * 3
    maker = next(iter(makers))  # AgentSet indexing is deprecated in Mesa 3.5
    assert maker.cash == m.exchange.cash[maker.index] / 100
    total_pnl = investors.agg("pnl", np.sum)
    # trading moves wealth between accounts; the sum changes only with prices
    wealth_now = (m.exchange.cash / 100).sum() + (m.exchange.shares @ m.last_prices()).sum()
    assert total_pnl == pytest.approx(wealth_now - m.wealth0.sum(), rel=1e-9, abs=1e-3)
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df.columns[: len(m.tickers)]) == list(m.tickers) and len(df) == MINUTES
    # per cohort: shares move between kinds but their sum is the float; P&L adds up to the total
    shares = df[[f"{k}_shares" for k in KIND_NAMES]].sum(axis=1)
    assert (shares == m.exchange.shares.sum()).all()
    pnl = df[[f"{k}_pnl" for k in KIND_NAMES]].iloc[-1].sum()
    assert pnl == pytest.approx(total_pnl, rel=1e-9, abs=1e-3)
    assert df["market_maker_shares"].iloc[0] != df["market_maker_shares"].iloc[-1]
    # the compiled cohort totals against a plain numpy aggregation
    kinds, k = m.inv.kind, len(KIND_NAMES)
    cash = m.exchange.cash[:n] / 100
    wealth = cash + m.exchange.shares[:n] @ m.last_prices()
    want = np.stack([np.bincount(kinds, weights=w, minlength=k) for w in
                     (m.exchange.shares[:n].sum(axis=1), cash, wealth - m.wealth0)], axis=1)
    np.testing.assert_allclose(m.cohorts(), want, rtol=1e-12, atol=1e-6)


def _fingerprint(seed: int) -> str:
    code = (
        "import dataclasses, hashlib, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_model import small\n"
        "from scenarios.engine.model import SelloffModel\n"
        f"m = SelloffModel(dataclasses.replace(small(), days=1), seed={seed})\n"
        "for _ in range(90): m.step()\n"
        "print(hashlib.sha256(m.bars.tobytes() + m.exchange.cash.tobytes()).hexdigest())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_same_seed_same_result_in_another_process():
    m = SelloffModel(small(), seed=5)
    for _ in range(90):
        m.step()
    here = hashlib.sha256(m.bars.tobytes() + m.exchange.cash.tobytes()).hexdigest()
    assert _fingerprint(5) == here
    assert _fingerprint(6) != here


def test_fire_sale_channel_off_means_no_forced_sales():
    # leveraged funds start over their limit: they sell only when the channel is on
    on = SelloffModel(apply_overrides(small(), ["population.leveraged.leverage_limit=1.5",
                                                "population.leveraged.leverage=2.0"]), seed=3)
    off = SelloffModel(apply_overrides(small(), ["population.leveraged.leverage_limit=1.5",
                                                 "population.leveraged.leverage=2.0",
                                                 "channels.fire_sale=false"]), seed=3)
    for m in (on, off):
        for _ in range(120):
            m.step()
    forced = 6
    assert on.motive_volume[:, :, forced, SOLD].sum() > 0
    assert off.motive_volume[:, :, forced, SOLD].sum() == 0


def test_abides_rmsc04_population_runs_a_day():
    sc = get_scenario("abides_rmsc04")
    assert sc.tickers == ("NVDA",) and sc.days == 1
    m = SelloffModel(sc, seed=1)
    kinds = m.kinds_count
    assert (kinds["abides_noise"], kinds["abides_value"], kinds["abides_momentum"],
            kinds["abides_maker"]) == (1000, 102, 12, 2 * 10)  # a maker: a row per level
    m.run()
    assert m.bars[:, 0, BAR.trades].sum() > 1000
    assert m.daily[0, 0, DAY.close] > 0


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 40), st.floats(-2e4, 6e4), st.integers(0, 2**32 - 1))
def test_attention_rates_equal_a_numpy_twin(n_news, n, t, seed):
    rng = np.random.default_rng(seed)
    hear = rng.uniform(-1e4, 3e4, (n_news, n))
    hear[rng.random((n_news, n)) < 0.2] = np.inf  # never hears
    extra = rng.uniform(0, 5, (n_news, n))
    rate0 = rng.uniform(0.001, 0.2, n)
    order = rng.permutation(n).astype(np.int64)
    tau = 6 * 3600.0
    rate, cum, live = np.zeros(n), np.zeros(n), np.zeros(n_news, np.int64)
    attention_rates(rate0, hear, extra, t, tau, order, rate, cum, live)
    # twin: the plain numpy formula
    f = np.ones(n)
    for k in range(n_news):
        age = t - hear[k]
        on = age >= 0
        f += np.where(on, extra[k] * np.exp(-np.where(on, age, 0.0) / tau), 0.0)
    want_live = [bool(np.any(np.isfinite(hear[k]) & ~(t - hear[k] > 5 * tau)))
                 for k in range(n_news)]
    want_rate = rate0 * f if any(want_live) else rate0
    assert live.astype(bool).tolist() == want_live
    np.testing.assert_allclose(rate, want_rate, rtol=1e-14)
    np.testing.assert_allclose(cum, np.cumsum(want_rate[order]), rtol=1e-12)


def test_simulation_without_mesa_is_the_mesa_model_draw_for_draw(small_scenario):
    """`selloff run` steps a `Simulation` (no Mesa); a notebook steps `SelloffModel`: the same
    scenario and seed must give the same market, minute for minute, across a news day."""
    from scenarios.engine.simulation import Simulation

    sc = small_scenario("deepseek", 'tickers=["NVDA", "TSM", "MSFT"]', "days=2")
    a, b = Simulation(sc, seed=5).run(), SelloffModel(sc, seed=5).run()
    for name in ("bars", "daily", "motive_volume", "open_prices", "counts"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.exchange.cash, b.exchange.cash)
    assert a.events == b.events and a.halts == b.halts
    assert [f.statements for f in a.firms.values()] == [f.statements for f in b.firms.values()]
    # a day that traded and a shock that fired
    assert a.bars[..., BAR.volume].sum() > 0 and a.events
    assert not hasattr(a, "agents") and len(b.agents) > len(b.firms)


def test_selloff_run_does_not_import_mesa(tmp_path):
    """Neither the run nor its files nor its plot need Mesa (`import mesa` is ~0.7 s)."""
    code = ("import sys\nfrom scenarios.cli import main\n"
            f"rc = main(['run', 'baseline', '--days', '1', '--out', "
            f"{str(tmp_path / 'o')!r}, '--set', 'population.noise.count=50', '--set', "
            "'population.fundamental.count=30', '--set', 'population.momentum.count=10', "
            "'--set', 'tickers=[\"NVDA\"]'])\nprint(rc, 'mesa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[-2:] == ["0", "False"], out
    assert (tmp_path / "o" / "summary.json").exists()
    assert (tmp_path / "o" / "price_paths.png").exists()
