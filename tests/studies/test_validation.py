"""The validation command runs end to end on tiny designs and writes the document with numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim.validation import (
    Pattern,
    bass_cumulative,
    check,
    fit_bass,
    fit_tipping,
    main,
    t_interval,
)

FIGURES = (
    "diffusion.png",
    "worse_before_better.png",
    "capability_trap.png",
    "commitment_tipping.png",
    "verdict_map.png",
    "replicates.png",
)


@pytest.fixture(scope="module")
def quick_doc(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    assert main(["--quick", "--out", str(out)]) == 0
    return out


def test_quick_validation_writes_every_figure(quick_doc):
    for name in FIGURES:
        png = quick_doc / "figures" / "validation" / name
        assert png.read_bytes()[:4] == b"\x89PNG", name


def test_quick_document_has_a_verdict_figure_and_numbers_per_pattern(quick_doc):
    text = (quick_doc / "validation.md").read_text()
    sections = re.split(r"\n## \d ", text)[1:]
    assert len(sections) == 5
    for section in sections:
        assert re.search(r"\*\*Verdict:\*\* \*\*(PASS|FAIL)\*\*", section)
        assert re.search(r"!\[[^]]+\]\(figures/validation/\w+\.png\)", section)
        assert re.search(r"\| -?\d+\.\d+", section)  # a table with numbers in it
    assert re.search(r"Chosen default: (\d+) replicates", text)
    verdict_map = sections[4]
    assert "(diagnostic) |" in verdict_map  # diagnostics are shown, but not judged
    assert "Bass" in text and "p=" in text and "q=" in text


def test_bass_fit_recovers_known_coefficients():
    years = np.arange(1, 16, dtype=float)
    fit = fit_bass(years, bass_cumulative(years, 0.03, 0.38))
    assert fit["p"] == pytest.approx(0.03, rel=1e-3) and fit["q"] == pytest.approx(0.38, rel=1e-3)
    assert fit["r2"] > 0.999 and 0 < fit["inflection_years"] < 15


def test_tipping_fit_measures_a_narrow_fall_as_narrow():
    x = np.linspace(0, 1, 21)
    sharp = fit_tipping(x, 1 / (1 + np.exp((x - 0.4) / 0.02)))
    gentle = 1 - x
    assert sharp["width"] < 0.15 and sharp["x0"] == pytest.approx(0.4, abs=0.02)
    assert fit_tipping(x, gentle)["width"] > 0.5


def test_t_interval_matches_the_textbook_formula():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    mean, half = t_interval(values)
    assert mean == pytest.approx(2.5)
    assert half == pytest.approx(3.182446 * values.std(ddof=1) / 2, rel=1e-5)


def test_a_failed_judged_criterion_fails_the_pattern_but_a_diagnostic_does_not():
    def pattern(*checks):
        return Pattern("k", "t", "e", "s", "f.png", pd.DataFrame(), list(checks))

    assert pattern(check("a", "1", True), check("b", "2", False, counts=False)).passed
    assert not pattern(check("a", "1", True), check("b", "2", False)).passed
