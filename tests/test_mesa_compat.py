"""Our Model and agents never shadow a name Mesa's Model, Agent or AgentSet owns.

Mesa 3.5 added `Model.scenario` (a property that writes `scenario.model = self`), which our model
used for its scenario and which crashed every run on Python >= 3.12. The installed Mesa is what a
user gets on this Python (3.3 on 3.11, 3.5 on 3.12 and 3.13); CI runs this file on both.
"""

import warnings

import mesa
import pytest

from scenarios.engine.model import Investor, SelloffModel
from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides

TINY = ['tickers=["NVDA", "MSFT"]', "days=1", "population.fundamental.count=20",
        "population.momentum.count=10", "population.noise.count=40",
        "population.leveraged.count=2", "population.passive.count=1"]

#: names Mesa means its users to assign or override
MEANT_FOR_USERS = {"step", "running"}


def _mesa_names(obj) -> set[str]:
    """Every public attribute and method name of a fresh Mesa object (class and instance)."""
    return {n for n in set(dir(type(obj))) | set(vars(obj)) if not n.startswith("__")}


def _own_names(obj, base: type) -> set[str]:
    """Names our subclass instance defines itself: class attributes below `base`, and instance
    attributes. Mesa 3.5 gives every subclass some class attributes of its own
    (`__init_subclass__`: `observables`, `_datasets`); those are Mesa's, not ours."""
    mesa_made = set(vars(type("Bare", (base,), {})))
    names = set()
    for cls in type(obj).__mro__:
        if cls is base:
            break
        names |= {n for n in vars(cls) if not n.startswith("__")} - mesa_made
    return names | set(vars(obj))


@pytest.fixture(scope="module")
def model():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a FutureWarning or DeprecationWarning fails the build
        m = SelloffModel(apply_overrides(get_scenario("baseline"), TINY), seed=1)
        for _ in range(3):
            m.step()
    return m


def test_the_model_shadows_nothing_of_mesas_model(model):
    fresh = mesa.Model(rng=0)
    clashes = (_own_names(model, mesa.Model) - set(vars(fresh))) & _mesa_names(fresh)
    assert clashes - MEANT_FOR_USERS == set(), f"Mesa {mesa.__version__} owns {sorted(clashes)}"


def test_agents_shadow_nothing_of_mesas_agent(model):
    mesa_agent = mesa.Agent(mesa.Model(rng=0))
    for cls in {type(a) for a in model.agents}:
        agent = next(iter(model.agents_by_type[cls]))
        own = _own_names(agent, mesa.Agent) - set(vars(mesa_agent))
        clashes = own & _mesa_names(mesa_agent)
        assert clashes - MEANT_FOR_USERS == set(), (cls.__name__, sorted(clashes))


def test_selecting_and_aggregating_agents_warns_of_nothing(model):
    investors = model.agents_by_type[Investor]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mm = investors.select(lambda a: a.kind == "market_maker")
        total = mm.agg("pnl", sum)
    assert len(mm) > 0 and isinstance(total, float)


def test_the_scenario_is_kept_under_a_name_mesa_does_not_use(model):
    assert model.spec.name == "baseline"
    assert "spec" not in _mesa_names(mesa.Model(rng=0))
