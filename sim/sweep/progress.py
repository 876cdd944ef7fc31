"""Progress with an ETA, shared by every process of a sweep through one small file.

Each job appends one short line when it starts a cell and one when it finishes it to
``results/<experiment>/progress.jsonl`` (a single ``write`` in append mode: whole lines, even
from parallel joblib workers), and logs ``done/total`` runs and an ETA computed from the plan's
start time and the runs done so far. The ETA is a plain linear extrapolation; it needs no
coordination between workers. The start lines tell the sweep which cells were in flight when a
worker process died (sim.sweep.sweeper), so that only those are suspected.

Before a sweep starts, :func:`estimate_seconds` gives a rough compute time from the size of
each run (teams x weeks), so that a user sees what a command will cost before it starts.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.sweep import store

log = logging.getLogger("lean_sim")


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate so far (None before the first run)."""
        if self.done <= 0:
            return None
        return max(0.0, self.elapsed / self.done * (self.total - self.done))

    def describe(self) -> str:
        share = 100.0 * self.done / self.total if self.total else 100.0
        eta = "?" if self.eta is None else format_seconds(self.eta)
        return (
            f"{self.done}/{self.total} runs ({share:.0f}%), "
            f"{format_seconds(self.elapsed)} elapsed, ETA {eta}"
        )


def format_seconds(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


#: Rough cost of a run: a fixed cost, a cost per week and a cost per team-week. Fitted to
#: benchmarks/results/bench_model.json (a centralized run of 200 teams x 520 weeks took 0.15 s,
#: of 10,000 teams x 520 weeks 1.2 s, on this project's 2-core machine, 2026-11), rounded up:
#: an estimate to size a sweep before it starts, not a promise.
SECONDS_PER_RUN = 0.02
SECONDS_PER_WEEK = 3e-4
SECONDS_PER_TEAM_WEEK = 2.5e-7


def run_seconds(n_teams: int, weeks: int) -> float:
    """Estimated seconds of one run of an organization of ``n_teams`` over ``weeks``."""
    return SECONDS_PER_RUN + weeks * (SECONDS_PER_WEEK + SECONDS_PER_TEAM_WEEK * n_teams)


def _append(experiment_dir: Path, entry: dict[str, Any]) -> None:
    line = json.dumps(entry) + "\n"
    fd = os.open(experiment_dir / store.PROGRESS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def started(experiment_dir: Path, plan: dict[str, Any] | None, cell_id: str) -> None:
    """Note that this process starts the cell (see :func:`in_flight`)."""
    sweep_id = plan.get("sweep_id") if plan else None
    _append(experiment_dir, {"sweep_id": sweep_id, "cell_id": cell_id, "event": "start"})


def record(experiment_dir: Path, plan: dict[str, Any] | None, cell_id: str, runs: int) -> Progress:
    """Append this cell's line and return the sweep's progress so far."""
    sweep_id = plan.get("sweep_id") if plan else None
    _append(experiment_dir, {"sweep_id": sweep_id, "cell_id": cell_id, "runs": runs})
    return current(experiment_dir, plan)


def _entries(experiment_dir: Path, sweep_id: Any) -> list[dict[str, Any]]:
    try:
        lines = (experiment_dir / store.PROGRESS).read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        lines = []
    entries = []
    for text in lines:
        try:
            entry = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and entry.get("sweep_id") == sweep_id:
            entries.append(entry)
    return entries


def finished(experiment_dir: Path, sweep_id: Any) -> set[str]:
    """Cells this sweep finished (ran, skipped or recorded as failed)."""
    return {
        e.get("cell_id") for e in _entries(experiment_dir, sweep_id) if e.get("event") != "start"
    }


def in_flight(experiment_dir: Path, sweep_id: Any) -> set[str]:
    """Cells started but not finished in this sweep (the suspects when a worker died)."""
    open_cells: set[str] = set()
    for entry in _entries(experiment_dir, sweep_id):
        if entry.get("event") == "start":
            open_cells.add(entry.get("cell_id"))
        else:
            open_cells.discard(entry.get("cell_id"))
    return open_cells


def current(experiment_dir: Path, plan: dict[str, Any] | None) -> Progress:
    """Runs done in this sweep (from the progress file) against the plan's runs to do."""
    if not plan:
        return Progress(0, 0, 0.0)
    done = sum(
        int(e.get("runs", 0))
        for e in _entries(experiment_dir, plan.get("sweep_id"))
        if e.get("event") != "start"
    )
    elapsed = time.time() - float(plan.get("started", time.time()))
    return Progress(done, int(plan.get("runs_to_do", 0)), elapsed)
