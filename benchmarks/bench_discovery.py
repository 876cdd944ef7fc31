"""How long the scenario discovery's design takes here: seconds per run, and the whole design.

Times every strategy once in each of a few worlds of the discovery's Latin-hypercube design
(``experiments.discovery.design``: 50-400 teams, 520 weeks), one process, and projects the
sweep (``lean-sim-discover sweep``) for a number of worlds, organizations and parallel jobs.
The projection assumes the jobs share the machine with nothing else; Hydra and the merge add
a few percent (measure them with ``make bench-sweep``).

Usage::

    python benchmarks/bench_discovery.py                 # 8 worlds x 5 strategies
    python benchmarks/bench_discovery.py --worlds 20 --jobs 2

Prints a table and writes ``benchmarks/results/bench_discovery.json``. A benchmark, not a
test: timings depend on the machine and its load (``os.getloadavg`` is recorded with them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from experiments.discovery.cli import DEFAULT_REPLICATES, DEFAULT_WORLDS
from experiments.discovery.design import lhs_points
from sim import Params, run
from sim.params import STRATEGIES

RESULTS = Path(__file__).resolve().parent / "results" / "bench_discovery.json"
SIZES = sorted({(100, 2), (200, 4), (300, 4), (DEFAULT_WORLDS, DEFAULT_REPLICATES), (600, 5)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worlds", type=int, default=8, help="worlds timed (default 8)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel jobs of the projection")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sampled worlds")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    seconds: list[float] = []
    for _, world in lhs_points(args.worlds, args.seed).iterrows():
        values = {k: (v.item() if hasattr(v, "item") else v) for k, v in world.items()}
        for strategy in STRATEGIES:
            tic = time.perf_counter()
            run(Params(**values, strategy=strategy), seed=0)
            seconds.append(time.perf_counter() - tic)
    per_run = statistics.mean(seconds)
    print(
        f"{len(seconds)} runs ({args.worlds} worlds x {len(STRATEGIES)} strategies, 520 weeks): "
        f"mean {per_run:.3f} s, median {statistics.median(seconds):.3f} s, max "
        f"{max(seconds):.3f} s per run (load {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after)"
    )
    projections = []
    for worlds, replicates in SIZES:
        runs = worlds * len(STRATEGIES) * replicates
        minutes = runs * per_run / args.jobs / 60
        projections.append({"worlds": worlds, "replicates": replicates, "runs": runs,
                            "minutes": round(minutes, 1)})  # fmt: skip
        print(f"  {worlds:>4} worlds x {replicates} organizations = {runs:>6,} runs: "
              f"about {minutes:.0f} min on {args.jobs} jobs")  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "runs": len(seconds),
        "mean_s": round(per_run, 4),
        "median_s": round(statistics.median(seconds), 4),
        "jobs": args.jobs,
        "projections": projections,
    }
    RESULTS.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
