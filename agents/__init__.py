"""selloff: agents."""
