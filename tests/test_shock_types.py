"""Typed shocks: a `Shock` base that validates every field on construction and states its size."""

import dataclasses

import pytest

from agents.params import ParamError, spec_of
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides
from scenarios.library.shocks import (
    SHOCK_TYPES,
    AIDemandNews,
    CapexGuidance,
    ChipTariff,
    ExportControl,
    FundFlow,
    Shock,
    ShockError,
    SupplyDisruption,
)
from scenarios.studies.attribute import shock_day


def _types():
    return list(SHOCK_TYPES.values()) if isinstance(SHOCK_TYPES, dict) else list(SHOCK_TYPES)


def test_every_shock_type_is_a_shock():
    assert _types() and all(issubclass(t, Shock) for t in _types())


@pytest.mark.parametrize("cls", _types(), ids=lambda c: c.__name__)
def test_every_ranged_field_is_checked_when_built(cls):
    """For each field with a range, one value past its top is refused, naming the field."""
    checked = 0
    for f in dataclasses.fields(cls):
        spec = spec_of(f)
        if spec is None or spec.hi is None:
            continue
        bad = spec.hi + 1
        with pytest.raises(ShockError, match=rf"^{cls.__name__}\.{f.name}: .*got"):
            cls(**{f.name: bad})
        checked += 1
    assert checked >= 2  # day and minute at least
    cls()  # the defaults are valid


def test_magnitudes_by_hand():
    assert AIDemandNews(size=-0.3).magnitude == pytest.approx(0.3)
    assert ChipTariff(rate=0.4).magnitude == pytest.approx(0.4)
    assert ExportControl(lost_share=0.7).magnitude == pytest.approx(0.7)
    assert SupplyDisruption(weeks=26.0).magnitude == pytest.approx(0.5)
    assert CapexGuidance().magnitude == 0.0 and FundFlow().magnitude == 0.0


def test_attribution_picks_the_shock_of_largest_magnitude(small_scenario):
    sc = small_scenario("chip_tariffs")
    small, big = ChipTariff(name="a", day=0, rate=0.1), ExportControl(name="b", day=1,
                                                                      lost_share=0.9)
    assert shock_day(dataclasses.replace(sc, shocks=(small, big))) == 1
    assert shock_day(dataclasses.replace(sc, shocks=(ChipTariff(name="a", day=0, rate=1.0),
                                                     big))) == 0


def test_the_scenarios_own_shock_is_its_shock_day_whatever_its_channels():
    """With value on current AI revenue, Friday's export probe moves a value more than the
    DeepSeek news does; the DeepSeek week's shock day is still Monday, its own shock's."""
    sc = get_scenario("deepseek")
    off = apply_overrides(sc, ["channels.expectations=false"])
    assert shock_day(sc) == 1 and shock_day(off) == 1
    unnamed = dataclasses.replace(off, name="deepseek_week")
    assert shock_day(unnamed) == 5  # with no shock named like it: the largest by value moved


def test_an_override_names_the_full_path():
    sc = get_scenario("deepseek")
    with pytest.raises(ParamError, match=r"^shocks\.deepseek\.size: .*\[-0\.5, 0\.5\]"):
        apply_overrides(sc, ["shocks.deepseek.size=5"])
