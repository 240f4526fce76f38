"""Each shock type changes what it says it changes, and nothing when switched off."""

import dataclasses
import types

import numpy as np
import pytest
from conftest import SMALL_POPULATION

from agents.expectations import ExpectationParams, load_decomposition
from agents.firms import make_firm
from agents.networks import ExposureParams, ai_exposure, demand_value_change, supply_graph
from agents.params import ParamError
from agents.schema import Motive
from agents.universe import load_edges, load_universe
from scenarios.engine.model import MINUTES, SelloffModel
from scenarios.engine.recording import SOLD
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides
from scenarios.library.shocks import (
    CHINA_REVENUE,
    FAB_ABROAD,
    AIDemandNews,
    CapexGuidance,
    ChipTariff,
    ExportControl,
    FirmStatement,
    FundFlow,
    LiquidityWithdrawal,
    SupplyDisruption,
)

UNI = load_universe()
GRAPH = supply_graph(UNI, load_edges(UNI))
T = UNI.tickers


def ctx(propagate=True, expectations=None):
    """What a shock reads of a model: universe, networks, exposure rule, the value model
    (None: current AI revenue alone; else the decomposition and its parameters) and the firms."""
    firms = {t: make_firm(t, UNI.roles[i], UNI.revenue_bn[i], UNI.ai_share[i],
                          UNI.capex_2025_bn[i]) for i, t in enumerate(T)}
    return types.SimpleNamespace(universe=UNI, graph=GRAPH, exposure_params=ExposureParams(),
                                 propagate=propagate, firms=firms, expectations=expectations)


def dv(shock, propagate=True, expectations=None):
    return dict(zip(T, shock.effect(ctx(propagate, expectations)).dv, strict=True))


EXPECT = (load_decomposition(UNI), ExpectationParams())


def test_ai_demand_news_moves_values_by_the_networks_betas():
    ex = ai_exposure(UNI, GRAPH)
    got = dv(AIDemandNews(size=-0.2))
    for t in T:
        assert got[t] == pytest.approx(-0.2 * ex[t].value_beta)
    assert got["NVDA"] < -0.1 and got["TSM"] < 0  # the foundry sells no GPUs and still falls
    assert all(v == 0 for v in dv(AIDemandNews(size=0.0)).values())
    c = ctx()
    AIDemandNews(size=-0.2).effect(c)
    assert c.firms["MSFT"].expected_capex_bn == pytest.approx(0.8 * 80.0)


def test_ai_demand_news_on_expectations_moves_values_through_durations():
    got = dv(AIDemandNews(size=-0.05), expectations=EXPECT)
    want = demand_value_change(-0.05, UNI, GRAPH, ExposureParams(), EXPECT)
    assert [got[t] for t in T] == pytest.approx(list(want))
    # the stocks priced on AI growth move with Nvidia although they sell no GPUs
    assert got["VST"] < 0.5 * got["NVDA"] and got["CEG"] < 0.5 * got["NVDA"]
    old = dv(AIDemandNews(size=-0.05))
    assert got["VST"] < 3 * old["VST"] < 0


def test_a_lasting_revenue_change_moves_the_ai_linked_share_of_value():
    """Capex guidance: on expectations a supplier's value moves by its AI-linked share of value
    (assets in place and AI growth) per unit of AI revenue, more than on current revenue when
    its price holds AI growth."""
    g = CapexGuidance(firm="META", capex_bn=62.5, expected_bn=51.0)
    on, off = dv(g, expectations=EXPECT), dv(g)
    dec = EXPECT[0]
    i = UNI.index("VST")
    s = ai_exposure(UNI, GRAPH)["VST"].ai_revenue_share
    x = 0.05 * (62.5 / 51.0 - 1.0)  # its META edge times the surprise
    assert on["VST"] == pytest.approx((dec.place[i] * s + dec.ai_growth[i]) / s * x)
    assert on["VST"] > off["VST"] > 0

def test_ai_demand_news_without_the_network_moves_only_direct_exposure():
    with_net, without = dv(AIDemandNews(size=-0.2)), dv(AIDemandNews(size=-0.2), False)
    assert without["ASML"] > with_net["ASML"]  # ASML's exposure is mostly through TSMC
    assert without["NVDA"] == pytest.approx(with_net["NVDA"], abs=0.02)


