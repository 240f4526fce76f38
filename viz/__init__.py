"""selloff: viz (plots of runs; imports scenarios, agents, market)."""

from pathlib import Path

__all__ = ["save_png"]


def save_png(fig, path) -> Path:
    """Save a matplotlib figure to `path` atomically (a reader never sees half a file); close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path
