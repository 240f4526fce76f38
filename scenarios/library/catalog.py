"""Every scenario `selloff run` knows, by name. Each lives in its own module of
scenarios/library/."""

from scenarios.library.scenario import Scenario

__all__ = ["SCENARIOS", "get_scenario", "scenario_names"]


def _load() -> dict[str, type[Scenario]]:
    from scenarios.library.abides import AbidesRMSC04
    from scenarios.library.baseline import Baseline
    from scenarios.library.chip_tariffs import ChipTariffs
    from scenarios.library.deepseek import DeepSeek
    from scenarios.library.export_controls import ExportControls
    from scenarios.library.jevons import Jevons
    from scenarios.library.taiwan_disruption import TaiwanDisruption

    classes = (Baseline, AbidesRMSC04, DeepSeek, ChipTariffs, ExportControls, TaiwanDisruption,
               Jevons)
    return {c.name: c for c in classes}


SCENARIOS = _load()


def scenario_names() -> tuple[str, ...]:
    """The catalogue's scenario names, in listing order."""
    return tuple(SCENARIOS)


def get_scenario(name: str) -> Scenario:
    """A fresh scenario of that name with its defaults; ValueError listing the names otherwise."""
    try:
        return SCENARIOS[name]()
    except KeyError:
        raise ValueError(f"scenario: unknown {name!r}; allowed: {', '.join(SCENARIOS)}") from None
