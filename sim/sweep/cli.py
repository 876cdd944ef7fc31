"""Console scripts: ``lean-sim`` (the Hydra app) and ``lean-sim-merge`` (merge on demand).

The Hydra entry is thin, as in lightning-hydra-template: it turns the composed configuration
into plain validated values (sim.sweep.cells) and calls functions that know nothing of Hydra
(sim.sweep.runner). Validation before any job, the plan and the merge live in
sim.sweep.sweeper (multiruns) and sim.sweep.callbacks (single runs), both selected in
configs/config.yaml.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

from sim.sweep.cells import job_from_config
from sim.sweep.config import CONFIG_DIR, register_configs
from sim.sweep.merge import MergeError, merge_experiment
from sim.sweep.runner import run_job
from sim.sweep.session import job_values, launch_dir

register_configs()


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(config: DictConfig) -> None:
    """One Hydra job: the cells of this configuration (one, or a chunk of a design)."""
    run_job(job_from_config(job_values(config), cwd=launch_dir()))


def merge_main(argv: list[str] | None = None) -> int:
    """``lean-sim-merge results/<experiment>``: merge the last sweep's cells again."""
    parser = argparse.ArgumentParser(
        prog="lean-sim-merge",
        description="Merge the cells of an experiment's last sweep into runs.parquet, "
        "series.parquet and pilots.parquet (e.g. after a sweep was interrupted or a job "
        "crashed). Exits 1 if cells failed or are missing, or versions differ.",
    )
    parser.add_argument("experiment_dir", type=Path, nargs="+", help="e.g. results/headline")
    parser.add_argument(
        "--allow-mixed-versions",
        action="store_true",
        help="merge cells computed by different code versions (the code_version column says "
        "which is which)",
    )
    args = parser.parse_args(argv)
    status = 0
    for directory in args.experiment_dir:
        try:
            report = merge_experiment(directory, allow_mixed_versions=args.allow_mixed_versions)
        except MergeError as err:
            print(f"lean-sim-merge: {err}", file=sys.stderr)
            status = 1
            continue
        print(report.describe())
        status = status or (0 if report.ok else 1)
    return status


if __name__ == "__main__":
    main()
