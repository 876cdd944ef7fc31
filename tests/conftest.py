"""Shared test settings and the suite's own rules.

* A tiny organization keeps the suite fast (``TINY``, ``SMALL``).
* Subprocesses run the checkout under test (``checkout_env``), never whatever ``sim`` the
  environment's editable install points at.
* No silent skips in CI: when ``CI`` is set (``.ci/run`` sets ``CI=1``), a test that would be
  skipped (a missing extra, Chromium or committed result) fails instead. A skip that is
  legitimate even in CI must say so with ``@pytest.mark.ci_may_skip(reason=...)``.
* ``make mutation`` runs the tests marked ``mutation`` against every mutant of the model core
  (``benchmarks/mutation.py``); there hypothesis draws its examples deterministically.
* ``LEAN_SIM_PLANT=<name>`` plants one of the deliberate bugs of ``tests/meta/planted.py`` for
  the whole session (the meta-tests in ``tests/meta`` run the relevant tests this way and
  expect them to fail).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, settings
from sizes import SMALL, TINY  # noqa: F401  (re-exported for older imports)
from support import PLANT_ENV, PLANT_REPORT_ENV, planted_bugs

from sim import Params, run

#: Values of ``CI`` that mean "not in CI".
_CI_OFF = {"", "0", "false", "no", "off"}
CI_SKIP_MESSAGE = (
    "skipped under CI ({reason}): in CI every extra, Chromium and committed result must be "
    "present, so a skip would hide an untested path. Install what is missing (.ci/run does), "
    "or mark a skip that is legitimate even in CI with @pytest.mark.ci_may_skip(reason=...)."
)


#: Hypothesis draws the same examples every time where a run must be repeatable, and reports a
#: failure as found (no shrinking: only whether it fails matters): under mutation testing
#: (mutmut sets MUTANT_UNDER_TEST) and with a planted bug.
settings.register_profile(
    "repeatable",
    derandomize=True,
    database=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate],
)
if "MUTANT_UNDER_TEST" in os.environ or os.environ.get(PLANT_ENV):
    settings.load_profile("repeatable")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in _CI_OFF


def mean_summary(measure: str, seeds=range(4), **kwargs) -> float:
    """Mean of one end-of-run measure over several seeds (common random numbers)."""
    values = [run(Params(**kwargs), seed=s).summary_dict[measure] for s in seeds]
    return float(np.nanmean(values))


@pytest.fixture
def tiny() -> dict:
    return dict(TINY)


# --- markers -----------------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mutation: a fast test of the model core; make mutation runs these against each mutant",
    )
    config.addinivalue_line(
        "markers",
        "ci_may_skip(reason): this test may skip even under CI (say why it is legitimate)",
    )
    name = os.environ.get(PLANT_ENV)
    if name:
        planted_bugs().install(name, config, os.environ.get(PLANT_REPORT_ENV))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under mutation testing, the tests of one mutant run fastest first (mutmut runs them
    with -x), so a mutant that a quick test kills costs only that test."""
    if os.environ.get("MUTANT_UNDER_TEST", "") in ("", "stats", "fail", "list_all_tests"):
        return
    stats = Path("mutmut-stats.json")  # mutmut runs the tests in mutants/
    if stats.is_file():
        durations = json.loads(stats.read_text(encoding="utf-8"))["duration_by_test"]
        items.sort(key=lambda item: durations.get(item.nodeid, math.inf))


# --- no silent skips in CI ---------------------------------------------------------------------
def _skip_reason(longrepr) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _may_skip(item: pytest.Item | pytest.Collector) -> bool:
    return item.get_closest_marker("ci_may_skip") is not None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and in_ci() and not _may_skip(item):
        report.outcome = "failed"
        report.longrepr = CI_SKIP_MESSAGE.format(reason=_skip_reason(report.longrepr))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """A whole module skipped at collection (``pytest.importorskip`` at module level)."""
    report = yield
    if report.skipped and in_ci() and not _may_skip(collector):
        report.outcome = "failed"
        report.longrepr = CI_SKIP_MESSAGE.format(reason=_skip_reason(report.longrepr))
    return report
