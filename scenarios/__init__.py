"""selloff: scenarios."""
