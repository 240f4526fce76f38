"""selloff: studies of runs (one run, ensembles, batches, attribution, calibration, facts)."""
