"""No silent skips in CI: tests/conftest.py turns a skip into a failure when CI is set.

Each case runs pytest (pytester) on a small test file under the project's own conftest.
"""

from __future__ import annotations

import pytest
from support import ROOT

pytest_plugins = ["pytester"]

CASES = """
import pytest

@pytest.fixture
def needs_chromium():
    pytest.skip("no Chromium")

@pytest.mark.skipif(True, reason="extra 'ray' not installed")
def test_skipif_marker():
    pass

def test_skip_in_the_test():
    pytest.importorskip("no_such_module_anywhere", reason="extra 'slurm'")

def test_skip_in_a_fixture(needs_chromium):
    pass

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_expected_failure():
    assert False

@pytest.mark.ci_may_skip(reason="only meaningful on Windows")
def test_legitimate_conditional_skip():
    pytest.skip("not on Windows")

def test_plain():
    pass
"""

MODULE_SKIP = """
import pytest
pytest.importorskip("no_such_module_anywhere", reason="committed results missing")

def test_never_collected():
    pass
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_cases=CASES, test_module_skip=MODULE_SKIP)
    return pytester


def test_under_ci_every_skip_fails_except_those_marked_legitimate(project, monkeypatch):
    monkeypatch.setenv("CI", "1")
    result = project.runpytest("-p", "no:cacheprovider", "-rA", "test_cases.py")
    # a skip at setup (a skipif marker, a fixture) is an error, in the test a failure
    result.assert_outcomes(passed=1, failed=1, errors=2, skipped=1, xfailed=1)
    text = result.stdout.str()
    for line in (
        "ERROR test_cases.py::test_skipif_marker - skipped under CI (extra 'ray' not installed)",
        "FAILED test_cases.py::test_skip_in_the_test - skipped under CI (extra 'slurm')",
        "ERROR test_cases.py::test_skip_in_a_fixture - skipped under CI (no Chromium)",
        "SKIPPED [1] test_cases.py:23: not on Windows",
    ):
        assert line in text, line


def test_under_ci_a_module_skipped_at_collection_is_an_error(project, monkeypatch):
    """pytest.importorskip at module level: the collection error stops the run, loudly."""
    monkeypatch.setenv("CI", "true")
    result = project.runpytest("-p", "no:cacheprovider", "test_module_skip.py")
    result.assert_outcomes(errors=1)
    assert "skipped under CI (committed results missing)" in result.stdout.str()


@pytest.mark.parametrize("ci", [None, "", "0", "false"])
def test_outside_ci_a_skip_is_a_skip(project, monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=5, xfailed=1)
