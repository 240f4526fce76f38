"""`baseline`: no shock; the market's everyday behaviour (the stylized facts are checked on it)."""

from dataclasses import dataclass

from scenarios.library.scenario import Scenario


@dataclass(frozen=True)
class Baseline(Scenario):
    """No shock: the universe as it stood on 24 January 2025."""

    name: str = "baseline"
    description: str = "No shock: the 19-stock universe at its 24 January 2025 prices."
