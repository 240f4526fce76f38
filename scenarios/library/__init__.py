"""selloff: the scenarios (their base class, shocks, the catalogue and each scenario)."""
