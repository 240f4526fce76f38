"""The chart of a sensitivity analysis (scenarios.studies.sensitivity.analyze)."""

from pathlib import Path

import numpy as np

from viz import pyplot, save_png

__all__ = ["plot_sensitivity"]


def plot_sensitivity(sens: dict, path: Path) -> Path:
    """Bars per parameter and outcome (Sobol S1/ST with CIs, or Morris mu* against sigma)."""
    plt = pyplot()

    outs = list(sens["outcomes"])
    names = sens["parameters"]
    fig, axes = plt.subplots(1, len(outs), figsize=(5.2 * len(outs), 0.5 * len(names) + 2.2),
                             squeeze=False)
    y = np.arange(len(names))
    for ax, expr in zip(axes[0], outs, strict=True):
        rows = sens["outcomes"][expr]
        if sens["method"] == "sobol":
            for off, key, col in ((-0.18, "S1", "#4c72b0"), (0.18, "ST", "#dd8452")):
                v = [rows[k][key] for k in names]
                e = [rows[k][key + "_conf"] for k in names]
                ax.barh(y + off, v, height=0.34, xerr=e, color=col, label=key, capsize=2)
            ax.axvline(0, color="0.3", lw=0.6)
            ax.set_xlabel("Sobol index (95% CI)")
        else:
            ms = [rows[k]["mu_star"] for k in names]
            e = [rows[k]["mu_star_conf"] for k in names]
            sd = [rows[k]["sigma"] for k in names]
            ax.barh(y - 0.18, ms, height=0.34, xerr=e, color="#4c72b0", label="mu*", capsize=2)
            ax.barh(y + 0.18, sd, height=0.34, color="#dd8452", label="sigma")
            ax.set_xlabel("elementary effect, outcome units")
        ax.set_yticks(y, names if ax is axes[0][0] else [""] * len(names))
        ax.invert_yaxis()
        ax.set_title(expr, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.suptitle(f"{sens['method'].title()} sensitivity: {sens['points']} base points x "
                 f"{len(sens['seeds'])} seeds", fontsize=11)
    fig.tight_layout()
    return save_png(fig, path)