def test_capex_guidance_moves_the_firms_suppliers_by_the_surprise():
    up = dv(CapexGuidance(firm="META", capex_bn=62.5, expected_bn=51.0))
    assert up["META"] == 0.0  # the guiding firm spends at a fair return
    assert up["NVDA"] > 0 and up["SMCI"] > 0 and up["TSM"] > 0  # TSM through Nvidia
    assert up["AAPL"] == 0.0 and up["MSFT"] == 0.0
    flat = dv(CapexGuidance(firm="META", capex_bn=51.0, expected_bn=51.0))
    assert all(v == 0 for v in flat.values())
    down = dv(CapexGuidance(firm="META", capex_bn=40.0, expected_bn=51.0))
    assert down["NVDA"] < 0


def test_firm_statement_moves_the_firm_and_through_the_network_its_suppliers():
    got = dv(FirmStatement(firm="NVDA", size=0.05))
    assert got["NVDA"] > 0 and got["TSM"] > 0 and got["MSFT"] == 0
    alone = dv(FirmStatement(firm="NVDA", size=0.05), propagate=False)
    assert alone["NVDA"] == pytest.approx(got["NVDA"])
    assert [t for t, v in alone.items() if v != 0] == ["NVDA"]


def test_chip_tariff_hits_designers_made_abroad_and_buyers():
    got = dv(ChipTariff(rate=0.25))
    for t, (share, _basis) in FAB_ABROAD.items():
        assert (got[t] < 0) == (share > 0), t
    for t in ("MSFT", "GOOGL", "AMZN", "META", "ORCL"):
        assert got[t] < 0, t
    assert got["TSM"] < 0  # lost volume through its customers
    assert dv(ChipTariff(rate=0.25), propagate=False)["TSM"] == 0.0
    assert all(v == 0 for v in dv(ChipTariff(rate=0.0)).values())


def test_export_control_costs_china_sales():
    got = dv(ExportControl(lost_share=1.0), propagate=False)
    for t in T:
        assert (got[t] < 0) == (t in CHINA_REVENUE and UNI.ai_share[UNI.index(t)] > 0), t
    half = dv(ExportControl(lost_share=0.5), propagate=False)
    assert half["NVDA"] == pytest.approx(got["NVDA"] / 2)
    assert all(v == 0 for v in dv(ExportControl(lost_share=0.0)).values())


def test_supply_disruption_hits_the_foundry_its_customers_and_theirs():
    got = dv(SupplyDisruption(weeks=6.0, loss_per_year=1.0))
    assert got["TSM"] == pytest.approx(-6 / 52)
    assert got["NVDA"] == pytest.approx(-6 / 52)  # a direct customer: all its chips
    assert -6 / 52 < got["MSFT"] < 0  # a customer's customer: its AI capacity
    assert got["ASML"] < 0  # a supplier of the foundry loses orders
    alone = dv(SupplyDisruption(weeks=6.0), propagate=False)
    assert [t for t, v in alone.items() if v != 0] == ["TSM"]


def test_shock_fields_are_validated_by_name():
    sc = get_scenario("deepseek")
    with pytest.raises(ParamError, match=r"shocks\.deepseek\.size: .*\[-0\.5, 0\.5\]"):
        apply_overrides(sc, ["shocks.deepseek.size=-3"])
    with pytest.raises(ParamError, match=r"shocks\.deepseek\.reach"):
        apply_overrides(sc, ["shocks.deepseek.reach=yes"])
    with pytest.raises(ParamError, match=r"shocks\.nope"):
        apply_overrides(sc, ["shocks.nope.size=0.1"])
    assert apply_overrides(sc, ["shocks.deepseek.size=-0.4"]).shocks[2].size == -0.4
    for not_earlier_news in ("meta_capex", "nope"):  # not AI-demand news; no such shock
        with pytest.raises(ParamError,
                           match=r"shocks\.msft_capex\.persuades: .*\(r1_early, deepseek;"):
            apply_overrides(sc, [f"shocks.msft_capex.persuades={not_earlier_news}"])
    with pytest.raises(ParamError, match=r"shocks\.r1_early\.persuades: .*none in this"):
        apply_overrides(sc, ["shocks.r1_early.persuades=deepseek"])  # fires after it


# ---------------------------------------------------------------------------------------------
# In the model: small worlds, two days, the shock on day 1

SMALL = [*SMALL_POPULATION, 'tickers=["NVDA","TSM","MSFT","VST"]', "days=2"]


