"""A sweep from Python, without Hydra: lock the folder, plan, run the cells here, merge.

For studies that need a grid of cells (validation patterns, calibration) and for tests::

    from sim import Params
    from sim.sweep.local import sweep_cells

    cells = [Params(strategy=s, resistance=r, n_teams=24) for s in ("none", "embedded")
             for r in (0.3, 0.7)]
    report = sweep_cells(cells, Path("results/my_study"), replicates=5)
    runs = pd.read_parquet("results/my_study/runs.parquet")

The folder then looks exactly as after ``lean-sim -m``: the same cells, seeds, manifests, plan
rules (``extend``) and merged tables, so a study and a command-line sweep can share cells.
Cells run one after another in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sim.params import Params
from sim.sweep import plan as plan_mod
from sim.sweep import progress, store
from sim.sweep.cells import Cell, JobSpec
from sim.sweep.lock import FolderLock
from sim.sweep.merge import MergeReport, merge_experiment
from sim.sweep.runner import CellReport, run_cell


def sweep_cells(
    cells: Iterable[Cell | Params],
    experiment_dir: Path,
    *,
    replicates: int,
    base_seed: int = 0,
    force: bool = False,
    extend: bool = False,
    wait: bool = False,
    runner: Callable[..., Any] | None = None,
    on_cell: Callable[[CellReport], None] | None = None,
) -> MergeReport:
    """Run ``cells`` (Cell or Params) into ``experiment_dir`` and merge them.

    Raises ``sim.sweep.lock.FolderBusy`` if another process holds the folder (``wait``
    waits), ``sim.sweep.plan.PlanConflict`` if the folder's plan differs (``extend`` adds to
    it), ``sim.sweep.store.StoreError`` when a file cannot be written. ``on_cell`` is called
    with each cell's report (for progress).
    """
    experiment_dir = Path(experiment_dir)
    todo = [c if isinstance(c, Cell) else Cell(c) for c in cells]
    job = JobSpec(
        experiment=experiment_dir.name,
        results_dir=experiment_dir.parent,
        replicates=replicates,
        base_seed=base_seed,
        force=force,
        runner="python",
        cells=tuple(todo),
        config={},
        plan_cells=tuple(c.plan_cell() for c in todo),
    )
    with FolderLock(experiment_dir) as lock:
        lock.acquire(wait=wait)
        (plan,) = plan_mod.new_plans([job], launcher="sim.sweep.local").values()
        plan = plan_mod.reconcile(
            experiment_dir, store.read_plan(experiment_dir), plan, extend=extend
        )
        plan_mod.count_runs(plan, [job], experiment_dir)
        with store.os_errors(str(experiment_dir)):
            store.remove_stale_temporaries(experiment_dir)
            store.write_plan(experiment_dir, plan)
            for cell in todo:
                progress.started(experiment_dir, plan, cell.cell_id)
                report = run_cell(
                    cell,
                    experiment_dir=experiment_dir,
                    replicates=replicates,
                    base_seed=base_seed,
                    force=force,
                    runner=runner,
                )
                progress.record(experiment_dir, plan, cell.cell_id, report.runs_computed)
                if on_cell is not None:
                    on_cell(report)
        return merge_experiment(experiment_dir)
