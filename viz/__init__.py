"""selloff: viz (plots of runs; imports scenarios, agents, market)."""

import sys
from pathlib import Path

__all__ = ["pyplot", "save_png"]


def pyplot():
    """matplotlib.pyplot for drawing into files.

    Chooses the Agg backend (no display needed) only when nobody has imported pyplot yet: a
    notebook's inline backend, or a user's, is left alone, so its own figures still show.
    """
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, path) -> Path:
    """Save a matplotlib figure to `path` atomically (a reader never sees half a file); close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path
