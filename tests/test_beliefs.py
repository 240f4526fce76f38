"""Beliefs after the news: an investor's view, a reading's spread, theme traders' reading, and
in small worlds that overreaction reverts, theme traders mark AI stocks down together and later
news persuades more readers."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents import _kernels as AK
from agents.beliefs import add_row, conviction, reading_times, set_salience, theme_jump
from agents.loop import new_market_view, view_of
from agents.population import Population, build_investors
from agents.schema import Kind
from market.types import DAY
from scenarios.engine.model import SelloffModel
from scenarios.library.shocks import AIDemandNews, FirmStatement

SESSION = 23_400


@pytest.mark.nojit
def test_conviction_has_mean_one_and_costs_no_draw_when_off():
    rng = np.random.default_rng(0)
    c = conviction(200_000, 0.5, rng)
    assert c.mean() == pytest.approx(1.0, abs=0.01)
    assert np.log(c).std() == pytest.approx(0.5, abs=0.01)
    a, b = np.random.default_rng(1), np.random.default_rng(1)
    assert np.array_equal(conviction(10, 0.0, a), np.ones(10))
    assert a.random() == b.random()  # nothing drawn


@pytest.mark.nojit
def test_theme_jump_by_hand():
    """Weights 0.75 / 0.25, AI-linked shares 0.8 / 0.4, jumps -10% / -2%: the theme moves
    -8% for an average share of 0.7, -0.08 / 0.7 per unit of share."""
    got = theme_jump(np.array([-0.1, -0.02]), np.array([0.75, 0.25]), np.array([0.8, 0.4]))
    assert got == pytest.approx([0.8 * -0.08 / 0.7, 0.4 * -0.08 / 0.7])


def _world(n_value=3, n_theme=2, prices=(100.0, 50.0)):
    pop = Population(fundamental=dataclasses.replace(Population().fundamental, count=n_value),
                     theme=dataclasses.replace(Population().theme, count=n_theme),
                     momentum=dataclasses.replace(Population().momentum, count=0),
                     noise=dataclasses.replace(Population().noise, count=0),
                     market_maker=dataclasses.replace(Population().market_maker, per_stock=0),
                     leveraged=dataclasses.replace(Population().leveraged, count=0),
                     passive=dataclasses.replace(Population().passive, count=0))
    prices = np.array(prices)
    rng = np.random.default_rng(4)
    w = build_investors(pop, prices, np.array([2.0, 1.0]), rng, theme_weights=np.array([1.0, 1.0]),
                        conviction_sd=0.5)
    mk = new_market_view(prices, np.array([1e-4, 1e-4]), vol_of_vol=0.0, common_factor=0.0,
                         activity_gain=0.0, activity_max=1.0, vol_persistence_min=30.0,
                         fast_min=2.0, slow_min=20.0, var_min=5.0, flow_noise=0.0,
                         informational=True, fire_sale=True, liquidity=True, rng=rng,
                         overreaction=0.4, theme=True)
    return w.inv, mk


def view_twin(inv, mk, i, s, t, tau):
    """What an investor believes, written the other way round: the public value (every news
    jump out) plus each heard row as it reads it, conviction times one plus theta times the
    salience exp(-(t - heard) / tau)."""
    public = mk.logv[s] - np.sum(mk.jump[:, s] * (mk.isnews > 0))
    theme = inv.kind[i] == Kind.THEME and mk.cfg[AK.C_THEME] > 0
    rows = mk.tjump[:, s] if theme else mk.jump[:, s]
    h = inv.hear[:, i]
    heard = h <= t
    age = np.where(heard, t - h, 0.0)
    theta = mk.cfg[AK.C_THETA]
    return public + inv.bias[i] + float(np.sum(np.where(
        heard, rows * inv.conv[i] * (1.0 + theta * np.exp(-age / tau)), 0.0)))


@pytest.mark.nojit
@settings(max_examples=60, deadline=None)
@given(jumps=st.lists(st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3), st.booleans(),
                                st.floats(0, 2 * SESSION)), min_size=0, max_size=4),
       dt=st.floats(0, 3 * SESSION), who=st.integers(0, 4), s=st.integers(0, 1),
       tau_days=st.floats(0.2, 10.0))
def test_an_investors_view_matches_its_twin(jumps, dt, who, s, tau_days):
    inv, mk = _world()
    tau = tau_days * SESSION
    rng = np.random.default_rng(7)
    for j0, j1, news, fired in jumps:
        hear = fired + rng.exponential(3600.0, inv.kind.size)
        hear[rng.random(inv.kind.size) < 0.3] = np.inf
        if news:
            mk.logv[:] += [j0, j1]
        inv, mk = add_row(inv, mk, np.array([j0, j1]), hear, news=news, fired_s=fired,
                          salience_s=tau, theme_w=np.array([0.5, 0.5]),
                          theme_a=np.array([0.9, 0.3]))
    t = 2 * SESSION + dt
    set_salience(mk, t, tau)
    assert view_of(inv, mk, who, s, t) == pytest.approx(view_twin(inv, mk, who, s, t, tau),
                                                        abs=1e-9)


@pytest.mark.nojit
def test_views_by_hand():
    """One news row of -10% on stock 0, heard at 0, read 1.4 times at once (theta 0.4), 1.2
    times (1 + 0.4 / 2) after one salience half-life; a theme trader reads the theme's move."""
    inv, mk = _world()
    tau = SESSION / math.log(2)  # a half-life of one session
    mk.logv[:] += [-0.1, 0.0]
    inv.conv[:] = 1.0
    inv.bias[:] = 0.0
    inv, mk = add_row(inv, mk, np.array([-0.1, 0.0]), np.zeros(inv.kind.size), news=True,
                      fired_s=0.0, salience_s=tau, theme_w=np.array([0.5, 0.5]),
                      theme_a=np.array([1.0, 1.0]))
    v0 = math.log(100.0 * 100)
    value = np.flatnonzero(inv.kind == Kind.FUNDAMENTAL)[0]
    theme = np.flatnonzero(inv.kind == Kind.THEME)[0]
    set_salience(mk, 0.0, tau)
    assert view_of(inv, mk, value, 0, 0.0) == pytest.approx(v0 - 0.14)
    set_salience(mk, SESSION, tau)
    assert view_of(inv, mk, value, 0, SESSION) == pytest.approx(v0 - 0.12)
    # the theme moved -5% (half the weight on a -10% stock) per unit of AI-linked share
    assert view_of(inv, mk, theme, 0, SESSION) == pytest.approx(v0 - 0.05 * 1.2)
    v1 = math.log(50.0 * 100)
    assert view_of(inv, mk, theme, 1, SESSION) == pytest.approx(v1 - 0.05 * 1.2)
    assert view_of(inv, mk, value, 1, SESSION) == pytest.approx(v1)


