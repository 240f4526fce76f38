"""Shared test worlds: the small population several test files run (fast: about 1,000 investors).

`SMALL_POPULATION` is the list of overrides (dotted paths, scenarios.library.overrides) that shrinks
a scenario's population; the `small_scenario` fixture applies it, then any further overrides, to a
catalogue scenario. Test files that need their own sizes keep them, and say why.
"""

import pytest

from scenarios.library.catalog import get_scenario
from scenarios.library.overrides import apply_overrides

#: investors per kind of the small world, and a short pre-open
SMALL_POPULATION = ["population.fundamental.count=300", "population.theme.count=75",
                    "population.momentum.count=100",
                    "population.noise.count=400", "population.leveraged.count=4",
                    "population.passive.count=4", "population.market_maker.per_stock=2",
                    "rules.preopen_rounds=60"]


@pytest.fixture
def small_scenario():
    """A function (name, *overrides) -> the catalogue scenario `name` with the small population
    and then `overrides` applied."""
    def make(name: str, *overrides: str):
        return apply_overrides(get_scenario(name), [*SMALL_POPULATION, *overrides])

    return make
