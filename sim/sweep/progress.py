"""Progress with an ETA, shared by every process of a sweep through one small file.

Each job appends one short line per finished cell to ``results/<experiment>/progress.jsonl``
(a single ``write`` in append mode: whole lines, even from parallel joblib workers), and logs
``done/total`` runs and an ETA computed from the plan's start time and the runs done so far.
The ETA is a plain linear extrapolation; it needs no coordination between workers.
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


def record(experiment_dir: Path, plan: dict[str, Any] | None, cell_id: str, runs: int) -> Progress:
    """Append this cell's line and return the sweep's progress so far."""
    path = experiment_dir / store.PROGRESS
    sweep_id = plan.get("sweep_id") if plan else None
    line = json.dumps({"sweep_id": sweep_id, "cell_id": cell_id, "runs": runs}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    return current(experiment_dir, plan)


def current(experiment_dir: Path, plan: dict[str, Any] | None) -> Progress:
    """Runs done in this sweep (from the progress file) against the plan's runs to do."""
    if not plan:
        return Progress(0, 0, 0.0)
    done = 0
    try:
        lines = (experiment_dir / store.PROGRESS).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    for text in lines:
        try:
            entry = json.loads(text)
        except json.JSONDecodeError:
            continue
        if entry.get("sweep_id") == plan.get("sweep_id"):
            done += int(entry.get("runs", 0))
    elapsed = time.time() - float(plan.get("started", time.time()))
    return Progress(done, int(plan.get("runs_to_do", 0)), elapsed)