def reading_twin(indptr, indices, starts, heard, rate, p, seed, horizon):
    """The cascade by repeated relaxation over the same draws: adoption times are the least
    fixed point of a(v) = min(own start, min over adopting neighbours u of max(a(u) + delay,
    heard(v))), nobody adopting before it heard the news or past the horizon."""
    rng = np.random.default_rng(seed)
    n = len(indptr) - 1
    m = len(indices)
    a = [max(s, h) if math.isfinite(s) else math.inf for s, h in zip(starts, heard,
                                                                       strict=True)]
    a = [x if x <= horizon else math.inf for x in a]
    if rate <= 0 or p <= 0 or not any(math.isfinite(x) for x in a):
        return np.array(a)
    delay = rng.exponential(3600.0 / rate, size=m)
    keep = rng.random(m) < p
    changed = True
    while changed:
        changed = False
        for u in range(n):
            if not math.isfinite(a[u]):
                continue
            for e in range(indptr[u], indptr[u + 1]):
                if not keep[e]:
                    continue
                v = indices[e]
                tv = max(a[u] + delay[e], heard[v])
                if tv < a[v] and tv <= horizon:
                    a[v] = tv
                    changed = True
    return np.array(a)


@pytest.mark.nojit
@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 25), seed=st.integers(0, 10_000), p=st.floats(0.0, 1.0),
       rate=st.floats(0.0, 5.0), horizon=st.floats(1_000, 200_000))
