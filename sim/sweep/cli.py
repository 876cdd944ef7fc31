"""The ``lean-sim`` console script: the Hydra app (``lean-sim-merge`` is sim.sweep.merge:main).

The Hydra entry is thin, as in lightning-hydra-template: it turns the composed configuration
into plain validated values (sim.sweep.cells) and calls functions that know nothing of Hydra
(sim.sweep.runner). Validation before any job, the plan and the merge live in
sim.sweep.sweeper (multiruns) and sim.sweep.callbacks (single runs), both selected in
configs/config.yaml.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from sim.sweep.cells import job_from_config
from sim.sweep.config import CONFIG_DIR, register_configs
from sim.sweep.runner import run_job
from sim.sweep.session import job_values, launch_dir

register_configs()


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(config: DictConfig) -> None:
    """One Hydra job: the cells of this configuration (one, or a chunk of a design)."""
    run_job(job_from_config(job_values(config), cwd=launch_dir()))


if __name__ == "__main__":
    main()
