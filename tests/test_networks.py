"""Tests for agents/universe.py and agents/networks.py: data loading and validation, AI exposure
through the supply network (structure only, never the real moves of 27 January), the investor
information graph and the news-spreading process against a slow reference twin."""

from __future__ import annotations

import dataclasses
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.networks import (
    ExposureParams,
    NetworkError,
    _leontief,
    ai_exposure,
    exposure_frame,
    exposure_sources,
    formula_text,
    information_graph,
    spread_times,
    supply_graph,
    to_csr,
    value_change,
)
from agents.universe import (
    BUYER_ROLES,
    SELLER_ROLES,
    Edge,
    UniverseError,
    load_edges,
    load_universe,
    validate_edges,
)

FAST = settings(max_examples=40, deadline=None)

CHIP_DESIGNERS = ("NVDA", "AMD", "AVGO", "MRVL", "INTC", "QCOM")
BUYERS = ("MSFT", "GOOGL", "AMZN", "META", "ORCL", "AAPL")
NVDA_SUPPLIERS = ("TSM", "MU", "ASML", "ARM")  # ASML reaches NVDA through TSM


@pytest.fixture(scope="module")
def universe():
    return load_universe()


@pytest.fixture(scope="module")
def edges(universe):
    return load_edges(universe)


@pytest.fixture(scope="module")
def graph(universe, edges):
    return supply_graph(universe, edges)


def _by_ticker(universe, arr):
    return dict(zip(universe.tickers, arr, strict=True))


