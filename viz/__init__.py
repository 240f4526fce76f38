"""selloff: viz."""
