"""The suite catches the bugs planted in tests/meta/planted.py.

Each planted bug is run against the tests that guard it, in a separate pytest process of this
checkout (``LEAN_SIM_PLANT=<name>``): every one of those tests must fail on an assertion (not
crash on a broken plant), and the planted code must have run. A test that stays green on its
bug could not fail; a plant that no test catches is a hole in the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import PLANT_ENV, PLANT_REPORT_ENV, ROOT, checkout_env, planted_bugs

PLANTS = planted_bugs().PLANTS
#: What a test that catches a bug fails with: an assertion (hypothesis re-raises the minimal
#: example's), not an error from code the plant broke.
ASSERTION = {"AssertionError"}


def run_with_plant(name: str, tests: tuple[str, ...], tmp_path) -> tuple[dict, str]:
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    env = checkout_env(**{PLANT_ENV: name, PLANT_REPORT_ENV: str(report)})
    env.pop("CI", None)  # whether the catchers may skip is not what is tested here
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert report.is_file(), f"no report from the planted run:\n{out.stdout[-3000:]}{out.stderr}"
    return json.loads(report.read_text(encoding="utf-8")), out.stdout + out.stderr


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_every_guarding_test_fails_on_the_planted_bug(name, tmp_path):
    plant = PLANTS[name]
    report, output = run_with_plant(name, plant.catchers, tmp_path)
    assert report["plant"] == name
    assert report["calls"] > 0, f"the planted {plant.target} never ran"
    for test in plant.catchers:
        outcome = report["tests"].get(test)
        assert outcome is not None, f"{test} did not run:\n{output[-3000:]}"
        assert outcome["outcome"] == "failed" and outcome["when"] == "call", (
            f"{test} stayed green on '{plant.bug}'"
        )
        assert outcome["exception"] in ASSERTION, (
            f"{test} failed on {outcome['exception']}, not on an assertion: the plant is broken"
            f"\n{output[-3000:]}"
        )


def test_a_planted_bug_is_undone_and_an_unknown_one_is_refused(tmp_path):
    """The plant lives only in its own session, and a typo in its name is an error."""
    report, _ = run_with_plant(
        "weak_escape_hatch",
        ("tests/model/test_mechanisms.py::test_the_escape_hatch_grows_with_visibility_"
         "presence_and_work_taken_over",),
        tmp_path,
    )  # fmt: skip
    assert report["calls"] > 0
    test = next(iter(report["tests"].values()))
    assert test["outcome"] == "failed"  # exact values: 0.4 became 0.004
    import sim.mechanisms

    assert sim.mechanisms.escape_hatch(0.4, 1.0, 1.0, 1.0) == pytest.approx(0.4)  # not here
    env = checkout_env(**{PLANT_ENV: "no_such_bug"})
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--co", "tests/model/test_stats.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "no_such_bug" in out.stdout + out.stderr


def test_every_plant_names_a_real_function_and_real_tests():
    """A renamed function or test must break this list loudly, not skip a check."""
    for name, plant in PLANTS.items():
        planted_bugs().resolve(plant.target)
        assert plant.catchers, name
    catchers = sorted({t for p in PLANTS.values() for t in p.catchers})
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--co", "-p", "no:cacheprovider", *catchers],
        cwd=ROOT,
        env=checkout_env(),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr
    collected = {line.strip() for line in out.stdout.splitlines()}
    assert set(catchers) <= collected, set(catchers) - collected
