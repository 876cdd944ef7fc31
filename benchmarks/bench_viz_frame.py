"""Speed of the browser app's org-chart frame: one PNG of 200 and 2,000 teams.

Play draws a frame per step, so a frame must stay well under a second (target: 2,000 teams
in <= 0.5 s on an idle machine). The time includes the
drawing on a fresh matplotlib Figure and the PNG encoding, as ``sim.app.figure_png`` does.

Usage::

    python benchmarks/bench_viz_frame.py            # median of 7 frames per size
    python benchmarks/bench_viz_frame.py --repeat 20

Prints a table and writes ``benchmarks/results/bench_viz_frame.json``. A benchmark, not a
test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from matplotlib.figure import Figure

from sim.viz import VizModel, draw_org_chart, internals

RESULTS = Path(__file__).resolve().parent / "results" / "bench_viz_frame.json"
SIZES = (200, 2000)
TARGET_S = 0.5
CHART_SIZE = (7.4, 5.0)


def frame_seconds(model: VizModel) -> float:
    """Seconds to draw and encode one org-chart frame of ``model``."""
    tic = time.perf_counter()
    fig = Figure(figsize=CHART_SIZE, dpi=100)
    lean = model.lean
    draw_org_chart(
        fig,
        model.layout,
        internals.team_values(lean, "capability"),
        internals.manager_support(lean),
        internals.in_pilot(lean),
    )
    fig.savefig(io.BytesIO(), format="png")
    return time.perf_counter() - tic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="frames per size (default 7)")
    args = parser.parse_args(argv)
    rows = []
    for n_teams in SIZES:
        model = VizModel(strategy="centralized", n_teams=str(n_teams))
        frame_seconds(model)  # warm-up: fonts, caches
        times = [frame_seconds(model) for _ in range(args.repeat)]
        median = statistics.median(times)
        rows.append({"n_teams": n_teams, "median_s": round(median, 4), "frames": args.repeat})
        verdict = "ok" if median <= TARGET_S or n_teams != max(SIZES) else "SLOW"
        print(f"{n_teams:>6,} teams: median {median:.3f} s per frame ({verdict})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "target_s": TARGET_S,
        "frames": rows,
    }
    RESULTS.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
