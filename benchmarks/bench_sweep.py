"""Sweep machinery overhead and parallel efficiency, against the targets of the sweep issue.

What is measured, on the headline experiment's grid (5 strategies x 3 resistances x 3 power
distances = 45 cells, ``--replicates`` seeds each, default organization and horizon):

- the bare loop: ``sim.run(params, seed)`` for every run, one process, nothing written;
- ``lean-sim -m experiment=headline`` with the basic launcher (serial), wall time of the whole
  command (start-up, validation of every job, Hydra's per-job cost, Parquet and manifest
  writes, the merge): throughput ratio = bare / sweep, target >= 0.90;
- the same with the joblib launcher at ``--workers`` workers: parallel efficiency =
  T(basic, one process) / (workers x T(joblib)), target >= 0.85 at 2 workers, >= 0.75 at 16
  (joblib with one worker runs in-process, exactly like the basic launcher). The efficiency
  against the bare loop (bare / (workers x T(joblib))) is printed too.

Every sweep runs in a fresh temporary folder (nothing to resume) and its merged runs table is
checked to equal the basic launcher's. CPU times (all processes of a sweep) are printed beside
wall times, and the share of the sweep's (workers x wall) time spent inside ``sim.run`` (from
the cells' manifests: same process, same moment, so robust to other load on the machine). On a
machine shared with other work, trust the CPU-time ratio and that share. Usage::

    python benchmarks/bench_sweep.py                      # 45 cells x 10 replicates, 2 workers
    python benchmarks/bench_sweep.py --workers 16 --replicates 64 --bare-replicates 2 --skip basic
    python benchmarks/bench_sweep.py --cells-per-job 3          # pack 3 grid points per job
    python benchmarks/bench_sweep.py --quick              # 45 cells x 2 replicates, small org
    python benchmarks/bench_sweep.py --design-rows 200000 # validate and plan a 200k-row design

``--design-rows N`` measures only the check before a sweep of an N-row design: time and peak
memory (RSS) of validating every row and planning every cell, in a fresh process, and writes
``benchmarks/results/bench_sweep_design.json``.

The figures are printed and written to ``benchmarks/results/bench_sweep_w<workers>.json``. This is a
benchmark, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sim  # noqa: E402
from sim.seeds import replicate_seeds  # noqa: E402

EXPERIMENT = REPO / "configs" / "experiment" / "headline.yaml"
OUT_DIR = REPO / "benchmarks" / "results"


def grid(sizes: dict[str, int]) -> list[sim.Params]:
    """The headline grid, read from its experiment file (every key there is a Params field)."""
    params = OmegaConf.load(EXPERIMENT).hydra.sweeper.params
    axes = {k: [_value(v) for v in str(values).split(",")] for k, values in params.items()}
    return [
        sim.Params(**dict(zip(axes, point, strict=True)), **sizes)
        for point in itertools.product(*axes.values())
    ]


def _value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def bare_loop(
    cells: list[sim.Params], replicates: int, sample: int | None = None
) -> tuple[float, float]:
    """Wall and CPU seconds for every run in one loop; with ``sample``, the first ``sample``
    replicates of every cell are timed and scaled up (replicates differ only in their seed)."""
    timed = min(sample or replicates, replicates)
    tic, cpu = time.perf_counter(), time.process_time()
    for params in cells:
        for seed in replicate_seeds(params, 0, timed):
            sim.run(params, seed=seed)
    scale = replicates / timed
    return (time.perf_counter() - tic) * scale, (time.process_time() - cpu) * scale


def sweep(
    args: list[str], sizes: dict[str, int], replicates: int
) -> tuple[float, float, float, pd.DataFrame]:
    """Wall and CPU seconds (all its processes) of one ``lean-sim -m experiment=headline ...``
    in a fresh folder, the seconds spent inside the run function (from the cell manifests),
    and its merged runs table."""
    overrides = [f"{k}={v}" for k, v in sizes.items()] + [f"replicates={replicates}"]
    command = [sys.executable, "-m", "sim.sweep.cli", "-m", "experiment=headline", *overrides]
    command += ["hydra.job_logging.root.level=WARNING", "yes=true", *args]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    with tempfile.TemporaryDirectory() as folder:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        tic = time.perf_counter()
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - tic
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if result.returncode != 0:
            raise SystemExit(f"sweep failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        experiment = Path(folder) / "results" / "headline"
        runs = pd.read_parquet(experiment / "runs.parquet")
        inside = sum(
            sum(json.loads(m.read_text())["timings"]["run_seconds"])
            for m in experiment.glob("cells/*/manifest.json")
        )
    return seconds, cpu, inside, runs


DESIGN_SCRIPT = """
import json, resource, sys, time
from sim import Params
from sim.sweep.cells import job_from_config
from sim.sweep import plan
def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
config = {k: v.get_default(call_default_factory=True) for k, v in Params.model_fields.items()}
config.update(experiment_name="x", replicates=1, base_seed=0, force=False, merge=True,
              design_chunk_size=8, cells_per_job=1, runner="sim.run", culture={"name": "custom"},
              paths={"results": "results"}, design="design.parquet")
before, tic = rss(), time.perf_counter()
job = job_from_config(config, whole_design=True, cwd=sys.argv[1])
(p,) = plan.new_plans([job]).values()
plan.count_runs(p, [job], job.experiment_dir)
print(json.dumps({"cells": len(p["cells"]), "seconds": time.perf_counter() - tic,
                  "rss_before_mb": before, "rss_peak_mb": rss()}))
