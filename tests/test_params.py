"""Tests for agents/params.py (ranges, validation, export) and scenarios/library/overrides.py
(overrides, CLI parsing, listing)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pytest

from agents.params import (
    PARAM_KEY,
    ParamError,
    ParamSpec,
    field_range,
    param,
    to_dict,
    validate,
)
from scenarios.library.overrides import (
    apply_overrides,
    describe,
    override,
    parse_value,
)


@dataclass(frozen=True)
class Shock:
    name: str = "deepseek"
    time: int = param(0, 0, 23_400, doc="seconds after the open")
    size: float = param(-0.1, -1.0, 1.0, doc="fractional value shock")
    kind: str = param("news", choices=("news", "flow"))


@dataclass(frozen=True)
class Cohort:
    count: int = param(100, 0, 100_000, doc="number of agents")
    rate: float = param(1.0, 0.0, 10.0)
    enabled: bool = param(True)


@dataclass(frozen=True)
class Population:
    momentum: Cohort = param(Cohort())
    value: Cohort = param(Cohort(count=50, rate=0.5))


@dataclass(frozen=True)
class Scen:
    name: str = "base"
    seed: int = param(7, 0)
    label: str | None = None
    population: Population = param(Population())
    shocks: tuple[Shock, ...] = (Shock(), Shock(name="tariff", time=600, size=0.05))
    weights: tuple[float, ...] = param((0.5, 0.5), 0.0, 1.0)
    rules: dict[str, Cohort] = param({"mm": Cohort(count=2)})


def _error(fn, *args) -> str:
    with pytest.raises(ParamError) as info:
        fn(*args)
    message = str(info.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------------------- metadata


def test_field_range_and_param_store_spec_in_metadata():
    meta = field_range(0, 10, doc="d")
    assert meta == {PARAM_KEY: ParamSpec(lo=0, hi=10, choices=None, doc="d")}
    count = {f.name: f for f in dataclasses.fields(Cohort)}["count"]
    assert count.metadata[PARAM_KEY] == ParamSpec(0, 100_000, None, "number of agents")
    population = {f.name: f for f in dataclasses.fields(Population)}["momentum"]
    assert population.default is dataclasses.MISSING
    assert population.default_factory() == Cohort()


def test_param_rejects_bad_declarations():
    assert "[0, 1]" in _error(param, 5, 0, 1)
    with pytest.raises(ParamError, match="one of: a, b"):
        param("c", choices=("a", "b"))
    with pytest.raises(ParamError, match="lo must be <= hi"):
        field_range(2, 1)


# ---------------------------------------------------------------------------------- override


def test_override_nested_field_leaves_original_unchanged():
    base = Scen()
    new = override(base, "population.momentum.count", 500)
    assert new.population.momentum.count == 500
    assert base.population.momentum.count == 100
    assert new.population.value == base.population.value
    assert new.shocks == base.shocks
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.seed = 1  # type: ignore[misc]


def test_override_shock_by_name_and_by_index():
    base = Scen()
    by_name = override(base, "shocks.deepseek.size", -0.3)
    assert by_name.shocks[0].size == -0.3
    assert by_name.shocks[1] == base.shocks[1]
    by_index = override(base, "shocks.1.time", 900)
    assert by_index.shocks[1].time == 900
    assert by_index.shocks[1].name == "tariff"
    assert by_index.shocks[0] == base.shocks[0]
    assert base.shocks[0].size == -0.1 and base.shocks[1].time == 600


def test_override_dict_key_and_tuple_of_numbers():
    base = Scen()
    new = override(base, "rules.mm.count", 3)
    assert new.rules["mm"].count == 3 and base.rules["mm"].count == 2
    assert override(base, "weights.1", 0.75).weights == (0.5, 0.75)
    assert override(base, "weights", [0.2, 0.8]).weights == (0.2, 0.8)


def test_override_coerces_losslessly():
    base = Scen()
    rate = override(base, "population.momentum.rate", 2).population.momentum.rate
    assert rate == 2.0 and type(rate) is float
    count = override(base, "population.momentum.count", 2.0).population.momentum.count
    assert count == 2 and type(count) is int
    assert override(base, "label", None).label is None


def test_override_whole_element_from_dict():
    base = Scen()
    shocks = override(base, "shocks", to_dict(base)["shocks"]).shocks
    assert shocks == base.shocks
    new = override(base, "shocks.tariff", {"name": "tariff", "size": 0.2})
    # the fields the dict leaves out keep the scenario's values (time=600), not the class's (0)
    assert new.shocks[1] == Shock(name="tariff", time=600, size=0.2)


def test_a_dict_on_a_nested_dataclass_changes_only_the_fields_it_names():
    base = Scen()
    new = override(base, "shocks.tariff", {"size": 0.3})
    assert (new.shocks[1].time, new.shocks[1].size, new.shocks[1].kind) == (600, 0.3, "news")
    assert override(base, "shocks.tariff", {}) == base
    assert _error(override, base, "shocks.tariff", {"sizee": 1}).startswith(
        "shocks.tariff.sizee: unknown field")


def test_unknown_field_lists_allowed_names():
    message = _error(override, Scen(), "shocks.deepseek.sizee", 0.1)
    assert message == "shocks.deepseek.sizee: unknown field; allowed: name, time, size, kind"
    message = _error(override, Scen(), "shocks.deepsek.size", 0.1)
    assert message.startswith("shocks.deepsek: unknown element; allowed: deepseek, tariff")
    message = _error(override, Scen(), "rules.xx.count", 1)
    assert message == "rules.xx: unknown key; allowed: mm"
    message = _error(override, Scen(), "population.momentum.count.x", 1)
    assert message.startswith("population.momentum.count.x:")


def test_out_of_range_int():
    message = _error(override, Scen(), "population.momentum.count", -3)
    assert message == "population.momentum.count: must be an integer in [0, 100000] (got -3)"
    assert _error(override, Scen(), "seed", -1) == "seed: must be an integer >= 0 (got -1)"
    message = _error(override, Scen(), "shocks.tariff.kind", "rumour")
    assert message == "shocks.tariff.kind: must be one of: news, flow (got 'rumour')"


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("population.momentum.rate", "fast", "must be a number in [0.0, 10.0] (got 'fast')"),
        ("population.momentum.count", 2.5, "must be an integer in [0, 100000] (got 2.5)"),
        ("population.momentum.count", True, "must be an integer in [0, 100000] (got True)"),
        ("population.momentum.enabled", 1, "must be true or false (got 1)"),
        ("population.momentum.enabled", 0, "must be true or false (got 0)"),
        ("shocks.deepseek.size", 1.5, "must be a number in [-1.0, 1.0] (got 1.5)"),
    ],
)
def test_wrong_type_is_rejected_with_path(path, value, expected):
    assert _error(override, Scen(), path, value) == f"{path}: {expected}"


# ---------------------------------------------------------------------------------- parse_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5),
        ("-3", -3),
        ("2.5", 2.5),
        ("1e-3", 0.001),
        ("TRUE", True),
        ("false", False),
        ("None", None),
        ("null", None),
        ('"hello world"', "hello world"),
        ("'7'", "7"),
        ("hello", "hello"),
        ("", ""),
        ("[1, 2.5, true]", [1, 2.5, True]),
        ('{"a": 1}', {"a": 1}),
    ],
)
def test_parse_value(text, expected):
    got = parse_value(text)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    "text", ["__import__('os').system('echo pwned')", "1+1", "open('/etc/passwd').read()"]
)
def test_parse_value_never_evaluates(text):
    assert parse_value(text) == text


def test_parse_value_bad_json():
    assert _error(parse_value, "[1,").startswith("invalid JSON")


# ---------------------------------------------------------------------------------- apply_overrides


def test_apply_overrides_in_order():
    new = apply_overrides(
        Scen(),
        [
            "seed=3",
            "shocks.deepseek.size=-0.2",
            "population.value.enabled=false",
            "population.value.count = 40",
            "name=2025",
            "label=none",
            "weights=[0.25, 0.75]",
            "seed=4",
        ],
    )
    assert new.seed == 4
    assert new.shocks[0].size == -0.2
    assert new.population.value.enabled is False
    assert new.population.value.count == 40
    assert new.name == "2025"
    assert new.label is None
    assert new.weights == (0.25, 0.75)


def test_apply_overrides_errors_name_assignment_or_path():
    assert "'seed'" in _error(apply_overrides, Scen(), ["seed"])
    assert "PATH=VALUE" in _error(apply_overrides, Scen(), ["seed"])
    message = _error(apply_overrides, Scen(), ["weights=[0.2, 1.5]"])
    assert message == "weights.1: must be a number in [0.0, 1.0] (got 1.5)"
    assert _error(apply_overrides, Scen(), ["seed=[1,"]).startswith("seed: invalid JSON")
    message = _error(apply_overrides, Scen(), ["population.momentum.enabled=1"])
    assert message == "population.momentum.enabled: must be true or false (got 1)"


# ---------------------------------------------------------------------------------- validate


@pytest.mark.parametrize(
    ("scen", "path"),
    [
        (Scen(population=Population(momentum=Cohort(count=-1))), "population.momentum.count"),
        (Scen(population=Population(value=Cohort(count=True))), "population.value.count"),
        (Scen(population=Population(value=Cohort(rate="1"))), "population.value.rate"),
        (Scen(shocks=(Shock(), Shock(name="late", size=2.0))), "shocks.late.size"),
        (Scen(shocks=(Shock(name=""), Shock(name="", time=-5))), "shocks.1.time"),
        (Scen(rules={"mm": Cohort(rate=11.0)}), "rules.mm.rate"),
        (Scen(weights=(0.5, float("nan"))), "weights.1"),
        (Scen(seed=1.0), "seed"),
        (Scen(label=3), "label"),
        (Scen(shocks=(Shock(), Shock())), "shocks"),
    ],
)
def test_validate_catches_bad_values_built_directly(scen, path):
    assert _error(validate, scen).startswith(f"{path}: ")


def test_validate_accepts_defaults_and_uses_path_prefix():
    validate(Scen())
    assert _error(validate, Cohort(count=-1), "cohorts.x").startswith("cohorts.x.count: ")


# ---------------------------------------------------------------------------------- export, listing


def test_to_dict_is_json_serialisable_and_round_trips():
    scen = override(Scen(), "shocks.tariff.size", 0.2)
    data = to_dict(scen)
    assert list(data) == ["name", "seed", "label", "population", "shocks", "weights", "rules"]
    assert data["shocks"][1] == {"name": "tariff", "time": 600, "size": 0.2, "kind": "news"}
    assert data["weights"] == [0.5, 0.5]
    assert json.loads(json.dumps(data)) == data
    rebuilt = apply_overrides(Scen(), [f"{k}={json.dumps(data[k])}" for k in ("shocks", "rules")])
    assert rebuilt.shocks == scen.shocks and rebuilt.rules == scen.rules


def test_describe_lists_every_leaf():
    rows = {path: (value, allowed) for path, value, allowed in describe(Scen)}
    assert rows["population.momentum.count"][0] == "100"
    assert "[0, 100000]" in rows["population.momentum.count"][1]
    assert "number of agents" in rows["population.momentum.count"][1]
    assert rows["shocks.tariff.time"][0] == "600"
    assert rows["rules.mm.count"][0] == "2"
    assert rows["weights"][0] == "[0.5, 0.5]"
    assert rows["label"][0] == "none"
    assert "population" not in rows and "shocks" not in rows
    current = dict((p, v) for p, v, _ in describe(override(Scen(), "seed", 9)))
    assert current["seed"] == "9"
