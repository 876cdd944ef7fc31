"""End-of-run measures (sim.outcomes) on a made-up series whose answers are known.

Every series column is a simple function of the week, so each measure (the last value, the mean
of the last year, the value at two years, the first week at 50%, totals from week 1) can be
checked by hand, and so can the NaN rules of the module doc.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import Params
from sim.model import LEDGER, SERIES_COLUMNS
from sim.outcomes import (
    FOLLOW_UPS,
    PILOT_COLUMNS,
    first_week_at_or_above,
    pilots_frame,
    summarize,
)

pytestmark = pytest.mark.mutation

WEEKS = 200


def series(weeks: int = WEEKS) -> pd.DataFrame:
    """Each column its own simple function of the week w (0..weeks)."""
    w = np.arange(weeks + 1, dtype=float)
    frame = pd.DataFrame({c: np.full(weeks + 1, 0.25) for c in SERIES_COLUMNS}, index=w.astype(int))
    frame["adoption"] = w / weeks  # reaches 0.5 at weeks / 2
    frame["own_adoption"] = w / (2 * weeks)
    frame["capability"], frame["own_capability"] = 0.6, 0.4
    frame["ownership"], frame["performance"] = 0.7, 1.1
    frame["cumulative_net_value"] = 3.0 * w
    frame["champions"], frame["neutral"], frame["resisting"] = 0.5, 0.3, 0.2
    frame["pmo_headcount"] = np.where(w < 50, w / 10, 0.0)
    frame["pmo_morale"] = np.where(w < 50, 0.6, np.nan)
    frame["pmo_legitimacy"] = np.where(w < 50, 0.4, np.nan)
    frame["pmo_blame"], frame["pmo_attrition"] = 0.1, w // 20
    frame["pmo_staff_prospects"] = np.where(w < 50, 0.9, np.nan)
    frame["line_legitimacy"], frame["line_blame"], frame["line_attrition"] = 0.8, 0.05, 3.0
    frame["cynicism"], frame["hatch"] = 0.15, np.where(w == 0, 9.0, 0.2)
    for i, heading in enumerate(LEDGER):
        frame[heading] = np.where(w == 0, 100.0, float(i + 1))  # week 0 must not count
    frame["effort_total"] = np.where(w == 0, 100.0, 2.0)
    frame.index.name = "week"
    return frame


def no_pilots() -> pd.DataFrame:
    return pilots_frame([], 0.02)


INFO_NONE = {"had_pmo": False, "closed_week": None, "had_line_programme": False}


def test_pilots_frame_marks_sustained_pilots_and_leaves_unreached_follow_ups_nan():
    base = {
        "team": 3,
        "staff": 1,
        "start": 10,
        "end": 36.0,
        "ended_early": False,
        "handover": 0.3,
        "arm": 0,
        "performance_before": 1.0,
        "own_capability_before": 0.2,
    }
    follow = {f"performance_{t}": np.nan for t in FOLLOW_UPS}
    follow |= {f"own_capability_{t}": np.nan for t in FOLLOW_UPS}
    follow |= {"performance_13w": 1.03, "performance_26w": 1.02, "performance_39w": 1.01}
    frame = pilots_frame([base | follow], margin=0.02)
    assert list(frame.columns) == list(PILOT_COLUMNS)
    row = frame.iloc[0]
    assert row["sustained_13w"] == 1.0 and row["sustained_26w"] == 0.0
    assert row["sustained_39w"] == 0.0 and np.isnan(row["sustained_1y"])
    kinds = {c: frame[c].dtype.kind for c in ("team", "staff", "start", "ended_early", "arm")}
    assert kinds == {"team": "i", "staff": "i", "start": "i", "ended_early": "b", "arm": "i"}
    assert list(no_pilots().columns) == list(PILOT_COLUMNS) and no_pilots().empty


def test_first_week_at_or_above_is_censored_when_never_reached():
    s = pd.Series([0.1, 0.3, 0.5, 0.7], index=[0, 1, 2, 3])
    assert first_week_at_or_above(s, 0.5) == 2.0 and first_week_at_or_above(s, 0.3) == 1.0
    assert np.isnan(first_week_at_or_above(s, 0.8))
    assert first_week_at_or_above(pd.Series([0.9], index=[7]), 0.5) == 7.0


def test_levels_at_the_end_at_two_years_and_over_the_last_year():
    out = summarize(Params(weeks=WEEKS), series(), no_pilots(), INFO_NONE)
    assert out["adoption"] == 1.0 and out["own_adoption"] == 0.5
    last_year = np.arange(WEEKS - 51, WEEKS + 1) / (2 * WEEKS)
    assert out["sustained_adoption"] == pytest.approx(last_year.mean())
    assert out["adoption_2y"] == pytest.approx(104 / WEEKS)
    assert out["own_adoption_2y"] == pytest.approx(104 / (2 * WEEKS))
    assert (out["capability"], out["own_capability"]) == (0.6, 0.4)
    assert (out["ownership"], out["performance"], out["cynicism"]) == (0.7, 1.1, 0.15)
    assert out["net_value"] == 3.0 * WEEKS
    assert out["time_to_50"] == WEEKS / 2
    assert (out["champions"], out["neutral"], out["resisting"]) == (0.5, 0.3, 0.2)
    assert out["mean_hatch"] == pytest.approx(0.2)  # week 0 left out


def test_a_short_run_takes_its_last_week_for_two_years_and_all_weeks_for_the_last_year():
    out = summarize(Params(weeks=40), series(40), no_pilots(), INFO_NONE)
    assert out["adoption_2y"] == 1.0
    assert out["sustained_adoption"] == pytest.approx((np.arange(41) / 80).mean())
    one = summarize(Params(weeks=1), series(1).iloc[:1], no_pilots(), INFO_NONE)
    assert one["mean_hatch"] == 0.0


def test_the_ledger_totals_run_from_week_1():
    out = summarize(Params(weeks=WEEKS), series(), no_pilots(), INFO_NONE)
    for i, heading in enumerate(LEDGER):
        assert out[f"total_{heading}"] == pytest.approx((i + 1) * WEEKS), heading
    index = {h: i + 1 for i, h in enumerate(LEDGER)}
    spent = sum(index[h] for h in LEDGER[1:5]) * WEEKS  # staff, coaches, funded, pilot time
    assert LEDGER[1:5] == (
        "effort_office_staff",
        "effort_line_coaches",
        "effort_funded_team_time",
        "effort_pilot_team_time",
    )
    assert out["total_budget_spent"] == pytest.approx(spent)
    assert out["total_effort"] == pytest.approx(2.0 * WEEKS)
    assert "total_effort_total" not in out


def test_without_an_office_its_measures_are_nan():
    out = summarize(Params(weeks=WEEKS), series(), no_pilots(), INFO_NONE)
    for key in (
        "pmo_peak_headcount",
        "pmo_lifetime_weeks",
        "pmo_closed",
        "pmo_mean_morale",
        "pmo_mean_legitimacy",
        "pmo_mean_blame",
        "pmo_attrition",
        "pmo_staff_prospects",
        "pilots",
        "pilot_sustained_1y",
        "pilot_sustained_2y",
        "own_adoption_after_pmo",
        "line_programme_closed",
        "line_mean_legitimacy",
        "line_mean_blame",
        "line_attrition",
    ):
        assert np.isnan(out[key]), key
    assert out["pmo_end_reason"] == ""


def test_an_office_that_closed_is_measured_and_so_is_own_adoption_a_year_later():
    info = {
        "had_pmo": True,
        "closed_week": 50,
        "closed_reason": "sunset",
        "had_line_programme": True,
        "line_closed_week": None,
    }
    out = summarize(Params(weeks=WEEKS), series(), no_pilots(), info)
    assert out["pmo_peak_headcount"] == pytest.approx(4.9)
    assert out["pmo_lifetime_weeks"] == 50.0 and out["pmo_closed"] == 1.0
    assert out["pmo_end_reason"] == "sunset"
    assert out["pmo_mean_morale"] == pytest.approx(0.6)
    assert out["pmo_mean_legitimacy"] == pytest.approx(0.4)
    assert out["pmo_mean_blame"] == pytest.approx(0.1)
    assert out["pmo_attrition"] == WEEKS // 20
    assert out["pmo_staff_prospects"] == pytest.approx(0.9)
    assert out["pilots"] == 0.0 and np.isnan(out["pilot_sustained_1y"])
    assert out["own_adoption_after_pmo"] == pytest.approx((50 + 52) / (2 * WEEKS))
    assert out["line_programme_closed"] == 0.0
    assert out["line_mean_legitimacy"] == pytest.approx(0.8)
    assert out["line_mean_blame"] == pytest.approx(0.05)
    assert out["line_attrition"] == 3.0


def test_an_office_open_to_the_end_or_closed_too_late_has_no_after_measure():
    info = {"had_pmo": True, "closed_week": None, "had_line_programme": True}
    out = summarize(Params(weeks=WEEKS), series(), no_pilots(), info | {"line_closed_week": 9})
    assert out["pmo_lifetime_weeks"] == WEEKS and out["pmo_closed"] == 0.0
    assert np.isnan(out["own_adoption_after_pmo"]) and out["line_programme_closed"] == 1.0

    def after(closed_week):
        info_closed = info | {"closed_week": closed_week}
        return summarize(Params(weeks=WEEKS), series(), no_pilots(), info_closed)[
            "own_adoption_after_pmo"
        ]

    assert np.isnan(after(WEEKS - 51)) and after(WEEKS - 52) == pytest.approx(0.5)


def test_pilot_measures_are_shares_of_the_pilots_followed_that_far():
    records = []
    for perf_1y, perf_2y in ((1.05, 1.01), (1.0, np.nan), (1.03, 1.04)):
        rec = {c: np.nan for c in PILOT_COLUMNS if not c.startswith("sustained")}
        rec |= {"team": 0, "staff": 0, "start": 0, "ended_early": False, "arm": 0}
        rec |= {"performance_before": 1.0, "performance_1y": perf_1y, "performance_2y": perf_2y}
        records.append(rec)
    pilots = pilots_frame(records, 0.02)
    info = {"had_pmo": True, "closed_week": None}
    out = summarize(Params(weeks=WEEKS), series(), pilots, info)
    assert out["pilots"] == 3.0
    assert out["pilot_sustained_1y"] == pytest.approx(2 / 3)
    assert out["pilot_sustained_2y"] == pytest.approx(1 / 2)
    assert np.isnan(out["line_mean_blame"])  # no line programme


def test_the_mean_escape_hatch_leaves_out_week_0_only():
    frame = series(3)
    frame["hatch"] = [9.0, 0.5, 0.1, 0.1]
    out = summarize(Params(weeks=3), frame, no_pilots(), INFO_NONE)
    assert out["mean_hatch"] == pytest.approx(0.7 / 3)
    two = summarize(Params(weeks=1), frame.iloc[:2], no_pilots(), INFO_NONE)
    assert two["mean_hatch"] == pytest.approx(0.5)
