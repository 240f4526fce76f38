"""Speed of the classroom page's work, printed as a table (nothing asserts on time).

    python benchmarks/bench_dashboard.py [--minutes N]

Per Step (one minute of the main run and its twin) and per redraw of each view (the PNG the
page sends), on the deepseek preset at full size, measured on Monday 27 January from the open
(the busiest day). Then the full Monday at full speed as the page plays it (Play interval 1 ms,
a redraw of every view every RENDER_INTERVAL steps), estimated from the measured step and
redraw times. Baseline in the same run: one minute of `selloff run`'s model alone (no twin,
no drawing).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _t(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out), max(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, default=60, help="Monday minutes timed (default 60)")
    a = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    from scenarios.catalog import get_scenario
    from scenarios.model import MINUTES, SelloffModel
    from viz.dashboard import charts
    from viz.dashboard.app import RENDER_INTERVAL, _fig_png
    from viz.dashboard.state import ClassroomModel

    cm = ClassroomModel("deepseek", 12, (), "supply network off")
    base = SelloffModel(get_scenario("deepseek"), 12)
    print("stepping Friday (warm-up, kernels compiled or loaded) ...", flush=True)
    for _ in range(MINUTES):
        cm.step()
        base.step()
    rows = []
    rows.append(("baseline: one minute, model alone", *_t(base.step, a.minutes)))
    rows.append(("Step: one minute, run + twin", *_t(cm.step, a.minutes)))
    views = {
        "prices (by role, twin, difference)": lambda: charts.price_figure(cm),
        "book (one stock)": lambda: charts.book_figure(cm, 0),
        "supply network": lambda: charts.network_figure(cm),
        "who sold and why": lambda: charts.motive_figure(cm),
        "leverage vs limit": lambda: charts.leverage_figure(cm),
    }
    redraw = 0.0
    for name, f in views.items():
        med, mx = _t(lambda f=f: _fig_png(f()), 5)
        redraw += med
        rows.append((f"redraw: {name}", med, mx))
    rows.append(("redraw: every view", redraw, float("nan")))
    step = rows[1][1]
    monday = MINUTES * step + (MINUTES / RENDER_INTERVAL) * redraw
    rows.append((f"full Monday at full speed (390 steps, a redraw every {RENDER_INTERVAL})",
                 monday, float("nan")))
    print(f"\n{'':<66}{'median s':>10}{'max s':>9}")
    for name, med, mx in rows:
        print(f"{name:<66}{med:>10.3f}{mx:>9.3f}")
    print(f"\nStep + one redraw of every view: {step + redraw:.2f} s; "
          f"twin overhead: {rows[1][1] / rows[0][1]:.2f}x the model alone")


if __name__ == "__main__":
    main()
