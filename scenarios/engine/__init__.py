"""selloff: the simulation engine (world, day, news, recording; the Mesa adapter)."""