def world(*shocks, sets=()):
    sc = apply_overrides(get_scenario("baseline"), SMALL + list(sets))
    return dataclasses.replace(sc, shocks=tuple(shocks))


SESSION = 23_400


def run_to(m, day, minute):
    while m.day < day or (m.day == day and m.minute < minute):
        m.step()
    return m


def test_a_switched_off_shock_changes_nothing():
    off = SelloffModel(world(AIDemandNews(name="x", day=1, size=-0.3, enabled=False))).run()
    none = SelloffModel(world()).run()
    assert np.array_equal(off.bars, none.bars) and off.events == []
    on = SelloffModel(world(AIDemandNews(name="x", day=1, size=-0.3))).run()
    assert not np.array_equal(on.bars, none.bars) and len(on.events) == 1


def test_news_moves_values_at_once_and_investors_as_they_hear_it():
    m = SelloffModel(world(AIDemandNews(name="x", day=1, minute=30, size=-0.05, reach=0.1,
                                       spread_per_hour=0.5)))
    run_to(m, 1, 30)
    v0 = m.mk.logv.copy()
    m.step()  # fires at the start of minute 30
    jump = m.mk.jump[0]
    assert m.mk.isnews.tolist() == [1.0]
    assert np.allclose(m.mk.logv - v0, jump, atol=0.01)  # plus a minute of value noise
    nvda, msft = jump[m.tickers.index("NVDA")], jump[m.tickers.index("MSFT")]
    assert nvda < -0.1 and nvda < 3 * msft < 0
    t = SESSION + 30 * 60
    hear = m.inv.hear[0]
    assert np.isclose((hear == t).mean(), 0.1, atol=0.01)  # reach: heard when it fired
    assert (hear > t).mean() > 0.5  # the rest later, over the information network
    everyone = SelloffModel(world(AIDemandNews(name="x", day=1, minute=30, size=-0.05,
                                               reach=0.1), sets=["channels.informational=false"]))
    run_to(everyone, 1, 31)
    assert (everyone.inv.hear[0] == t).all()


def _jevons_world(*sets):
    m = SelloffModel(world(AIDemandNews(name="x", day=1, minute=-1, size=-0.05, reach=1.0,
                                        jevons_share=0.5, jevons_size=0.0125), sets=sets))
    return run_to(m, 1, 2)


def test_a_jevons_reading_is_a_row_of_its_own_held_by_its_readers():
    """The reading is not news (it is in nobody's value); its jump is the Jevons value less
    the news's, so a reader's view is the Jevons reading; half the hearers read it so at once
    and, with the narratives channel off, nobody else ever does."""
    m = _jevons_world("channels.narratives=false")
    assert m.mk.isnews.tolist() == [1.0, 0.0]
    t = SESSION
    ex = EXPECT if m.expectations is not None else None
    for s, tk in enumerate(m.tickers):
        news = np.log1p(demand_value_change(-0.05, UNI, GRAPH, ExposureParams(), ex)[
            UNI.index(tk)])
        jev = np.log1p(demand_value_change(0.0125, UNI, GRAPH, ExposureParams(), ex)[
            UNI.index(tk)])
        assert m.mk.jump[0, s] == pytest.approx(news)
        assert m.mk.jump[1, s] == pytest.approx(jev - news)
    first = m.inv.hear[1] == t
    assert 0.4 < first.mean() < 0.6
    assert np.isinf(m.inv.hear[1][~first]).all()


def test_a_reading_spreads_from_its_first_readers():
    off, on = _jevons_world("channels.narratives=false"), _jevons_world()
    run_to(off, 1, 389)
    run_to(on, 1, 389)
    t_end = 2 * SESSION
    assert np.array_equal(off.inv.hear[1] == SESSION, on.inv.hear[1] == SESSION)
    assert (on.inv.hear[1] <= t_end).mean() > (off.inv.hear[1] <= t_end).mean() + 0.05


