"""The catalogue of bad inputs: each exits 2 with one message naming the input, writing nothing.

``lean-sim`` runs in this process (``sim.sweep.cli.main(argv)``, as the console script does);
``lean-sim-merge`` and ``python -m sim`` likewise through their ``main``. Every case starts in
an empty folder (plus the input files it needs) and checks that the folder is unchanged after.
The hypothesis test at the end draws invalid values from the fields' declared bounds and
choices, never from the validator itself.
"""

from __future__ import annotations

import json
import os
import shutil
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra.core.global_hydra import GlobalHydra
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sweep_support import QUIET, TINY, hydra_logging_restored

from sim import Params
from sim.__main__ import main as sim_main
from sim.params import ParamsError
from sim.sweep import cli
from sim.sweep.cells import SweepConfigError, job_from_config
from sim.sweep.merge import main as merge_main

#: Files the cases below can name (written into the case's folder before it runs).
FILES = {
    "empty.csv": b"",
    "header_only.csv": b"resistance,strategy\n",
    "binary.csv": bytes(range(256)) * 4,
    "latin1.csv": "resistance,strategy\n0.2,caf\xe9\n".encode("latin-1"),
    "extra_field.csv": b"resistance,strategy\n0.2,embedded\n0.4,hybrid,0.7\n",
    "short_row.csv": b"resistance,strategy,power_distance\n0.2,embedded,0.3\n0.4,hybrid\n",
    "unknown_column.csv": b"resistance,gravity\n0.2,1\n",
    "bad_value.csv": b"resistance\n0.2\n1.4\n",
    "repeated_column.csv": b"resistance,resistance\n0.2,0.3\n",
    "points.txt": b"resistance\n0.2\n",
    "broken.parquet": b"PAR1 this is not parquet",
    "culture_clash.csv": b"power_distance\n0.3\n",
}