def test_a_readings_spread_matches_its_twin(n, seed, p, rate, horizon):
    g = np.random.default_rng(seed)
    adj = g.random((n, n)) < 0.3
    adj = np.triu(adj, 1)
    adj = adj | adj.T
    indptr = np.concatenate([[0], np.cumsum(adj.sum(1))]).astype(np.int64)
    indices = np.concatenate([np.flatnonzero(r) for r in adj] + [np.zeros(0, int)]).astype(
        np.int64)
    heard = g.uniform(0, 20_000, n)
    heard[g.random(n) < 0.2] = np.inf
    starts = np.where(g.random(n) < 0.2, g.uniform(0, 20_000, n), np.inf)
    got = reading_times(indptr, indices, starts, heard, rate, p, np.random.default_rng(seed),
                        horizon)
    want = reading_twin(indptr, indices, starts, heard, rate, p, seed, horizon)
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    assert np.allclose(got[np.isfinite(got)], want[np.isfinite(want)])
    assert np.all(got[np.isfinite(got)] >= heard[np.isfinite(got)])  # heard before adopting


@pytest.mark.nojit
def test_a_reading_nobody_is_persuaded_of_stays_with_its_first_readers():
    indptr, indices = np.array([0, 1, 2]), np.array([1, 0])
    got = reading_times(indptr, indices, np.array([5.0, np.inf]), np.array([10.0, 0.0]), 1.0,
                        0.0, np.random.default_rng(0), 1e9)
    assert got.tolist() == [10.0, math.inf]  # adopts once it heard, persuades nobody


# ---------------------------------------------------------------------------------------------
# In small worlds

SMALL = ["population.fundamental.count=300", "population.theme.count=75",
         "population.momentum.count=100", "population.noise.count=400",
         "population.leveraged.count=4", "population.passive.count=4",
         "population.market_maker.per_stock=2", "rules.preopen_rounds=60",
         'tickers=["NVDA","TSM","MSFT","VST","META"]']


def _small(shocks, *sets, days=4):
    from scenarios.library.catalog import get_scenario
    from scenarios.library.overrides import apply_overrides

    sc = apply_overrides(get_scenario("baseline"), [*SMALL, f"days={days}", *sets])
    return dataclasses.replace(sc, shocks=tuple(shocks))


def _gap_to_value(m, j):
    """The close against the true value, log."""
    return math.log(m.exchange.prev_close[j] / math.exp(m.mk.logv[j]))


def test_overreaction_overshoots_on_the_news_day_and_reverts_after():
    """Nvidia's close against its true value, news on day 1: with overreaction it closes
    further under value on day 1 than without, and the excess fades as salience does: two
    days later about exp(-2 / 5) = 0.67 of it is left (salience time 5 trading days)."""
    news = AIDemandNews(name="x", day=1, minute=-1, size=-0.05, reach=1.0)
    out = {}
    for on in (True, False):
        m = SelloffModel(_small([news], f"channels.overreaction={str(on).lower()}",
                                "channels.disagreement=false"), 3)
        gaps = []
        for _ in range(4):
            for _ in range(390):
                m.step()
            gaps.append(_gap_to_value(m, 0))
        out[on] = gaps
    assert out[True][1] < out[False][1] - 0.02  # overshoot: at least 2 points more
    excess1 = out[True][1] - out[False][1]
    excess3 = out[True][3] - out[False][3]
    assert 0.45 < excess3 / excess1 < 0.9


def test_theme_traders_mark_a_stock_down_with_the_theme():
    """Meta's own value barely moves with less compute demand (its AI growth is using AI, not
    selling compute), but it is in the AI theme: theme traders sell it with the theme."""
    news = AIDemandNews(name="x", day=1, minute=-1, size=-0.05, reach=1.0)
    close = {}
    for on in (True, False):
        m = SelloffModel(_small([news], f"channels.theme={str(on).lower()}",
                                "population.theme.count=400", days=2), 5)
        m.run()
        close[on] = m.daily[1, 4, DAY.close] / m.daily[0, 4, DAY.close] - 1.0
        assert abs(m.mk.jump[0, 4]) < 0.01  # META's own value moves under 1%
    assert close[True] < close[False] - 0.005


def test_later_news_persuades_more_readers():
    news = AIDemandNews(name="x", day=1, minute=-1, size=-0.05, reach=1.0, jevons_share=0.05,
                        jevons_size=0.0125)
    talk = FirmStatement(name="s", day=2, minute=-1, firm="NVDA", size=0.0, reach=1.0,
                         persuades="x")
    adopted = {}
    for shocks in ([news], [news, talk]):
        m = SelloffModel(_small(shocks, days=3), 1)
        m.run()
        reading = int(np.flatnonzero(m.mk.isnews == 0)[0])
        adopted[len(shocks)] = float(np.mean(m.inv.hear[reading] <= 3 * SESSION))
    assert adopted[2] > adopted[1] + 0.03
