"""One sweep gives identical tables whichever Hydra launcher ran it: basic, joblib, Ray, submitit.

Ray runs against a head started on 127.0.0.1 by this test (``ray start --head --block`` in its
own session and temporary folder) and stopped afterwards by killing that process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_sweep_support import QUIET, TINY, assert_same_tables, env, lean_sim, script

#: Two strategies of one world: two cells, two replicates each.
SWEEP = ["-m", "strategy=centralized,embedded", "replicates=2", *TINY, *QUIET]
LAUNCHERS = {
    "basic, both cells in one job": ["cells_per_job=2"],
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "submitit_local": ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5"],
}


def sweep_with(tmp_path: Path, name: str, *launcher: str) -> Path:
    folder = tmp_path / name.replace(" ", "_").replace(",", "")
    folder.mkdir()
    result = lean_sim(*SWEEP, *launcher, cwd=folder, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "merged 4 runs of 2 cells" in result.stdout
    if "cells_per_job=2" in launcher:
        assert "Launching 1 jobs" in result.stdout + result.stderr
    return folder / "results" / "scratch"


@pytest.fixture(scope="module")
def basic_tables(tmp_path_factory) -> Path:
    return sweep_with(tmp_path_factory.mktemp("launchers"), "basic")


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_launcher_gives_the_same_tables_as_the_basic_launcher(tmp_path, basic_tables, launcher):
    if launcher == "submitit_local":
        pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason="extra 'slurm'")
    assert_same_tables(basic_tables, sweep_with(tmp_path, launcher, *LAUNCHERS[launcher]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_head() -> Iterator[str]:
    """A Ray head on 127.0.0.1 for this test only; yields its address."""
    pytest.importorskip("hydra_plugins.hydra_ray_launcher", reason="extra 'ray'")
    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths are long
    command = [
        script("ray"),
        "start",
        "--head",
        "--block",
        "--node-ip-address=127.0.0.1",
        f"--port={port}",
        "--num-cpus=2",
        "--include-dashboard=false",
        "--disable-usage-stats",
        f"--temp-dir={temp_dir}",
    ]
    head = subprocess.Popen(
        command,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not Path(temp_dir, "ray_current_cluster").exists():
            assert head.poll() is None, "ray start --head exited"
            assert time.monotonic() < deadline, "the Ray head did not start in 90 s"
            time.sleep(0.2)
        yield address
    finally:
        # `ray start --block` takes 20-30 s to stop gracefully; this head holds no state worth
        # keeping, so its process group (ours alone: its own session) is killed at once.
        os.killpg(head.pid, signal.SIGKILL)
        head.wait()
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_ray_on_a_local_head_gives_the_same_tables(tmp_path, basic_tables, ray_head):
    ray = ["hydra/launcher=ray", f"hydra.launcher.ray.init.address={ray_head}"]
    assert_same_tables(basic_tables, sweep_with(tmp_path, "ray", *ray))
