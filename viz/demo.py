"""The engine demo's figure (`selloff demo`): match_stream's fills and an Exchange book."""

__all__ = ["plot_engine_demo"]


def plot_engine_demo(stream, fills, ex, path) -> None:
    """The engine demo's figure (`selloff demo --out DIR`): trade prices of the replayed stream
    (dollars, by fill number) and a depth snapshot of stock 0's book in `ex` (shares per price).

    Args:
        stream: the replayed order stream (unused in the figure; kept for the caller's call).
        fills: match_stream's fills (TRADE_DTYPE; prices in ticks).
        ex: a market.Exchange.
        path: where the PNG goes.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [2, 1]})
    k = min(fills.size, 20_000)
    a.plot(np.arange(k), fills["price"][:k] / 100, lw=0.5, color="tab:blue")
    a.set_xlabel("fill number")
    a.set_ylabel("price ($)")
    a.set_title(f"match_stream: the first {k:,} of {fills.size:,} fills")
    bp, bq, ap, aq = ex.depth(0, levels=15)
    b.barh(bp / 100, bq, height=0.008, color="tab:green", label="bids")
    b.barh(ap / 100, aq, height=0.008, color="tab:red", label="asks")
    b.set_xlabel("shares resting")
    b.set_title("Exchange, stock 0: depth now")
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