#: (arguments of lean-sim, texts the message must contain). Each must exit 2 and write nothing.
LEAN_SIM_CASES = [
    (["resistance=1.5"], ["resistance=1.5", "less than or equal to 1"]),
    (["resistance=-0.1"], ["resistance=-0.1", "greater than or equal to 0"]),
    (["resistance=nan"], ["resistance=nan"]),
    (["resistance=abc"], ["resistance='abc'"]),
    (["resistance=[1,2]"], ["resistance=[1, 2]"]),
    (["resistance=["], ["resistance=["]),
    (["n_teams=-3"], ["n_teams=-3", "greater than or equal to 2"]),
    (["n_teams=abc"], ["n_teams='abc'"]),
    (["n_teams=2.5"], ["n_teams=2.5"]),
    (["weeks=0"], ["weeks=0"]),
    (["sunset=sometimes"], ["sunset='sometimes'", "'none', 'adoption' or 'deadline'"]),
    (["strategy=foo"], ["strategy=foo", "embedded"]),
    (["-m", "strategy=none,foo"], ["strategy=foo", "embedded"]),
    (["culture=atlantis"], ["culture=atlantis", "denmark"]),
    (["org=huge"], ["org=huge", "tiny"]),
    (["experiment=nope"], ["experiment=nope", "headline"]),
    (["+preset=nope"], ["preset=nope", "calibrated"]),
    (["culture=japan", "power_distance=0.3"], ["power_distance=0.3", "culture=japan"]),
    (["design=culture_clash.csv", "culture=denmark"], ["design row 0", "culture=denmark"]),
    (["+resistence=0.5"], ["resistence", "did you mean resistance"]),
    (["++resistence=0.5"], ["resistence", "did you mean resistance"]),
    (["resistanse=0.3"], ["resistanse", "did you mean resistance"]),
    (["seed=3"], ["'seed'", "did you mean base_seed"]),
    (["paths.resuls=x"], ["paths.resuls", "did you mean paths.results"]),
    (["replicates=0"], ["replicates=0", "integer >= 1"]),
    (["replicates=1.5"], ["replicates=1.5", "integer >= 1"]),
    (["replicates=abc"], ["replicates='abc'", "integer >= 1"]),
    (["replicates=10000000"], ["10000000 runs", "yes=true"]),
    (["base_seed=-1"], ["base_seed=-1", "integer >= 0"]),
    (["base_seed=1.5"], ["base_seed=1.5", "integer >= 0"]),
    (["base_seed=true"], ["base_seed=True", "integer >= 0"]),
    (["design_chunk_size=0"], ["design_chunk_size=0", "integer >= 1"]),
    (["cells_per_job=0"], ["cells_per_job=0", "integer >= 1"]),
    (["merge=nope"], ["merge='nope'", "true or false"]),
    (["force=maybe"], ["force='maybe'", "true or false"]),
    (["extend=2"], ["extend=2", "true or false"]),
    (["wait=yes"], ["wait='yes'", "true or false"]),
    (["yes=1"], ["yes=1", "true or false"]),
    (["ablate=gravity"], ["ablate='gravity'", "escape_hatch"]),
    (["ablate=escape_hatch", "escape_hatch=true"], ["ablate=escape_hatch", "escape_hatch=true"]),
    (["experiment_name=../x"], ["experiment_name='../x'", "folder name"]),
    (["experiment_name="], ["experiment_name=''", "folder name"]),
    (["runner=nowhere.run"], ["runner='nowhere.run'", "cannot import"]),
    (["runner=sim.STRATEGIES"], ["runner='sim.STRATEGIES'", "not a function"]),
    (["-m", "strategy=none,embedded", "runner=nowhere.run"], ["runner='nowhere.run'"]),
    (["-m", "resistance=0.2,1.5", "strategy=none,embedded"], ["resistance=1.5"]),
    (["-m", "resistance=interval(0,1)"], ["interval(0,1)", "not intervals"]),
    (["design_chunk=99"], ["design_chunk", "leave it unset"]),
    (["pack=3"], ["pack", "leave it unset"]),
    (["design=missing.csv"], ["missing.csv", "no such file"]),
    (["design=empty.csv"], ["empty.csv", "empty"]),
    (["design=header_only.csv"], ["header_only.csv", "no rows"]),
    (["design=binary.csv"], ["binary.csv"]),
    (["design=latin1.csv"], ["latin1.csv", "UTF-8"]),
    (["design=extra_field.csv"], ["extra_field.csv", "line 3 has 3 fields", "header has 2"]),
    (["design=short_row.csv"], ["short_row.csv", "line 3 has 2 fields"]),
    (["design=unknown_column.csv"], ["['gravity'] are not sim.Params fields"]),
    (["design=bad_value.csv"], ["design row 1: resistance=1.4"]),
    (["design=repeated_column.csv"], ["repeated_column.csv", "repeated column"]),
    (["design=points.txt"], ["points.txt", ".csv or .parquet"]),
    (["design=broken.parquet"], ["broken.parquet", "not a readable Parquet file"]),
    (["-m", "design=empty.csv"], ["empty.csv", "empty"]),
    (["paths.results=/proc/lean"], ["/proc/lean"]),
    (["hydra.run.dir=/proc/lean"], ["/proc/lean"]),
    (["-m", "hydra.sweep.dir=/proc/lean"], ["/proc/lean"]),
]

#: (arguments of python -m sim, texts of the message). argparse exits 2.
SIM_CASES = [
    (["--set", "resistance"], ["'resistance'", "NAME=VALUE"]),
    (["--set", "=0.5"], ["'=0.5'", "NAME=VALUE"]),
    (["--set", "strategy=embedded"], ["strategy=embedded", "every strategy"]),
    (["--set", "resistence=0.5"], ["resistence", "did you mean resistance"]),
    (["--set", "resistance=1.5"], ["resistance='1.5'", "less than or equal to 1"]),
    (["--set", "n_teams=abc"], ["n_teams='abc'"]),
    (["--set", "resistance=0.1", "resistance=0.2"], ["resistance", "set twice"]),
    (["--seed", "-1"], ["-1", "not in 0 .. 2**63-1"]),
    (["--seed", "1.5"], ["'1.5' is not an integer"]),
    (["--seed", str(2**64)], [str(2**64), "not in 0 .. 2**63-1"]),
]


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*"))}