"""


def design_check(rows: int) -> int:
    """Time and peak memory of validating and planning a design of ``rows`` rows."""
    import numpy as np

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        pd.DataFrame(
            {
                "resistance": rng.random(rows).round(6),
                "power_distance": rng.random(rows).round(6),
                "strategy": rng.choice(["centralized", "embedded"], rows),
            }
        ).to_parquet(Path(folder) / "design.parquet")
        env = dict(os.environ, PYTHONPATH=str(REPO))
        out = subprocess.run(
            [sys.executable, "-c", DESIGN_SCRIPT, folder], env=env, capture_output=True, text=True
        )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    record = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows}
    record.update(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"{rows} design rows: validated and planned in {record['seconds']:.1f} s, peak memory "
        f"{record['rss_peak_mb']:.0f} MB ({record['rss_before_mb']:.0f} MB after imports)"
    )
    path = OUT_DIR / "bench_sweep_design.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {path.relative_to(REPO)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="joblib workers (default 2)")
    parser.add_argument("--replicates", type=int, default=10, help="seeds per cell (default 10)")
    parser.add_argument("--n-teams", type=int, default=None, help="default: the model's")
    parser.add_argument("--weeks", type=int, default=None, help="default: the model's")
    parser.add_argument(
        "--skip",
        default="",
        help="comma list: 'basic' skips the serial sweep (efficiency vs bare only), 'joblibN' "
        "the parallel one",
    )
    parser.add_argument(
        "--cells-per-job", type=int, default=1, help="lean-sim cells_per_job (default 1)"
    )
    parser.add_argument(
        "--bare-replicates",
        type=int,
        default=None,
        help="time only this many replicates per cell in the bare loop and scale up",
    )
    parser.add_argument("--quick", action="store_true", help="2 replicates, 50 teams, 260 weeks")
    parser.add_argument(
        "--design-rows", type=int, default=None, help="only time the check of an N-row design"
    )
    args = parser.parse_args(argv)
    if args.design_rows:
        return design_check(args.design_rows)
    if args.quick:
        args.replicates, args.n_teams, args.weeks = 2, args.n_teams or 50, args.weeks or 260
    sizes = {k: v for k, v in (("n_teams", args.n_teams), ("weeks", args.weeks)) if v}
    skip = set(filter(None, args.skip.split(",")))
    cells = grid(sizes)
    runs = len(cells) * args.replicates
    print(
        f"{len(cells)} cells x {args.replicates} replicates = {runs} runs "
        f"({sim.Params(**sizes).n_teams} teams, {sim.Params(**sizes).weeks} weeks); "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        flush=True,
    )
    figures: dict[str, float] = {
        "runs": runs,
        "workers": args.workers,
        "cells_per_job": args.cells_per_job,
    }
    figures["bare_s"], figures["bare_cpu_s"] = bare_loop(
        cells, args.replicates, args.bare_replicates
    )
    label = "bare loop" if not args.bare_replicates else f"bare loop ({args.bare_replicates} rep.)"
    print(f"{'':<19} {'wall':>9} {'runs/s':>8} {'CPU':>9}")
    print(
        f"{label:<19} {figures['bare_s']:7.1f} s {runs / figures['bare_s']:8.2f} "
        f"{figures['bare_cpu_s']:7.1f} s"
    )

    reference = None
    measured = [
        ("basic", []),
        ("joblibN", ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={args.workers}"]),
    ]
    for name, launcher in measured:
        if name in skip:
            continue
        seconds, cpu, inside, table = sweep(
            [*launcher, f"cells_per_job={args.cells_per_job}"], sizes, args.replicates
        )
        assert len(table) == runs, f"{name}: {len(table)} runs merged, expected {runs}"
        if reference is None:
            reference = table
        pd.testing.assert_frame_equal(table, reference)
        figures[f"{name}_s"], figures[f"{name}_cpu_s"] = seconds, cpu
        workers = args.workers if name == "joblibN" else 1
        figures[f"{name}_model_share"] = inside / (workers * seconds)
        label = f"joblib x{args.workers}" if name == "joblibN" else name
        print(
            f"sweep {label:<13} {seconds:7.1f} s {runs / seconds:8.2f} {cpu:7.1f} s   "
            f"{figures[f'{name}_model_share']:.3f} of worker time inside sim.run",
            flush=True,
        )

    print()
    if "basic_s" in figures:
        figures["throughput_ratio"] = figures["bare_s"] / figures["basic_s"]
        figures["cpu_ratio"] = figures["bare_cpu_s"] / figures["basic_cpu_s"]
        print(f"throughput, basic sweep / bare loop: {figures['throughput_ratio']:.3f} (>= 0.90)")
        print(f"  the same in CPU time (robust to other load): {figures['cpu_ratio']:.3f}")
    if "basic_s" in figures and "joblibN_s" in figures:
        eff = figures["basic_s"] / (args.workers * figures["joblibN_s"])
        figures["efficiency"] = eff
        target = 0.85 if args.workers <= 2 else 0.75
        print(f"parallel efficiency at {args.workers} workers: {eff:.3f} (>= {target})")
    if "joblibN_s" in figures:
        eff_bare = figures["bare_s"] / (args.workers * figures["joblibN_s"])
        figures["efficiency_vs_bare"] = eff_bare
        print(f"efficiency at {args.workers} workers against the bare loop: {eff_bare:.3f}")

    out = OUT_DIR / f"bench_sweep_w{args.workers}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} CPUs",
        **figures,
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
