"""Speed of the classroom page's work, printed as a table (nothing asserts on time).

    python benchmarks/bench_dashboard.py [--minutes N]

Per Step (one minute of the main run and its twin) and per redraw of each view (the PNG the
page sends: the chart kept per run and updated in place, viz.dashboard.charts), on the deepseek
preset at full size, measured on Monday 27 January from the open (the busiest day), in CPU
time of this process (the host is shared; wall time is printed beside it). Then the full Monday
as a run's thread plays it when it draws a frame every minute (a page shows one view at a time:
the price chart), estimated from the measured step and redraw times; at full speed a run draws
at most one frame every FRAME_S seconds, so it steps several minutes a frame. Baselines in the
same run: one minute of `selloff run`'s model alone (no twin, no drawing), and each view drawn
the old way, a new figure per redraw saved with savefig (``--no-fresh`` skips it).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _t(fn, n):
    """Median CPU seconds and median wall seconds of n calls of fn."""
    cpu, wall = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    return statistics.median(cpu), statistics.median(wall)


def _fresh_png(cm, chart) -> bytes:
    """A new figure of the same view drawn from scratch and saved as the page used to."""
    import io

    fig = type(chart)(cm, *([chart.stock] if hasattr(chart, "stock") else [])).figure()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, default=60, help="Monday minutes timed (default 60)")
    ap.add_argument("--no-fresh", action="store_true", help="skip the draw-from-scratch baseline")
    a = ap.parse_args()
    import os

    import matplotlib

    matplotlib.use("Agg")
    from scenarios.engine.model import MINUTES, SelloffModel
    from scenarios.library.catalog import get_scenario
    from viz.dashboard import charts
    from viz.dashboard.hub import FRAME_S
    from viz.dashboard.state import ClassroomModel

    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
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
        "prices (by role, twin, difference)": ("prices",),
        "book (one stock)": ("book", 0),
        "supply network": ("network",),
        "who bought and sold": ("motives",),
        "leverage vs limit": ("leverage",),
    }
    redraw = [0.0, 0.0]
    fresh = [0.0, 0.0]
    for name, key in views.items():
        ch = charts.chart(cm, *key)
        ch.png()  # the first draw builds the background

        def one(ch=ch):
            cm.step()  # a redraw after a minute's move, as the page draws
            ch.png()

        step_c, step_w = _t(cm.step, 3)
        c, w = _t(one, 10)
        c, w = max(0.0, c - step_c), max(0.0, w - step_w)
        redraw[0] += c
        redraw[1] += w
        rows.append((f"redraw: {name}", c, w))
        if not a.no_fresh:
            fc, fw = _t(lambda ch=ch: _fresh_png(cm, ch), 3)
            fresh[0] += fc
            fresh[1] += fw
            rows.append(("   the same drawn from scratch (the old way)", fc, fw))
    rows.append(("redraw: every view", *redraw))
    if not a.no_fresh:
        rows.append(("   every view drawn from scratch (the old way)", *fresh))
    step = rows[1][1]
    prices = next(r for r in rows if r[0].startswith("redraw: prices"))
    monday = MINUTES * (step + prices[1])
    rows.append(("full Monday, the price chart drawn every minute (390 steps and redraws)",
                 monday, MINUTES * (rows[1][2] + prices[2])))
    print(f"(playing faster than one minute per {FRAME_S} s, a run draws a frame every "
          f"{FRAME_S} s and steps the minutes between without drawing)")
    print(f"\n{'':<70}{'CPU s':>8}{'wall s':>9}")
    for name, c, w in rows:
        print(f"{name:<70}{c:>8.3f}{w:>9.3f}")
    print(f"\nStep + one redraw of every view: {step + redraw[0]:.2f} s CPU; "
          f"twin overhead: {rows[1][1] / rows[0][1]:.2f}x the model alone (CPU)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