@pytest.fixture
def case_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "case"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    monkeypatch.chdir(folder)
    GlobalHydra.instance().clear()
    with hydra_logging_restored():
        yield folder
    GlobalHydra.instance().clear()


def run_main(main, argv, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    return exit_.value.code, capsys.readouterr().err


@pytest.mark.parametrize(("argv", "named"), LEAN_SIM_CASES, ids=lambda v: " ".join(v)[:50])
def test_lean_sim_rejects_bad_input_with_exit_2_naming_it_and_writes_nothing(
    case_dir, capsys, argv, named
):
    before = snapshot(case_dir)
    flags = [a for a in argv if a.startswith("-")]  # Hydra wants -m before the overrides
    rest = [a for a in argv if not a.startswith("-")]
    code, err = run_main(cli.main, [*flags, *TINY, *QUIET, *rest], capsys)
    assert code == 2, err
    assert err.startswith("lean-sim: ") and "Traceback" not in err
    for text in named:
        assert text in err, (text, err)
    assert snapshot(case_dir) == before


@pytest.mark.parametrize(("argv", "named"), SIM_CASES, ids=lambda v: " ".join(v)[:40])
def test_python_m_sim_rejects_bad_input_with_exit_2_naming_it(case_dir, capsys, argv, named):
    before = snapshot(case_dir)
    code, err = run_main(sim_main, argv, capsys)
    assert code == 2
    for text in named:
        assert text in err, (text, err)
    assert snapshot(case_dir) == before


def test_python_m_sim_runs_a_valid_setting(capsys):
    assert sim_main(["--seed", "3", "--set", "n_teams=24", "weeks=30", "resistance=-0.0"]) == 0
    assert "One run per strategy, seed 3: 24 teams, 30 weeks" in capsys.readouterr().out


MERGE_CASES = {
    "a folder that does not exist": (lambda d: d / "nope", ["nope", "no sweep.json"], 2),
    "a folder without a plan": (lambda d: d, ["no sweep.json"], 2),
    "a plan that is not JSON": (lambda d: _plan(d, b"{not json"), ["sweep.json", "damaged"], 2),
    "a plan without cells": (lambda d: _plan(d, b'{"cells": 3}'), ["sweep.json"], 2),
    "a plan with a bad cell": (lambda d: _plan(d, b'{"cells": [{"x": 1}]}'), ["cell_id"], 2),
}


def _plan(folder: Path, data: bytes) -> Path:
    (folder / "sweep.json").write_bytes(data)
    return folder


@pytest.mark.parametrize("case", sorted(MERGE_CASES))
def test_lean_sim_merge_rejects_what_is_not_an_experiment_folder(case_dir, capsys, case):
    make, named, status = MERGE_CASES[case]
    target = make(case_dir)
    before = snapshot(case_dir)
    assert merge_main([str(target)]) == status
    err = capsys.readouterr().err
    for text in named:
        assert text in err, (text, err)
    assert snapshot(case_dir) == before


def _runs(folder: Path, rows: int) -> Path:
    from sim.sweep.local import sweep_cells

    sweep_cells([Params(**_small())], folder / "src", replicates=1)
    runs = pd.read_parquet(folder / "src" / "runs.parquet")
    runs.iloc[:rows].to_parquet(folder / "runs.parquet")
    shutil.rmtree(folder / "src")
    return folder


REPORT_CASES = {
    "a corrupt runs.parquet": (lambda d: _write(d, "runs.parquet", b"PAR1 garbage"), "runs"),
    "a 0-row runs.parquet": (lambda d: _runs(d, 0), "holds no runs"),
    "a corrupt manifest.json": (
        lambda d: _write(_runs(d, 1), "manifest.json", b"{bad"),
        "manifest.json: not valid JSON",
    ),
}


def _write(folder: Path, name: str, data: bytes) -> Path:
    (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("case", sorted(REPORT_CASES))
def test_lean_sim_report_rejects_damaged_tables_with_exit_2(tmp_path, capsys, case):
    pytest.importorskip("matplotlib", reason="extra 'studies'")
    from experiments.report import main as report_main

    make, named = REPORT_CASES[case]
    folder = make(tmp_path / "e" if (tmp_path / "e").mkdir() is None else tmp_path)
    before = snapshot(folder)
    assert report_main([str(folder)]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err
    assert snapshot(folder) == before


def test_minus_zero_is_the_same_cell_as_zero():
    (a,) = job_from_config(_values(resistance=0.0), cwd="/tmp").cells
    (b,) = job_from_config(_values(resistance=-0.0), cwd="/tmp").cells
    assert a.cell_id == b.cell_id


def test_allowed_values_never_give_nan_performance():
    """base_improvement_time = 1 would make the output baseline 0 (performance NaN): rejected."""
    values = {"base_improvement_time": 1.0, "max_improvement_time": 1.0, **_small()}
    with pytest.raises((ParamsError, SweepConfigError)):
        job_from_config(_values(**values), cwd="/tmp")


def _small() -> dict:
    return {"n_teams": 24, "weeks": 30}


def _values(**params) -> dict:
    """A resolved lean-sim configuration (what Hydra composes) with these Params values."""
    return {
        **{k: v.get_default(call_default_factory=True) for k, v in Params.model_fields.items()},
        **params,
        "experiment_name": "x",
        "replicates": 1,
        "base_seed": 0,
        "force": False,
        "merge": True,
        "design_chunk_size": 8,
        "cells_per_job": 1,
        "runner": "sim.run",
        "culture": {"name": "custom"},
        "paths": {"results": "results"},
    }


# --- hypothesis: invalid values drawn from the declared bounds, not from the validator ---------
def _bounds(name: str) -> tuple[float | None, float | None]:
    lo = hi = None
    for item in Params.model_fields[name].metadata:
        lo = getattr(item, "ge", lo)
        hi = getattr(item, "le", hi)
    return lo, hi


BOUNDED = [
    n
    for n, f in Params.model_fields.items()
    if f.annotation in (float, int) and any(b is not None for b in _bounds(n))
]
CHOICES = {
    n: set(f.annotation.__args__)
    for n, f in Params.model_fields.items()
    if getattr(f.annotation, "__origin__", None) is not None
    and str(f.annotation).startswith("typing.Literal")
}


@st.composite
def out_of_bounds(draw) -> tuple[str, object]:
    """A bounded numeric field and a value outside its declared bounds."""
    name = draw(st.sampled_from(BOUNDED))
    lo, hi = _bounds(name)
    sides = [s for s, b in (("lo", lo), ("hi", hi)) if b is not None]
    side = draw(st.sampled_from(sides))
    is_int = Params.model_fields[name].annotation is int
    if side == "lo":
        value = (
            draw(st.integers(max_value=int(lo) - 1, min_value=int(lo) - 10**6))
            if is_int
            else draw(st.floats(max_value=lo, exclude_max=True, min_value=lo - 1e6))
        )
    else:
        value = (
            draw(st.integers(min_value=int(hi) + 1, max_value=int(hi) + 10**6))
            if is_int
            else draw(st.floats(min_value=hi, exclude_min=True, max_value=hi + 1e6))
        )
    return name, value


@st.composite
def not_a_choice(draw) -> tuple[str, object]:
    name = draw(st.sampled_from(sorted(CHOICES)))
    value = draw(st.text(string.ascii_lowercase, min_size=1, max_size=8))
    return name, value if value not in CHOICES[name] else value + "x"


@st.composite
def misspelt_key(draw) -> str:
    """A field name with one letter changed, added or dropped (not itself a setting)."""
    name = draw(st.sampled_from(sorted(Params.model_fields)))
    i = draw(st.integers(0, len(name) - 1))
    letter = draw(st.sampled_from("qxzjkv"))
    edit = draw(st.sampled_from(["swap", "add", "drop"]))
    key = {
        "swap": name[:i] + letter + name[i + 1 :],
        "add": name[:i] + letter + name[i:],
        "drop": name[:i] + name[i + 1 :],
    }[edit]
    return key


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(out_of_bounds(), not_a_choice()))
def test_any_value_outside_a_fields_declared_range_is_rejected_naming_it(bad):
    name, value = bad
    with pytest.raises(SweepConfigError) as err:
        job_from_config(_values(**{name: value}), cwd="/tmp")
    assert f"{name}=" in str(err.value)


@settings(max_examples=40, deadline=None)
@given(misspelt_key(), st.sampled_from(["", "+", "++"]))
def test_any_misspelt_key_is_rejected_with_exit_2(key, prefix):
    if key in cli_known():
        return
    with pytest.raises(SystemExit) as exit_:
        cli.check_command_line([f"{prefix}{key}=1"])
    assert exit_.value.code == 2


def cli_known() -> set[str]:
    from sim.sweep.config import known_keys, options

    return {*known_keys(), *options()}


# --- without the sweep extra --------------------------------------------------------------------
BLOCKER = """
import sys
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("hydra", "omegaconf"):
            raise ImportError("blocked by the test: " + name)
sys.meta_path.insert(0, Blocker())
from sim.sweep.cli import main
sys.argv = ["lean-sim", *sys.argv[1:]]
main()
"""


def test_without_hydra_lean_sim_names_the_extra_and_exits_2(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", BLOCKER, "org=tiny"], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "lean-sim: the sweep needs hydra, omegaconf, which are not installed: "
        "pip install 'lean-adoption-sim[sweep]'"
    ]
    version = subprocess.run(
        [sys.executable, "-c", BLOCKER, "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and "model version" in version.stdout


def test_version_names_the_package_and_the_model_version(capsys):
    from sim import __version__
    from sim.provenance import model_version

    cli.main(["--version"])
    out = capsys.readouterr().out
    assert f"lean-adoption-sim) {__version__}, model version {model_version()}" in out


def test_help_explains_wait_extend_yes_and_exit_statuses():
    from sim.sweep.config import help_text

    text = help_text()
    for words in ("wait=true, not --wait", "extend", "yes=true", "Exit status: 0 done, 1 failed"):
        assert words in text


@pytest.mark.slow
def test_a_200k_row_design_validates_without_gigabytes(tmp_path):
    """Validation and plan of a design, in a subprocess: memory grows by a few KB a row, so
    200,000 rows stay well under 1 GB (benchmarks/bench_sweep.py --design-rows 200000 runs
    the full size: about 1.5 minutes)."""
    pytest.importorskip("resource")
    rng = np.random.default_rng(0)
    n = 20_000
    pd.DataFrame(
        {
            "resistance": rng.random(n).round(6),
            "power_distance": rng.random(n).round(6),
            "strategy": rng.choice(["centralized", "embedded"], n),
        }
    ).to_parquet(tmp_path / "big.parquet")
    script = f"""
import json, resource
from sim.sweep.cells import job_from_config
from sim.sweep import plan
from test_sweep_bad_inputs import _values
def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = rss()
job = job_from_config({{**_values(n_teams=24), "design": "big.parquet"}},
                      whole_design=True, cwd={str(tmp_path)!r})
(p,) = plan.new_plans([job]).values()
plan.count_runs(p, [job], job.experiment_dir)
print(json.dumps({{"cells": len(p["cells"]), "before_mb": before, "after_mb": rss()}}))
"""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["cells"] == n
    per_row_mb = (result["after_mb"] - result["before_mb"]) / n
    assert result["before_mb"] + 200_000 * per_row_mb < 1024, result