def _write_edges(path, rows):
    lines = ["supplier,customer,weight,basis"] + [f"{s},{c},{w},test" for s, c, w in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Loading and validation


def test_load_universe_reads_the_package_data(universe):
    assert len(universe) == 19
    assert universe.tickers[0] == "NVDA"
    nvda = universe.index("NVDA")
    assert universe.close_2025_01_24[nvda] == pytest.approx(142.62)
    assert universe.roles[nvda] == "chip_designer"
    assert math.isnan(universe.capex_2025_bn[nvda])  # empty cell
    assert universe.capex_2025_bn[universe.index("MSFT")] == 80.0
    assert universe.market_value_bn[nvda] == pytest.approx(142.62 * 24490 / 1000)
    assert set(universe.roles) <= set(SELLER_ROLES + BUYER_ROLES)
    with pytest.raises(ValueError):
        universe.close_2025_01_24[0] = 1.0
    with pytest.raises(UniverseError, match="XYZ"):
        universe.index("XYZ")


def test_load_edges_returns_validated_tuples(universe, edges):
    assert len(edges) == 36
    assert all(isinstance(e, Edge) and len(e) == 4 for e in edges)
    assert ("TSM", "NVDA") in {(e.supplier, e.customer) for e in edges}
    assert all(0 < e.weight <= 1 for e in edges)
    known = set(universe.tickers)
    assert all(e.supplier in known and e.customer in known for e in edges)


@pytest.mark.parametrize(
    "rows, ticker",
    [
        ([("NVDA", "XYZ", 0.1)], "XYZ"),  # unknown customer
        ([("ABC", "NVDA", 0.1)], "ABC"),  # unknown supplier
        ([("MU", "NVDA", 0.0)], "MU"),  # weight must be > 0
        ([("MU", "NVDA", 1.5)], "MU"),  # weight must be <= 1
        ([("MU", "NVDA", "nan")], "MU"),
        ([("MU", "NVDA", "abc")], "MU"),
        ([("ARM", "NVDA", 0.6), ("ARM", "AAPL", 0.5)], "ARM"),  # sum 1.1 > 1
        ([("MU", "MU", 0.1)], "MU"),  # self-link
        ([("MU", "NVDA", 0.1), ("MU", "NVDA", 0.2)], "MU"),  # duplicate
    ],
)
def test_bad_edge_sets_raise_naming_the_ticker(tmp_path, universe, rows, ticker):
    path = _write_edges(tmp_path / "edges.csv", rows)
    with pytest.raises(UniverseError, match=ticker):
        load_edges(universe, path)
    if not isinstance(rows[0][2], str):
        with pytest.raises(ValueError, match=ticker):
            validate_edges([(s, c, w, "") for s, c, w in rows], universe)


def test_weights_summing_to_exactly_one_are_allowed(universe):
    rows = [("ARM", "NVDA", 0.3), ("ARM", "AAPL", 0.3), ("ARM", "QCOM", 0.4)]
    assert len(validate_edges([(s, c, w, "") for s, c, w in rows], universe)) == 3


@pytest.mark.parametrize(
    "column, value, ticker",
    [("role", "bank", "AMD"), ("ai_dc_share_pct", "120", "AMD"), ("close_2025_01_24", "0", "AMD")],
)
def test_bad_universe_raises_naming_ticker_and_field(tmp_path, column, value, ticker):
    from importlib.resources import files

    text = (files("agents") / "data" / "universe.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    col = header.index(column)
    for k, line in enumerate(lines):
        if line.startswith(ticker + ","):
            cells = line.split(",")
            cells[col] = value
            lines[k] = ",".join(cells)
    path = tmp_path / "universe.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UniverseError, match=f"{ticker}.*{column}"):
        load_universe(path)


def test_duplicate_ticker_raises(tmp_path):
    from importlib.resources import files

    text = (files("agents") / "data" / "universe.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    amd = next(line for line in lines if line.startswith("AMD,"))
    path = tmp_path / "universe.csv"
    path.write_text("\n".join([*lines, amd]) + "\n", encoding="utf-8")
    with pytest.raises(UniverseError, match="AMD"):
        load_universe(path)


# --------------------------------------------------------------------------------------------
# Supply graph and AI exposure


def test_supply_graph_carries_weights_and_universe_facts(universe, edges, graph):
    assert set(graph.nodes) == set(universe.tickers)
    assert graph.number_of_edges() == len(edges)
    assert graph["TSM"]["NVDA"]["weight"] == pytest.approx(0.11)
    assert graph.nodes["NVDA"]["role"] == "chip_designer"
    assert graph.nodes["META"]["capex_2025_bn"] == 62.0
    assert graph.nodes["QCOM"]["ai_dc_share_pct"] == 2.0


def test_direct_plus_network_is_total_and_matches_accounting(universe, graph):
    ex = ai_exposure(universe, graph)
    for e in ex.values():
        assert e.direct + e.network == pytest.approx(e.total, abs=1e-12)
        assert e.direct >= 0 and e.network >= -1e-12
        assert e.total == pytest.approx(e.ai_revenue_share, abs=1e-12)  # g = 1
    # A reported share already containing customer AI revenue is not counted twice ...
    assert ex["TSM"].total == pytest.approx(0.51)
    assert ex["MU"].total == pytest.approx(0.50)
    # ... while edges raise it where the report misses it (expected data-centre power demand).
    assert ex["VST"].total == pytest.approx(0.15)
    # Apple buys handset chips and royalties, not data-centre compute: those edges carry no AI.
    assert ex["ARM"].total == pytest.approx(0.10)
    assert ex["ARM"].direct == pytest.approx(0.10 - 0.05 * 0.78 - 0.10 * 0.02)
    for t in universe.tickers:
        reported = 0.0 if t in BUYERS else universe.ai_share[universe.index(t)]
        assert ex[t].total >= reported - 1e-12


def test_nvda_is_the_most_exposed_chip_designer(universe, graph):
    ex = ai_exposure(universe, graph)
    for t in CHIP_DESIGNERS[1:]:
        assert ex["NVDA"].value_beta > ex[t].value_beta
        assert ex["NVDA"].total > ex[t].total


@given(d=st.floats(-1.0, -1e-3))
@FAST
def test_sellers_lose_value_when_compute_demand_falls(universe, graph, d):
    vc = _by_ticker(universe, value_change(d, universe, graph))
    ex = ai_exposure(universe, graph)
    for t, role in zip(universe.tickers, universe.roles, strict=True):
        if role in SELLER_ROLES:
            assert vc[t] <= 0
            if ex[t].total > 0:
                assert vc[t] < 0


@given(
    d=st.floats(-1.0, 1.0).filter(lambda x: abs(x) > 1e-6),
    benefit=st.floats(0.0, 20.0),
    stranded=st.floats(0.0, 20.0),
)
@FAST
def test_buyer_sign_follows_cost_benefit_vs_stranded_capex(universe, graph, d, benefit, stranded):
    params = ExposureParams(buyer_cost_benefit=benefit, stranded_capex=stranded)
    vc = _by_ticker(universe, value_change(d, universe, graph, params))
    expected = np.sign(d * (stranded - benefit))
    for t in BUYERS:
        assert np.sign(vc[t]) == expected


def test_default_buyers_gain_when_compute_gets_cheaper(universe, graph):
    p = ExposureParams()
    assert p.buyer_cost_benefit > p.stranded_capex  # the documented default
    vc = _by_ticker(universe, value_change(-0.2, universe, graph))
    assert all(vc[t] > 0 for t in BUYERS)
    # the benefit scales with capex intensity: Meta spends more per dollar of value than Apple
    assert vc["META"] > vc["AAPL"]


def test_network_exposure_of_nvda_suppliers_vanishes_without_propagation(universe, graph):
    on = ai_exposure(universe, graph)
    off = ai_exposure(universe, graph, propagate=False)
    vc_on = _by_ticker(universe, value_change(-0.2, universe, graph))
    vc_off = _by_ticker(universe, value_change(-0.2, universe, graph, propagate=False))
    for t in NVDA_SUPPLIERS:
        assert on[t].network > 0.01
        assert off[t].network == 0.0
        assert off[t].total == pytest.approx(on[t].direct)
        assert abs(vc_off[t]) < abs(vc_on[t])
    # firms that sell only to end buyers are unaffected by the switch
    for t in ("AMD", "AVGO", "MRVL", "SMCI", "VST"):
        assert on[t].network == 0.0
        assert vc_off[t] == pytest.approx(vc_on[t])
    src_on = exposure_sources(universe, graph)
    src_off = exposure_sources(universe, graph, propagate=False)
    assert src_on.loc["ASML", "NVDA"] > 0  # Nvidia's wafers at TSMC need ASML tools
    assert src_off.loc["ASML", "NVDA"] == 0
    assert np.allclose(src_on.sum(axis=1), [on[t].total for t in universe.tickers])


def test_removing_the_tsm_nvda_edge_removes_asml_exposure_to_nvda(universe, edges):
    pruned = [e for e in edges if (e.supplier, e.customer) != ("TSM", "NVDA")]
    g = supply_graph(universe, pruned)
    assert exposure_sources(universe, g).loc["ASML", "NVDA"] == 0


def test_supplier_without_ai_customers_is_barely_exposed(universe, graph):
    ex = ai_exposure(universe, graph)
    vc = _by_ticker(universe, value_change(-0.2, universe, graph))
    assert ex["QCOM"].total < 0.05
    assert abs(vc["QCOM"]) < 0.01
    assert abs(vc["QCOM"]) < 0.1 * abs(vc["NVDA"])


@given(
    d1=st.floats(-1.0, 1.0),
    d2=st.floats(-1.0, 1.0),
    lam=st.floats(0.0, 1.0),
    propagate=st.booleans(),
)
@FAST
def test_value_change_is_linear_in_the_shock(universe, graph, d1, d2, lam, propagate):
    def f(d):
        return value_change(d, universe, graph, propagate=propagate)

    mix = lam * d1 + (1 - lam) * d2
    assert np.allclose(f(mix), lam * f(d1) + (1 - lam) * f(d2), atol=1e-12)
    assert np.all(f(0.0) == 0.0)


def _leontief_reference(w, e, d, tol=1e-15, max_iter=100_000):
    """Slow twin: x_{k+1} = d e + W x_k from x_0 = 0 until it stops changing."""
    x = np.zeros_like(e)
    for _ in range(max_iter):
        nxt = d * e + w @ x
        if np.max(np.abs(nxt - x)) <= tol:
            return nxt
        x = nxt
    raise AssertionError("reference did not converge")


@given(
    n=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
    density=st.floats(0.0, 1.0),
    row_sum=st.floats(0.0, 0.9),
    d=st.floats(-1.0, 1.0),
)
@FAST
def test_leontief_solution_equals_iterative_reference(n, seed, density, row_sum, d):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) * (rng.random((n, n)) < density)  # cycles allowed
    sums = w.sum(axis=1, keepdims=True)
    w = np.divide(w * row_sum, sums, out=np.zeros_like(w), where=sums > 0)
    e = rng.random(n)
    assert np.allclose(_leontief(w, e, d), _leontief_reference(w, e, d), atol=1e-10)


def test_real_network_totals_equal_iterative_reference(universe, graph):
    ex = ai_exposure(universe, graph)
    idx = {t: i for i, t in enumerate(universe.tickers)}
    w = np.zeros((len(universe),) * 2)
    for u, v, weight in graph.edges(data="weight"):
        if universe.roles[idx[v]] in SELLER_ROLES:
            w[idx[u], idx[v]] = weight
    e = np.array([ex[t].direct for t in universe.tickers])
    ref = _leontief_reference(w, e, -0.2)
    assert np.allclose(ref, [-0.2 * ex[t].total for t in universe.tickers], atol=1e-12)


def test_ai_value_share_is_market_implied_and_bounded(universe, graph):
    p = ExposureParams()
    ex = ai_exposure(universe, graph, p)
    for i, t in enumerate(universe.tickers):
        a, s = ex[t].ai_value_share, ex[t].ai_revenue_share
        assert s - 1e-12 <= a <= p.a_max
        if universe.return_2024_pct[i] <= p.benchmark_return_pct:
            assert a == pytest.approx(s)  # no excess run-up, no AI premium
    assert ex["VST"].ai_value_share > ex["VST"].ai_revenue_share  # priced for AI power demand
    flat = ai_exposure(universe, graph, ExposureParams(ai_rerating=1.0))
    assert all(flat[t].ai_value_share == pytest.approx(flat[t].ai_revenue_share) for t in flat)
    steep = ai_exposure(universe, graph, ExposureParams(ai_rerating=10.0))
    for t in ("NVDA", "TSM", "AVGO", "VST"):
        assert flat[t].ai_value_share < ex[t].ai_value_share < steep[t].ai_value_share


def test_upstream_gain_amplifies_only_suppliers_of_suppliers(universe, graph):
    base = ai_exposure(universe, graph)
    whip = ai_exposure(universe, graph, ExposureParams(upstream_gain=1.5))
    for t in NVDA_SUPPLIERS:
        assert whip[t].total > base[t].total
        assert whip[t].value_beta > base[t].value_beta
    for t in ("NVDA", "AMD", "VST", "QCOM"):
        # NVDA's only seller customer is SMCI, so it is amplified too; the others are not
        if t != "NVDA":
            assert whip[t].total == pytest.approx(base[t].total)


def test_cloud_resale_gives_buyers_seller_exposure(universe, graph):
    p = ExposureParams(cloud_resale=0.5, buyer_cost_benefit=1.0, stranded_capex=1.0)
    ex = ai_exposure(universe, graph, p)
    assert ex["MSFT"].direct == pytest.approx(0.5 * 0.43)
    assert ex["META"].direct == 0.0  # no AI/DC revenue of its own
    vc = _by_ticker(universe, value_change(-0.2, universe, graph, p))
    assert vc["MSFT"] < 0 and vc["META"] == 0.0


@pytest.mark.parametrize(
    "field, value",
    [
        ("ai_rerating", 0.5),
        ("a_max", 1.5),
        ("stranded_capex", -1.0),
        ("cloud_resale", float("nan")),
        ("upstream_gain", "x"),
    ],
)
def test_bad_exposure_params_name_the_field(field, value):
    with pytest.raises(NetworkError, match=field):
        ExposureParams(**{field: value})


def test_bad_inputs_raise(universe, graph, edges):
    with pytest.raises(NetworkError, match="d:"):
        value_change(-1.5, universe, graph)
    with pytest.raises(NetworkError, match="d:"):
        value_change(float("nan"), universe, graph)
    g = supply_graph(universe, [*edges, ("MSFT", "NVDA", 0.1, "buyer selling")])
    with pytest.raises(NetworkError, match="MSFT"):
        ai_exposure(universe, g)
    cyc = supply_graph(universe, [("TSM", "NVDA", 1.0, ""), ("NVDA", "TSM", 1.0, "")])
    with pytest.raises(NetworkError, match="spectral radius"):
        ai_exposure(universe, cyc)
    with pytest.raises(NetworkError, match="upstream_gain"):
        ai_exposure(
            universe,
            supply_graph(universe, [("TSM", "NVDA", 0.5, ""), ("NVDA", "TSM", 0.5, "")]),
            ExposureParams(upstream_gain=2.5),
        )


def test_formula_text_documents_every_parameter():
    text = formula_text()
    assert "Leontief" in text and "(I - g W)^-1" in text
    for f in dataclasses.fields(ExposureParams):
        assert f.name in text
    assert "ai_rerating = 7.0" in formula_text(ExposureParams(ai_rerating=7.0))


def test_exposure_frame_has_a_row_per_ticker(universe, graph):
    frame = exposure_frame(universe, graph, d=-0.2)
    assert list(frame.index) == list(universe.tickers)
    assert np.allclose(frame["value_change_pct"], 100 * value_change(-0.2, universe, graph))


# --------------------------------------------------------------------------------------------
# Information graph


@pytest.mark.parametrize("n, k", [(9, 8), (50, 4), (1000, 8)])
def test_small_world_is_connected_with_mean_degree_k(n, k):
    g = information_graph(n, np.random.default_rng(3), k=k, p=0.1)
    assert sorted(g.nodes) == list(range(n))
    assert nx.is_connected(g)
    assert g.number_of_edges() == n * k // 2  # rewiring keeps every node's k links in total
    assert min(d for _, d in g.degree) >= 1


def test_information_graph_is_reproducible_and_small_n_is_complete():
    a = information_graph(200, np.random.default_rng(11))
    b = information_graph(200, np.random.default_rng(11))
    c = information_graph(200, np.random.default_rng(12))
    assert set(a.edges) == set(b.edges) and a.graph["seed"] == b.graph["seed"]
    assert set(a.edges) != set(c.edges)
    small = information_graph(5, np.random.default_rng(0), k=8)
    assert small.number_of_edges() == 5 * 4 // 2
    sf = information_graph(500, np.random.default_rng(0), kind="scale_free", k=8)
    assert nx.is_connected(sf)


@pytest.mark.parametrize(
    "kwargs, field",
    [({"k": 3}, "k"), ({"k": 0}, "k"), ({"p": 1.5}, "p"), ({"kind": "ring"}, "kind")],
)
def test_information_graph_rejects_bad_arguments(kwargs, field):
    with pytest.raises(NetworkError, match=field):
        information_graph(100, np.random.default_rng(0), **kwargs)
    with pytest.raises(NetworkError, match="n_investors"):
        information_graph(0, np.random.default_rng(0))


def test_to_csr_matches_the_graph():
    g = information_graph(300, np.random.default_rng(5), k=6)
    indptr, indices = to_csr(g)
    assert indptr.dtype == np.int64 and indices.dtype == np.int64
    assert len(indptr) == 301 and indptr[-1] == len(indices) == 2 * g.number_of_edges()
    for i in range(300):
        row = indices[indptr[i] : indptr[i + 1]]
        assert list(row) == sorted(g.adj[i])
        assert all(i in indices[indptr[j] : indptr[j + 1]] for j in row)  # symmetric
    with pytest.raises(NetworkError, match="nodes"):
        to_csr(nx.path_graph(["a", "b"]))


# --------------------------------------------------------------------------------------------
# Spreading news


def _spread_reference(indptr, indices, seeds, rate_per_hour, seed, horizon_s):
    """Slow twin: networkx multi-source Dijkstra over the same exponential delays."""
    rng = np.random.default_rng(seed)
    delays = rng.exponential(3600.0 / rate_per_hour, size=len(indices))
    n = len(indptr) - 1
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            g.add_edge(u, int(indices[e]), weight=float(delays[e]))
    dist = nx.multi_source_dijkstra_path_length(g, set(seeds), weight="weight")
    out = np.full(n, np.inf)
    for v, t in dist.items():
        if t <= horizon_s:
            out[v] = t
    return out


@given(
    n=st.integers(2, 60),
    k=st.sampled_from([2, 4, 6]),
    graph_seed=st.integers(0, 2**31),
    run_seed=st.integers(0, 2**31),
    n_seeds=st.integers(1, 3),
    rate=st.floats(0.1, 100.0),
    horizon_h=st.floats(0.0, 5.0),
)
@FAST
def test_spread_times_equal_dijkstra_reference(
    n, k, graph_seed, run_seed, n_seeds, rate, horizon_h
):
    g = information_graph(n, np.random.default_rng(graph_seed), k=k, p=0.3)
    indptr, indices = to_csr(g)
    seeds = list(range(min(n_seeds, n)))
    got = spread_times(
        indptr, indices, seeds, rate, np.random.default_rng(run_seed), horizon_h * 3600
    )
    ref = _spread_reference(indptr, indices, seeds, rate, run_seed, horizon_h * 3600)
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    assert np.allclose(got[np.isfinite(got)], ref[np.isfinite(ref)], rtol=1e-12, atol=0)


def test_seeds_hear_at_zero_and_everyone_hears_eventually():
    g = information_graph(2000, np.random.default_rng(1))
    indptr, indices = to_csr(g)
    seeds = [0, 17, 999]
    t = spread_times(indptr, indices, seeds, 2.0, np.random.default_rng(2), math.inf)
    assert np.all(t[seeds] == 0.0)
    assert np.all(np.isfinite(t)) and np.all(t >= 0)
    assert np.count_nonzero(t == 0.0) == len(seeds)


def test_rate_zero_reaches_nobody_and_horizon_cuts_off():
    indptr, indices = to_csr(information_graph(500, np.random.default_rng(1)))
    t = spread_times(indptr, indices, [3], 0.0, np.random.default_rng(2), math.inf)
    assert t[3] == 0.0 and np.count_nonzero(np.isfinite(t)) == 1
    t = spread_times(indptr, indices, [3], 1.0, np.random.default_rng(2), 1800.0)
    finite = t[np.isfinite(t)]
    assert np.all(finite <= 1800.0) and 1 <= len(finite) < 500
    assert np.all(spread_times(indptr, indices, [], 5.0, np.random.default_rng(2), 1e9) == np.inf)


def test_same_rng_seed_gives_same_times():
    indptr, indices = to_csr(information_graph(1000, np.random.default_rng(4)))
    a = spread_times(indptr, indices, [0], 3.0, np.random.default_rng(99), 6.5 * 3600)
    b = spread_times(indptr, indices, [0], 3.0, np.random.default_rng(99), 6.5 * 3600)
    c = spread_times(indptr, indices, [0], 3.0, np.random.default_rng(98), 6.5 * 3600)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_mean_times_grow_with_distance_on_a_path():
    n, rate, runs = 25, 6.0, 400  # mean delay 600 s per hop
    indptr, indices = to_csr(nx.path_graph(n))
    rng = np.random.default_rng(7)
    times = np.array([spread_times(indptr, indices, [0], rate, rng, math.inf) for _ in range(runs)])
    mean = times.mean(axis=0)
    assert mean[0] == 0.0
    assert np.all(np.diff(mean) > 0)
    hops = np.arange(n)
    assert np.allclose(mean[1:], 600.0 * hops[1:], rtol=0.2)


@pytest.mark.parametrize(
    "args, field",
    [
        (([0], -1.0, 10.0), "rate_per_hour"),
        (([0], float("inf"), 10.0), "rate_per_hour"),
        (([0], 1.0, float("nan")), "horizon_s"),
        (([5], 1.0, 10.0), "seeds"),
        (([-1], 1.0, 10.0), "seeds"),
    ],
)
def test_spread_times_rejects_bad_arguments(args, field):
    indptr, indices = to_csr(nx.path_graph(3))
    seeds, rate, horizon = args
    with pytest.raises(NetworkError, match=field):
        spread_times(indptr, indices, seeds, rate, np.random.default_rng(0), horizon)
