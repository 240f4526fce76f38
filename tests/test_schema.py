"""One schema for investor kinds, parameter columns and motives (agents/schema.py)."""

import numpy as np
import pytest

from agents import _kernels as AK  # the test checks the kernels' constants against the schema
from agents.population import Population, build_investors
from agents.schema import (
    KIND_NAMES,
    N_MOTIVES,
    REGISTRY,
    SCHEMAS,
    Kind,
    KindRegistry,
    Motive,
    kind_code,
)
from market import MOTIVE_NAMES


def test_kinds_codes_and_names_agree_everywhere():
    assert [s.code for s in SCHEMAS] == [int(k) for k in Kind] == list(range(len(Kind)))
    # the built-in kinds first, in Kind's order (a test may register more: tests/test_kinds.py)
    assert KIND_NAMES == tuple(k.label for k in Kind) == REGISTRY.names[:len(Kind)]
    assert KIND_NAMES[Kind.MARKET_MAKER] == "market_maker"
    assert kind_code("noise") == Kind.NOISE == AK.NOISE
    assert (AK.FUNDAMENTAL, AK.MOMENTUM, AK.MAKER, AK.LEVERAGED, AK.PASSIVE) == (
        Kind.FUNDAMENTAL, Kind.MOMENTUM, Kind.MARKET_MAKER, Kind.LEVERAGED, Kind.PASSIVE)
    assert N_MOTIVES == len(MOTIVE_NAMES) == 10  # STUDENT (9): the trading floor
    assert AK.M_DIP == Motive.DIP_BUY and AK.M_FLOW == Motive.FUND_FLOW


def test_every_population_field_with_a_column_fills_it():
    """A population whose every parameter is distinct lands each value in its named column."""
    pop = Population()
    prices = np.array([100.0, 50.0])
    w = build_investors(pop, prices, np.array([2.0, 1.0]), np.random.default_rng(0))
    inv = w.inv
    f = inv.par[inv.kind == Kind.FUNDAMENTAL][0]
    fs = SCHEMAS[Kind.FUNDAMENTAL]
    assert f[fs.column("threshold")] == pop.fundamental.threshold
    assert f[fs.column("doubt")] == pop.fundamental.doubt
    assert f[fs.column("position_limit")] == pop.fundamental.position_limit * f[0]
    m = inv.par[inv.kind == Kind.MARKET_MAKER][0]
    ms = SCHEMAS[Kind.MARKET_MAKER]
    assert m[ms.column("withdraw_ratio")] == pop.market_maker.withdraw_ratio
    assert m[ms.column("half_spread_bp")] == pop.market_maker.half_spread_bp
    lv = inv.par[inv.kind == Kind.LEVERAGED][0]
    assert lv[SCHEMAS[Kind.LEVERAGED].column("leverage_limit")] == pop.leveraged.leverage_limit
    assert w.kinds_count["market_maker"] == pop.market_maker.per_stock * 2


def test_a_toy_kind_registers_from_this_file_alone():
    """Adding a kind is one registration: a code after the built-ins, named columns, checks."""
    reg = KindRegistry(SCHEMAS)
    toy = reg.register("contrarian", ("size", "lookback_min", "fade"))
    assert toy.code == len(Kind) and reg.code("contrarian") == toy.code
    assert reg[toy.code].column("fade") == 2 and reg.names[-1] == "contrarian"
    assert len(reg) == len(Kind) + 1 and REGISTRY.names[:len(Kind)] == KIND_NAMES
    with pytest.raises(ValueError, match="name"):
        reg.register("noise", ("size",))
    with pytest.raises(ValueError, match="columns"):
        reg.register("bad", ("fade",))  # column 0 must be the size
    with pytest.raises(ValueError, match="fade"):
        SCHEMAS[Kind.NOISE].column("fade")
