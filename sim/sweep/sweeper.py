"""The multirun sweep of ``lean-sim -m``: Hydra's basic sweeper, checked first, merged last.

The sweep grammar and job order are exactly those of Hydra's basic sweeper (its own
``split_arguments`` over ``hydra.sweeper.params`` plus the command line). What it adds:

1. every job's configuration is composed and every cell validated before anything is written
   or launched (the basic sweeper writes ``multirun.yaml`` first and checks batch by batch);
   this also replaces the basic sweeper's own check, which composed every job a second time;
2. a design file is split into chunks: one job per ``design_chunk_size`` rows; and with
   ``cells_per_job`` > 1 consecutive grid points are packed into one job (Hydra's per-job
   cost, ~0.1 s, paid once per pack);
3. the plan is written, the launcher runs the jobs, and then the cells are merged even when
   some jobs crashed (Hydra skips ``on_multirun_end`` then); the command exits non-zero naming
   failed or missing cells.

Hydra only loads sweepers from the ``hydra_plugins`` package, so the registered class,
``hydra_plugins.lean_sim_sweeper.lean_sim_sweeper.LeanSimSweeper``, is a thin subclass that
calls :func:`sweep`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from sim.sweep import design as design_mod
from sim.sweep import session, store
from sim.sweep.cells import PACKS, Cell, JobSpec, packs_document

log = logging.getLogger("lean_sim")


def sweep(sweeper: BasicSweeper, arguments: list[str]) -> Any:
    """Validate, plan, launch in batches, merge; see the module docstring."""
    assert sweeper.config is not None and sweeper.launcher is not None
    assert sweeper.hydra_context is not None
    config = sweeper.config
    loader = sweeper.hydra_context.config_loader
    HydraConfig.instance().set_config(config)

    tic = time.perf_counter()
    grid = session.job_overrides(loader, sweeper._parse_config() + list(arguments))
    jobs = session.validate_or_exit(session.sweep_job_values(loader, config, grid), grid)
    launches, packs = plan_launches(grid, jobs)
    log.info(f"validated {len(grid)} configurations in {time.perf_counter() - tic:.1f} s")

    experiment_dirs = session.start(config, jobs)
    for experiment_dir, cells in packs.items():
        store.write_json_atomic(experiment_dir / PACKS, packs_document(cells))
    sweep_dir = Path(config.hydra.sweep.dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(config, sweep_dir / "multirun.yaml")

    sweeper.overrides = list(
        BasicSweeper.split_overrides_to_chunks(launches, sweeper.max_batch_size)
    )
    returns = []
    initial_job_idx = 0
    tic = time.perf_counter()
    try:
        while not sweeper.is_done():
            batch = sweeper.get_job_batch()
            results = sweeper.launcher.launch(batch, initial_job_idx=initial_job_idx)
            initial_job_idx += len(batch)
            returns.append(results)
    finally:
        log.info(f"{initial_job_idx} jobs ran in {time.perf_counter() - tic:.1f} s")
        tic = time.perf_counter()
        ok = session.finish(config, experiment_dirs)
        merged = "checked and merged" if config.get("merge", True) else "checked"
        log.info(f"results {merged} in {time.perf_counter() - tic:.1f} s")
    for results in returns:
        for result in results:
            _ = result.return_value  # re-raises the exception of a crashed job
    if not ok:
        raise SystemExit("lean-sim: some cells failed or are missing (see above)")
    return returns


def plan_launches(
    grid: list[list[str]], jobs: list[JobSpec]
) -> tuple[list[list[str]], dict[Path, list[list[Cell]]]]:
    """The override list of every launch, and the packs to write per experiment folder.

    A grid job with a design becomes one launch per chunk of its rows (``design_chunk=<i>``).
    With ``cells_per_job`` > 1, consecutive grid jobs that share their run settings (folder,
    replicates, seeds, runner) are packed: the launch keeps the first job's overrides, adds
    ``pack=<i>``, and the job reads its cells from ``packs.json``. Otherwise one launch per job.
    """
    launches: list[list[str]] = []
    packs: dict[Path, list[list[Cell]]] = {}
    pending: list[tuple[list[str], JobSpec]] = []

    def flush() -> None:
        if len(pending) == 1:
            launches.append(pending[0][0])
        elif pending:
            job = pending[0][1]
            folder = packs.setdefault(job.experiment_dir, [])
            cells = [dataclasses.replace(c, config=j.config) for _, j in pending for c in j.cells]
            launches.append([*pending[0][0], f"pack={len(folder)}"])
            folder.append(cells)
        pending.clear()

    for overrides, job in zip(grid, jobs, strict=True):
        size = int(job.config.get("cells_per_job") or 1)
        if job.config.get("design") is not None and job.config.get("design_chunk") is None:
            flush()
            chunks = design_mod.n_chunks(len(job.cells), int(job.config["design_chunk_size"]))
            launches.extend([*overrides, f"design_chunk={i}"] for i in range(chunks))
        elif size <= 1 or job.config.get("pack") is not None or len(job.cells) != 1:
            flush()
            launches.append(overrides)
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
