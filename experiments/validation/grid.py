"""Validation's runs, kept as sweep cells: resumable, reused between patterns, run in parallel.

Every pattern asks for a list of parameter points and a replicate count; :class:`Grid` turns
each point into a sweep cell (``sim.sweep.cells.Cell``) and lets the sweep's own runner
(``sim.sweep.runner.run_cell``) fill ``<directory>/cells/<cell_id>/``, with joblib workers over
the cells still missing. A cell already there (same cell, same model version, same seeds) is
read, not rerun; growing the replicate count runs only the new replicates; a killed validation
resumes where it stopped. Hydra is not involved.

Seeds follow the sweep's rule (``sim.seeds``): replicate r of a cell gets a seed derived from
its world, so two points that differ only in treatment or assumptions (strategy, a mechanism
switch) meet the same organizations and their differences are paired. Points in different
worlds (another resistance or pressure) meet other organizations.

Runs are made by :func:`experiments.validation._model.watched_run` (``sim.run`` plus what two
patterns watch inside the model). Its source is part of what a stored cell stands for, so a
change to it reruns every cell (``cells/.runner.json`` records its digest; the stored cells
are deleted when it differs).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from experiments.validation import _model
from sim import Params
from sim.provenance import file_digest
from sim.seeds import replicate_seeds
from sim.sweep import store
from sim.sweep.cells import Cell
from sim.sweep.runner import run_cell, runs_to_do

#: Beside the cells (and git-ignored with them): the digest of the runner that made them.
RUNNER_FILE = ".runner.json"


@dataclass
class Runs:
    """The runs of one point: one summary row per replicate, one series row per replicate and
    week (both with a ``replicate`` column), and the seeds in replicate order."""

    params: Params
    summary: pd.DataFrame
    series: pd.DataFrame

    @property
    def seeds(self) -> list[int]:
        return self.summary.sort_values("replicate")["seed"].astype(int).tolist()

    def column(self, name: str) -> pd.Series:
        """One end-of-run measure, indexed by replicate."""
        return self.summary.set_index("replicate")[name].sort_index()

    def weekly(self, name: str) -> pd.DataFrame:
        """One weekly measure as a (replicate x week) table."""
        return self.series.pivot(index="replicate", columns="week", values=name).sort_index()


@dataclass
class Grid:
    """Runs points as sweep cells under ``directory``, ``jobs`` processes at a time."""

    directory: Path
    jobs: int = 2
    base_seed: int = 0
    say: object = field(default=None, repr=False)  # a callable(str) for progress, or None
    _checked: bool = field(default=False, init=False, repr=False)

    def runs(self, points: Sequence[Params], replicates: int, what: str = "") -> list[Runs]:
        """The runs of every point (replicates ``0 .. replicates-1``), computing what is missing."""
        self._forget_stale_cells()
        cells = [Cell(p) for p in points]
        unique = list({c.cell_id: c for c in cells}.values())
        todo = [c for c in unique if self._missing(c, replicates)]
        if self.say:
            self.say(
                f"{what}: {len(unique)} cells x {replicates} replicates, "
                f"{len(todo)} cells to run ({self.jobs} processes)"
            )
        started = time.perf_counter()
        reports = Parallel(n_jobs=min(self.jobs, max(1, len(todo))))(
            delayed(run_cell)(
                c,
                experiment_dir=self.directory,
                replicates=replicates,
                base_seed=self.base_seed,
                runner=_model.watched_run,
            )
            for c in todo
        )
        failed = [r for r in reports if r.status == "failed"]
        if failed:
            lines = "\n  ".join(f"{r.cell.describe()}: {r.error}" for r in failed)
            raise RuntimeError(f"{len(failed)} validation cells failed:\n  {lines}")
        if self.say and todo:
            self.say(f"{what}: ran {len(todo)} cells in {time.perf_counter() - started:.1f} s")
        return [self._read(c, replicates) for c in cells]

    def _missing(self, cell: Cell, replicates: int) -> int:
        seeds = replicate_seeds(cell.params, self.base_seed, replicates)
        return runs_to_do(cell.cell_id, self.directory, seeds, False)[0]

    def _read(self, cell: Cell, replicates: int) -> Runs:
        directory = store.cell_dir(self.directory, cell.cell_id)
        frames = store.read_cell_frames(directory, store.read_cell_manifest(directory) or {})
        keep = {name: f[f["replicate"] < replicates] for name, f in frames.items()}
        return Runs(cell.params, keep["summary"], keep["series"])

    def _forget_stale_cells(self) -> None:
        """Delete the stored cells (once per Grid) if the watched runner's source changed."""
        if self._checked:
            return
        self._checked = True
        cells = self.directory / store.CELLS
        path = cells / RUNNER_FILE
        digest = file_digest(Path(_model.__file__))
        if (store.read_json(path) or {}).get("digest") == digest:
            return
        if cells.is_dir():
            if self.say:
                self.say(f"the watched runner changed since the cells in {cells}: rerunning them")
            shutil.rmtree(cells)
        store.write_json_atomic(path, {"runner": "experiments.validation._model", "digest": digest})


def printer(started: float):
    """A progress printer to stderr with elapsed seconds."""

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    return say


__all__ = ["Grid", "Runs", "printer"]
