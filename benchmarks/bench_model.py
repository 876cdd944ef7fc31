"""Speed of the model against the targets of the core-model issues, on this machine.

Every figure is measured with full data collection (``sim.run``: the Mesa DataCollector
records every series column every week, and the run ends with the tidy DataFrames):

- a default run (200 teams, 520 weeks), median of >= 7 runs per strategy: target <= 0.5 s;
- 10,000 teams x 520 weeks for ``centralized`` and ``embedded``: target <= 30 s;
- cost per team-step at 10,000 teams relative to 200 teams: target within 1.5x;
- the design choice behind it: a plain Mesa toy model with six per-agent Python updates per
  team-step, against the same six updates as numpy arrays owned by a Mesa model (the design of
  ``sim``: agents hold identity and relations, the per-team arithmetic is vectorized).

Usage::

    python benchmarks/bench_model.py            # full (about a minute on 2 cores)
    python benchmarks/bench_model.py --quick    # a short version (a few seconds)
    python benchmarks/bench_model.py --profile  # also: where a run spends its time (cProfile)

The figures are printed as a table and written to ``benchmarks/results/bench_model.json``.
This is a benchmark, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

import sim
from sim import STRATEGIES, Params
from sim.model import LeanModel
from sim.registry import REGISTRY
from sim.run import collect_result

RESULTS = Path(__file__).resolve().parent / "results" / "bench_model.json"
DEFAULT_TEAMS, DEFAULT_WEEKS, LARGE_TEAMS = 200, 520, 10_000
LARGE_STRATEGIES = ("centralized", "embedded")


@dataclass
class Row:
    """One line of the report: a measured figure and, where there is one, its target."""

    measure: str
    value: float
    unit: str
    target: float | None = None  # upper bound; None = reported for information
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "PASS" if self.value <= self.target else "MISS"


# --- timing the model --------------------------------------------------------------------------


def time_run(params: Params, seed: int) -> float:
    """Wall seconds of one ``sim.run`` (build, every week with data collection, result)."""
    start = time.perf_counter()
    sim.run(params, seed=seed)
    return time.perf_counter() - start


def time_phases(params: Params, seed: int) -> dict[str, float]:
    """Seconds spent building the model, stepping it, and turning it into DataFrames.

    Mirrors ``sim.run`` step by step so the split can be read; the total is one run.
    """
    t0 = time.perf_counter()
    model = LeanModel(params, seed=seed)
    model.datacollector.collect(model)
    t1 = time.perf_counter()
    for _ in range(params.weeks):
        model.step()
    t2 = time.perf_counter()
    collect_result(model)
    t3 = time.perf_counter()
    return {"build": t1 - t0, "steps": t2 - t1, "result": t3 - t2, "total": t3 - t0}


def us_per_team_step(seconds: float, n_teams: int, weeks: int) -> float:
    return seconds / (n_teams * weeks) * 1e6


# --- the toy comparison: per-agent Python against vectorized arrays -----------------------------
# Six updates per team-step, shaped like the model's: practice, capability (learning and decay),
# ownership, commitment feedback, a random trial, output and perceived result.


class ToyTeam(mesa.Agent):
    """A team whose six weekly updates are plain Python on its own attributes."""

    def __init__(self, model: mesa.Model, capability: float):
        super().__init__(model)
        self.capability = capability
        self.ownership = 0.3
        self.commitment = 0.0
        self.improvement = 0.02
        self.result = 0.0

    def step(self) -> None:
        practice = min(1.0, self.improvement / 0.1)  # 1
        self.capability += (
            0.01 * practice * (1.0 - self.capability) - 0.01 * (1.0 - practice) * self.capability
        )  # 2
        self.ownership += 0.02 * (0.3 + 0.4 * self.capability - self.ownership)  # 3
        c = self.commitment
        self.commitment = c + 0.05 * math.tanh(self.result / 0.03) * c * (1.0 - c)  # 4
        if self.model.random.random() < 0.001 * (0.5 + self.ownership):  # 5
            self.commitment = max(self.commitment, 0.6)
        self.improvement = 0.02 + 0.1 * self.commitment
        output = (1.0 - self.improvement) * (1.0 + 0.5 * self.capability)  # 6
        self.result += (output / 1.05 - 1.0 - self.result) / 13.0


class ToyAgentModel(mesa.Model):
    """Plain Mesa: every team updates itself in Python, in random order, every week."""

    def __init__(self, n: int, seed: int = 0):
        super().__init__(rng=seed)
        for _ in range(n):
            ToyTeam(self, capability=0.1 + 0.1 * self.random.random())
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "capability": lambda m: statistics.fmean(a.capability for a in m.agents)
            }
        )

    def step(self) -> None:
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)


class ToyArrayModel(mesa.Model):
    """The same six updates on numpy arrays the model owns; agents keep identity only."""

    def __init__(self, n: int, seed: int = 0):
        super().__init__(rng=seed)
        self.team_agents = [mesa.Agent(self) for _ in range(n)]
        self.capability = 0.1 + 0.1 * self.rng.random(n)
        self.ownership = np.full(n, 0.3)
        self.commitment = np.zeros(n)
        self.improvement = np.full(n, 0.02)
        self.result = np.zeros(n)
        self.datacollector = mesa.DataCollector(
            model_reporters={"capability": lambda m: float(m.capability.mean())}
        )

    def step(self) -> None:
        practice = np.minimum(1.0, self.improvement / 0.1)  # 1
        cap = self.capability
        self.capability = cap + 0.01 * practice * (1.0 - cap) - 0.01 * (1.0 - practice) * cap  # 2
        self.ownership += 0.02 * (0.3 + 0.4 * self.capability - self.ownership)  # 3
        c = self.commitment
        c = c + 0.05 * np.tanh(self.result / 0.03) * c * (1.0 - c)  # 4
        tries = self.rng.random(len(c)) < 0.001 * (0.5 + self.ownership)  # 5
        self.commitment = np.where(tries, np.maximum(c, 0.6), c)
        self.improvement = 0.02 + 0.1 * self.commitment
        output = (1.0 - self.improvement) * (1.0 + 0.5 * self.capability)  # 6
        self.result += (output / 1.05 - 1.0 - self.result) / 13.0
        self.datacollector.collect(self)


def time_toy(factory: Callable[[int], mesa.Model], n: int, weeks: int, repeats: int) -> float:
    """Median wall seconds to build a toy model of n teams and run it for some weeks."""
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        model = factory(n, seed)
        for _ in range(weeks):
            model.step()
        model.datacollector.get_model_vars_dataframe()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- profiling ---------------------------------------------------------------------------------


def profile_run(params: Params, seed: int = 0, top: int = 18) -> str:
    """cProfile of one run, the functions with the most own time first."""
    profiler = cProfile.Profile()
    profiler.enable()
    sim.run(params, seed=seed)
    profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    return buf.getvalue()


# --- the report --------------------------------------------------------------------------------


def machine() -> dict[str, str | int | None]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": commit,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "sim": sim.__version__,
    }


def format_table(rows: list[Row]) -> str:
    lines = [f"{'measure':<58} {'value':>12}  {'target':>12}  result"]
    lines.append("-" * len(lines[0]))
    for r in rows:
        value = f"{r.value:.3g} {r.unit}".strip()
        target = f"<= {r.target:g} {r.unit}".strip() if r.target is not None else ""
        line = f"{r.measure:<58} {value:>12}  {target:>12}  {r.verdict}"
        lines.append(line.rstrip() + (f"  ({r.note})" if r.note else ""))
    return "\n".join(lines)


def benchmark(quick: bool, repeats: int | None) -> tuple[list[Row], dict]:
    """Run every measurement; return the report rows and the raw figures behind them."""
    repeats = repeats or (3 if quick else 7)
    large_repeats = 1 if quick else 3
    toy_repeats = 1 if quick else 3
    toy_sizes = [(200, 104), (2_000, 26)] if quick else [(200, 520), (LARGE_TEAMS, 52)]
    rows: list[Row] = []
    raw: dict = {"repeats": repeats, "large_repeats": large_repeats}

    sim.run(Params(n_teams=24, weeks=104), seed=0)  # warm-up: imports, first-call costs

    # 1. default run, every strategy
    default_median: dict[str, float] = {}
    raw["default_seconds"] = {}
    for strategy in STRATEGIES:
        p = Params(strategy=strategy, n_teams=DEFAULT_TEAMS, weeks=DEFAULT_WEEKS)
        times = [time_run(p, seed) for seed in range(repeats)]
        default_median[strategy] = statistics.median(times)
        raw["default_seconds"][strategy] = times
        rows.append(
            Row(
                f"default run ({DEFAULT_TEAMS} teams, {DEFAULT_WEEKS} wk), {strategy}",
                default_median[strategy],
                "s",
                0.5,
                f"median of {repeats}" + ("; target asks >= 7" if repeats < 7 else ""),
            )
        )

    # 2. a large organization, and 3. cost per team-step against the default size
    raw["large_seconds"] = {}
    for strategy in LARGE_STRATEGIES:
        p = Params(strategy=strategy, n_teams=LARGE_TEAMS, weeks=DEFAULT_WEEKS)
        times = [time_run(p, seed) for seed in range(large_repeats)]
        raw["large_seconds"][strategy] = times
        rows.append(
            Row(
                f"{LARGE_TEAMS:,} teams x {DEFAULT_WEEKS} wk, {strategy}",
                statistics.median(times),
                "s",
                30.0,
                f"median of {large_repeats}",
            )
        )
    for strategy in LARGE_STRATEGIES:
        small = us_per_team_step(default_median[strategy], DEFAULT_TEAMS, DEFAULT_WEEKS)
        large = us_per_team_step(
            statistics.median(raw["large_seconds"][strategy]), LARGE_TEAMS, DEFAULT_WEEKS
        )
        rows.append(
            Row(
                f"us/team-step {LARGE_TEAMS:,} vs {DEFAULT_TEAMS} teams, {strategy}",
                large / small,
                "x",
                1.5,
                f"{large:.3g} vs {small:.3g} us",
            )
        )

    # where the time goes (information)
    raw["phases"] = {}
    for n in (DEFAULT_TEAMS, LARGE_TEAMS):
        phases = time_phases(Params(strategy="centralized", n_teams=n, weeks=DEFAULT_WEEKS), 0)
        raw["phases"][n] = phases
        split = ", ".join(
            f"{k} {v / phases['total']:.0%}" for k, v in phases.items() if k != "total"
        )
        rows.append(
            Row(f"phases of a centralized run, {n:,} teams", phases["total"], "s", None, split)
        )

    # 4. the design choice: per-agent Python against vectorized arrays, at two sizes
    raw["toy"] = []
    for toy_n, toy_weeks in toy_sizes:
        agent_s = time_toy(ToyAgentModel, toy_n, toy_weeks, toy_repeats)
        array_s = time_toy(ToyArrayModel, toy_n, toy_weeks, toy_repeats)
        raw["toy"].append(
            {"n_teams": toy_n, "weeks": toy_weeks, "agent_s": agent_s, "array_s": array_s}
        )
        size = f"{toy_n:,} teams x {toy_weeks} wk"
        agent_us = us_per_team_step(agent_s, toy_n, toy_weeks)
        array_us = us_per_team_step(array_s, toy_n, toy_weeks)
        rows.append(Row(f"toy, plain Mesa (6 per-agent updates), {toy_n:,} teams", agent_us, "us"))
        rows.append(
            Row(
                f"toy, numpy arrays (same 6 updates), {toy_n:,} teams",
                array_us,
                "us",
                note=f"{size}; {agent_us / array_us:.1f}x faster",
            )
        )
    for strategy in LARGE_STRATEGIES:
        for n, seconds in (
            (DEFAULT_TEAMS, default_median[strategy]),
            (LARGE_TEAMS, statistics.median(raw["large_seconds"][strategy])),
        ):
            rows.append(
                Row(
                    f"sim, all {len(REGISTRY)} mechanisms, {strategy}, {n:,} teams",
                    us_per_team_step(seconds, n, DEFAULT_WEEKS),
                    "us",
                )
            )
    raw["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return rows, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a smaller toy")
    parser.add_argument("--repeats", type=int, help="runs per strategy at the default size")
    parser.add_argument("--profile", action="store_true", help="print cProfile of two runs")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON file for the figures")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats={args.repeats}: must be at least 1")

    info = machine()
    print(
        f"lean-adoption-sim {info['sim']} ({info['git_commit']}), Python {info['python']}, "
        f"Mesa {info['mesa']}, {info['cpu_count']} CPUs, {info['platform']}\n"
    )
    rows, raw = benchmark(args.quick, args.repeats)
    print(format_table(rows))
    print(f"\npeak memory of this process: {raw['peak_rss_mb']:.0f} MB")
    if args.profile:
        for n in (DEFAULT_TEAMS, LARGE_TEAMS):
            p = Params(strategy="centralized", n_teams=n, weeks=DEFAULT_WEEKS)
            print(f"\n--- cProfile: centralized, {n:,} teams x {DEFAULT_WEEKS} weeks ---")
            print(profile_run(p))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": info,
        "quick": args.quick,
        "rows": [{**asdict(r), "result": r.verdict} for r in rows],
        "raw": raw,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.out}")
    missed = [r.measure for r in rows if r.verdict == "MISS"]
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