def test_liquidity_withdrawal_thins_quotes_for_its_duration_only():
    sh = LiquidityWithdrawal(name="l", day=1, minute=10, duration_min=20, size_factor=0.25,
                             spread_factor=4.0)
    m = SelloffModel(world(sh))
    mm = m.inv.kind == 3
    size0, half0 = m.inv.par[mm, 0].copy(), m.inv.par[mm, 1].copy()
    run_to(m, 1, 11)
    assert np.all(m.inv.par[mm, 0] <= np.maximum(1, np.round(size0 * 0.25)))
    assert np.allclose(m.inv.par[mm, 1], half0 * 4)
    run_to(m, 1, 31)
    assert np.array_equal(m.inv.par[mm, 0], size0) and np.array_equal(m.inv.par[mm, 1], half0)
    off = SelloffModel(world(sh, sets=["channels.liquidity=false"]))
    run_to(off, 1, 11)
    assert np.array_equal(off.inv.par[mm, 0], size0)


def test_a_firm_whose_stock_is_not_traded_can_still_guide():
    sh = CapexGuidance(name="c", day=1, minute=-1, firm="META", capex_bn=80.0, expected_bn=62.5)
    m = SelloffModel(world(sh))
    none = SelloffModel(world())
    assert "META" not in m.tickers and "META" in m.firms and "META" not in none.firms
    run_to(m, 1, 1)
    run_to(none, 1, 1)
    assert m.firms["META"].capex_bn == 80.0
    # the surprise reaches Meta's suppliers among the traded stocks (same value noise in both)
    nvda = m.tickers.index("NVDA")
    assert m.mk.logv[nvda] > none.mk.logv[nvda]


def test_overlapping_liquidity_withdrawals_end_one_at_a_time():
    first = LiquidityWithdrawal(name="a", day=1, minute=10, duration_min=20, size_factor=0.5,
                                spread_factor=2.0)
    second = LiquidityWithdrawal(name="b", day=1, minute=20, duration_min=30, size_factor=0.5,
                                 spread_factor=3.0)
    m = SelloffModel(world(first, second))
    mm = m.inv.kind == 3
    size0, half0 = m.inv.par[mm, 0].copy(), m.inv.par[mm, 1].copy()
    run_to(m, 1, 21)  # both in force
    assert np.allclose(m.inv.par[mm, 1], half0 * 6)
    run_to(m, 1, 31)  # the first has ended, the second has not
    assert np.allclose(m.inv.par[mm, 1], half0 * 3)
    assert np.array_equal(m.inv.par[mm, 0], np.maximum(1, np.round(size0 * 0.5)))
    run_to(m, 1, 51)  # both over
    assert np.array_equal(m.inv.par[mm, 0], size0) and np.array_equal(m.inv.par[mm, 1], half0)


def test_fund_flow_sells_the_sector_for_its_duration():
    sh = FundFlow(name="f", day=1, minute=0, duration_min=120, sector="semiconductors",
                  intensity=-3.0)
    m = SelloffModel(world(sh))
    run_to(m, 1, 1)
    assert m.mk.flow.tolist() == [-3.0, -3.0, 0.0, 0.0]  # NVDA, TSM; not MSFT, VST
    run_to(m, 1, 121)
    assert m.mk.flow.tolist() == [0.0] * 4
    none = SelloffModel(world()).run()
    m.run()
    day1 = slice(MINUTES, MINUTES + 120)
    flow_sold = m.motive_volume[day1, 0, Motive.FUND_FLOW, SOLD].sum()
    assert flow_sold > 2 * none.motive_volume[day1, 0, Motive.FUND_FLOW, SOLD].sum()


def test_firms_record_what_the_shocks_did_to_them():
    m = SelloffModel(world(CapexGuidance(name="g", day=1, firm="MSFT", capex_bn=100.0),
                           FirmStatement(name="s", day=1, minute=5, firm="NVDA", size=0.05)))
    m.run()
    assert m.firms["MSFT"].capex_bn == 100.0 and m.firms["MSFT"].statements
    assert m.firms["NVDA"].revenue_change > 0
    assert m.firms["NVDA"].statements[0][2] == "demand remains strong"
    kinds = {a.kind for a in m.agents}
    assert {"hyperscaler", "chipmaker", "firm"} <= kinds


def test_a_statement_with_no_figure_is_no_news_anyone_can_miss():
    """Size 0 moves no value: it is logged and heard (it may persuade), but adds no row, so a
    value trader who has not heard it does not take the price's distance for news it missed."""
    m = SelloffModel(world(FirmStatement(name="s", day=1, minute=5, firm="NVDA", size=0.0)))
    run_to(m, 1, 6)
    assert [e[2] for e in m.events] == ["s"]
    assert m.mk.jump.shape[0] == 0 and m.inv.hear.shape[0] == 0
