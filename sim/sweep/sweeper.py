"""The multirun sweep of ``lean-sim -m``: check everything first, launch, survive crashes, merge.

The sweep grammar and job order are those of Hydra's basic sweeper: ``hydra.sweeper.params``
plus the command line, expanded into their cartesian product (the last key varies fastest).
What the sweep adds:

1. every job's configuration is composed and every cell validated before anything is written
   or launched (sim.sweep.session), then the cost is estimated, the experiment folders are
   locked and their plans reconciled and written;
2. a design file is split into chunks: one job per ``design_chunk_size`` rows; and with
   ``cells_per_job`` > 1 consecutive grid points are packed into one job (Hydra's per-job
   cost, ~0.1 s, paid once per pack);
3. **a worker that dies fails only its own cells.** When a launcher loses a worker process
   (joblib's whole batch then fails with ``TerminatedWorkerError``), the cells that were in
   flight (started, not finished: ``progress.jsonl``) are suspects: each job holding one is
   run again alone, and a cell that kills its worker alone is recorded as failed; the jobs not
   yet finished are then launched again (finished cells are skipped);
4. the cells are merged even when jobs failed (Hydra skips ``on_multirun_end`` then); the
   command exits 1 naming failed or missing cells and failed jobs, in one line each.

Hydra only loads sweepers from the ``hydra_plugins`` package, so the registered class,
``hydra_plugins.lean_sim_sweeper.lean_sim_sweeper.LeanSimSweeper``, is a thin subclass of
Hydra's public ``Sweeper`` that calls :func:`sweep`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, JobStatus
from omegaconf import OmegaConf

from sim.sweep import design as design_mod
from sim.sweep import progress, session, store
from sim.sweep.cells import Cell, JobSpec, packs_document
from sim.sweep.runner import SWEEP_PID_ENV

log = logging.getLogger("lean_sim")


@dataclass(frozen=True)
class Launch:
    """One Hydra job: its overrides, and the cells it runs (for crash recovery)."""

    overrides: list[str]
    experiment_dir: Path
    cell_ids: tuple[str, ...]


def sweep(sweeper: Any, arguments: list[str]) -> Any:
    """Validate, plan, launch (recovering from dead workers), merge; see the module docstring."""
    assert sweeper.config is not None and sweeper.launcher is not None
    assert sweeper.hydra_context is not None
    config = sweeper.config
    loader = sweeper.hydra_context.config_loader
    HydraConfig.instance().set_config(config)

    tic = time.perf_counter()
    params = [f"{k}={v}" for k, v in (sweeper.params or {}).items()]
    grid = session.job_overrides(loader, params + list(arguments))
    jobs = session.validate_or_exit(session.sweep_job_values(loader, config, grid), grid)
    launches, packs = plan_launches(grid, jobs)
    log.info(f"validated {len(grid)} configurations in {time.perf_counter() - tic:.1f} s")

    sweep_dir = Path(config.hydra.sweep.dir)
    run = session.start(config, jobs, sweep_dir=sweep_dir)
    returns: list[JobReturn] = []
    tic = time.perf_counter()
    try:
        with store.os_errors(str(sweep_dir)):
            for experiment_dir, cells in packs.items():
                store.write_json_atomic(experiment_dir / store.PACKS, packs_document(cells))
            OmegaConf.save(config, sweep_dir / "multirun.yaml")
        os.environ[SWEEP_PID_ENV] = str(os.getpid())  # workers exit when this process dies
        returns = launch_all(sweeper, launches, run)
    except store.StoreError as err:
        log.error(f"lean-sim: {err}")
    finally:
        log.info(f"{len(returns)} jobs ran in {time.perf_counter() - tic:.1f} s")
        tic = time.perf_counter()
        ok = session.finish(run)
        merged = "checked and merged" if config.get("merge", True) else "checked"
        log.info(f"results {merged} in {time.perf_counter() - tic:.1f} s")
    failed_jobs = [r for r in returns if r.status == JobStatus.FAILED]
    for result in failed_jobs:
        try:
            error: Any = result.return_value  # raises the job's exception
        except Exception as err:
            error = err
        where = " ".join(result.overrides or [])
        print(f"lean-sim: FAILED job ({where}): {type(error).__name__}: {error}", flush=True)
    if failed_jobs or not ok or len(returns) < len(launches):
        session.fail("some cells or jobs failed or are missing (see above)", session.WORK_FAILED)
    return [returns]


def launch_all(sweeper: Any, launches: list[Launch], run: session.Session) -> list[JobReturn]:
    """Launch every job (in batches of ``max_batch_size``); after a worker died, isolate the
    cells that were in flight and relaunch the rest. Returns the results of the jobs that
    finished their launch (a job lost with a dead worker has none)."""
    returns: list[JobReturn] = []
    job_index = 0
    pending = list(launches)
    size = sweeper.max_batch_size or len(pending) or 1
    while pending:
        batch, pending = pending[:size], pending[size:]
        try:
            returns.extend(sweeper.launcher.launch([b.overrides for b in batch], job_index))
            job_index += len(batch)
            continue
        except Exception as err:  # a worker process died (or the launcher failed)
            job_index += len(batch)
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            log.error(f"a worker process died ({type(err).__name__}: {reason}); recovering")
        rest, job_index = _recover(sweeper, batch, run, job_index, returns)
        pending = rest + pending
    return returns


def _recover(
    sweeper: Any,
    batch: list[Launch],
    run: session.Session,
    job_index: int,
    returns: list[JobReturn],
) -> tuple[list[Launch], int]:
    """Run each job that had a cell in flight alone; record a cell that kills its worker alone
    as failed; return the jobs of the batch still to launch."""
    suspects, rest = [], []
    for launch in batch:
        open_cells = _unfinished(launch, run)
        if not open_cells:
            continue
        flying = progress.in_flight(launch.experiment_dir, _sweep_id(launch, run))
        (suspects if flying & set(launch.cell_ids) else rest).append(launch)
    for launch in suspects:
        while _unfinished(launch, run):
            try:
                returns.extend(sweeper.launcher.launch([launch.overrides], job_index))
                job_index += 1
                break
            except Exception as err:
                job_index += 1
                flying = progress.in_flight(launch.experiment_dir, _sweep_id(launch, run))
                culprits = (flying & set(launch.cell_ids)) or _unfinished(launch, run)
                for cell_id in sorted(culprits):
                    _record_crash(launch.experiment_dir, run, cell_id, err)
    return rest, job_index


def _sweep_id(launch: Launch, run: session.Session) -> Any:
    return run.plans[launch.experiment_dir].get("sweep_id")


def _unfinished(launch: Launch, run: session.Session) -> set[str]:
    done = progress.finished(launch.experiment_dir, _sweep_id(launch, run))
    return set(launch.cell_ids) - done


def _record_crash(experiment_dir: Path, run: session.Session, cell_id: str, err: Exception) -> None:
    """Record that the cell killed its worker even when run alone: a failed manifest that this
    sweep does not retry (a later sweep does), and a finished line for the progress."""
    plan = run.plans[experiment_dir]
    entry = next((e for e in plan["cells"] if e["cell_id"] == cell_id), {"describe": ""})
    error = (
        f"the worker process running this cell died, also when it ran alone "
        f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})"
    )
    log.error(f"cell {cell_id} ({entry.get('describe')}): {error}")
    directory = store.cell_dir(experiment_dir, cell_id)
    store.remove_cell_manifest(directory)
    store.write_cell_manifest(
        directory,
        {
            "cell_id": cell_id,
            "experiment": experiment_dir.name,
            "status": "failed",
            "error": error,
            "crashed_in_sweep": plan.get("sweep_id"),
            "strategy": entry.get("strategy"),
            "culture": entry.get("culture"),
            "design_row": entry.get("design_row"),
        },
    )
    progress.record(experiment_dir, plan, cell_id, 0)


def plan_launches(
    grid: list[list[str]], jobs: list[JobSpec]
) -> tuple[list[Launch], dict[Path, list[list[Cell]]]]:
    """The launches of the sweep, and the packs to write per experiment folder.

    A grid job with a design becomes one launch per chunk of its rows (``design_chunk=<i>``).
    With ``cells_per_job`` > 1, consecutive grid jobs that share their run settings (folder,
    replicates, seeds, runner) are packed: the launch keeps the first job's overrides, adds
    ``pack=<i>``, and the job reads its cells from ``packs.json``. Otherwise one launch per job.
    """
    launches: list[Launch] = []
    packs: dict[Path, list[list[Cell]]] = {}
    pending: list[tuple[list[str], JobSpec]] = []

    def ids(job: JobSpec) -> tuple[str, ...]:
        return tuple(c.cell_id for c in job.plan_cells)

    def flush() -> None:
        if len(pending) == 1:
            overrides, job = pending[0]
            launches.append(Launch(overrides, job.experiment_dir, ids(job)))
        elif pending:
            job = pending[0][1]
            folder = packs.setdefault(job.experiment_dir, [])
            cells = [dataclasses.replace(c, config=j.config) for _, j in pending for c in j.cells]
            launches.append(
                Launch(
                    [*pending[0][0], f"pack={len(folder)}"],
                    job.experiment_dir,
                    tuple(c.cell_id for c in cells),
                )
            )
            folder.append(cells)
        pending.clear()

    for overrides, job in zip(grid, jobs, strict=True):
        size = int(job.config.get("cells_per_job") or 1)
        if job.config.get("design") is not None:
            flush()
            chunk_size = int(job.config["design_chunk_size"])
            cell_ids = ids(job)
            for i in range(design_mod.n_chunks(len(cell_ids), chunk_size)):
                chunk = cell_ids[i * chunk_size : (i + 1) * chunk_size]
                launches.append(
                    Launch([*overrides, f"design_chunk={i}"], job.experiment_dir, chunk)
                )
        elif size <= 1 or len(job.cells) != 1:
            flush()
            launches.append(Launch(overrides, job.experiment_dir, ids(job)))
        else:
            if pending and (len(pending) >= size or _settings(pending[0][1]) != _settings(job)):
                flush()
            pending.append((overrides, job))
    flush()
    return launches, packs


def _settings(job: JobSpec) -> tuple[Any, ...]:
    """What a packed job takes from its first grid point besides the cells."""
    return (
        job.experiment_dir,
        job.replicates,
        job.base_seed,
        job.force,
        job.runner,
        job.config.get("cells_per_job"),
    )
