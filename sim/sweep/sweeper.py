"""The multirun sweep of ``lean-sim -m``: Hydra's basic sweeper, checked first, merged last.

The sweep grammar and job order are exactly those of Hydra's basic sweeper (its own
``split_arguments`` over ``hydra.sweeper.params`` plus the command line). What it adds:

1. every job's configuration is composed and every cell validated before anything is written
   or launched (the basic sweeper writes ``multirun.yaml`` first and checks batch by batch);
   this also replaces the basic sweeper's own check, which composed every job a second time;
2. a design file is split into chunks: one job per ``design_chunk_size`` rows;
3. the plan is written, the launcher runs the jobs, and then the cells are merged even when
   some jobs crashed (Hydra skips ``on_multirun_end`` then); the command exits non-zero naming
   failed or missing cells.

Hydra only loads sweepers from the ``hydra_plugins`` package, so the registered class,
``hydra_plugins.lean_sim_sweeper.lean_sim_sweeper.LeanSimSweeper``, is a thin subclass that
calls :func:`sweep`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from sim.sweep import design as design_mod
from sim.sweep import session
from sim.sweep.cells import JobSpec

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
    launches = with_design_chunks(grid, jobs)
    log.info(f"validated {len(grid)} configurations in {time.perf_counter() - tic:.1f} s")

    experiment_dirs = session.start(config, jobs)
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
        log.info(f"merged in {time.perf_counter() - tic:.1f} s")
    for results in returns:
        for result in results:
            _ = result.return_value  # re-raises the exception of a crashed job
    if not ok:
        raise SystemExit("lean-sim: some cells failed or are missing (see above)")
    return returns


def with_design_chunks(grid: list[list[str]], jobs: list[JobSpec]) -> list[list[str]]:
    """One launch per grid job, or one per chunk of its design (``design_chunk=<i>``)."""
    launches = []
    for overrides, job in zip(grid, jobs, strict=True):
        if job.config.get("design") is None or job.config.get("design_chunk") is not None:
            launches.append(overrides)
            continue
        chunks = design_mod.n_chunks(len(job.cells), int(job.config["design_chunk_size"]))
        launches.extend([*overrides, f"design_chunk={i}"] for i in range(chunks))
    return launches
