"""End-of-run measures, defined the same way for every strategy.

A summary that does not apply is NaN, never a made-up 0; what each NaN means:
- ``time_to_50``: adoption never reached 50% before the horizon (censored);
- ``pmo_*``: the strategy has no office (or it never had staff);
- ``pilot_sustained_*``: no pilot had reached that age by the horizon;
- ``own_adoption_after_pmo``: the office was never dissolved, or dissolved less than a year
  before the horizon (censored).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.mechanisms import WEEKS_PER_YEAR
from sim.params import Params

#: Ages (weeks since a pilot started) at which each pilot's team is followed up. "1y" and
#: "2y" are the brief's sustainment measures; the others trace the decay in between.
FOLLOW_UPS: dict[str, int] = {"13w": 13, "26w": 26, "39w": 39, "1y": 52, "78w": 78, "2y": 104}

PILOT_COLUMNS: tuple[str, ...] = (
    "team",
    "staff",
    "start",
    "end",
    "ended_early",
    "handover",
    "arm",
    "performance_before",
    "own_capability_before",
    *(f"performance_{tag}" for tag in FOLLOW_UPS),
    *(f"own_capability_{tag}" for tag in FOLLOW_UPS),
    *(f"sustained_{tag}" for tag in FOLLOW_UPS),
)


def pilots_frame(records: list[dict], margin: float) -> pd.DataFrame:
    """Per-pilot records; a pilot is *sustained* when its team performs above its own pre-pilot
    level by the margin (NaN where the follow-up lies beyond the horizon)."""
    df = pd.DataFrame(records, columns=[c for c in PILOT_COLUMNS if not c.startswith("sust")])
    for tag in FOLLOW_UPS:
        perf = df[f"performance_{tag}"]
        df[f"sustained_{tag}"] = np.where(
            perf.isna(), np.nan, (perf > df["performance_before"] + margin).astype(float)
        )
    return df.astype({"team": int, "staff": int, "start": int, "ended_early": bool, "arm": int})


def first_week_at_or_above(series: pd.Series, level: float) -> float:
    hit = np.flatnonzero(series.to_numpy() >= level)
    return float(series.index[hit[0]]) if len(hit) else np.nan


def summarize(
    params: Params, series: pd.DataFrame, pilots: pd.DataFrame, pmo_info: dict
) -> dict[str, float | str]:
    """End-of-run measures of one run (see the module docstring for each NaN's meaning)."""
    last = series.iloc[-1]
    last_year = series.iloc[-min(WEEKS_PER_YEAR, len(series)) :]
    at_2y = series.iloc[min(2 * WEEKS_PER_YEAR, len(series) - 1)]
    has_pmo = pmo_info["had_pmo"]
    closed = pmo_info["closed_week"]
    has_line = pmo_info.get("had_line_programme", False)
    after = np.nan
    if closed is not None and closed + WEEKS_PER_YEAR <= params.weeks:
        after = float(series.loc[closed + WEEKS_PER_YEAR, "own_adoption"])
    ledger = {
        c: float(series[c].iloc[1:].sum())
        for c in series.columns
        if c.startswith(("budget_", "effort_")) and c != "effort_total"
    }
    spent = sum(
        ledger[c]
        for c in (
            "effort_office_staff",
            "effort_line_coaches",
            "effort_funded_team_time",
            "effort_pilot_team_time",
        )
    )
    return {
        "adoption": float(last["adoption"]),
        "own_adoption": float(last["own_adoption"]),
        "sustained_adoption": float(last_year["own_adoption"].mean()),
        "adoption_2y": float(at_2y["adoption"]),
        "own_adoption_2y": float(at_2y["own_adoption"]),
        "capability": float(last["capability"]),
        "own_capability": float(last["own_capability"]),
        "ownership": float(last["ownership"]),
        "performance": float(last["performance"]),
        "net_value": float(last["cumulative_net_value"]),
        "time_to_50": first_week_at_or_above(series["adoption"], 0.5),
        "champions": float(last["champions"]),
        "neutral": float(last["neutral"]),
        "resisting": float(last["resisting"]),
        "pmo_peak_headcount": float(series["pmo_headcount"].max()) if has_pmo else np.nan,
        "pmo_lifetime_weeks": (
            float(closed if closed is not None else params.weeks) if has_pmo else np.nan
        ),
        "pmo_closed": float(closed is not None) if has_pmo else np.nan,
        # why the office ended: "sunset" or "closed by executives"; "" if it
        # lasted to the horizon or there was none
        "pmo_end_reason": pmo_info.get("closed_reason", ""),
        "pmo_mean_morale": float(series["pmo_morale"].mean()) if has_pmo else np.nan,
        "pmo_mean_legitimacy": float(series["pmo_legitimacy"].mean()) if has_pmo else np.nan,
        "pmo_mean_blame": float(series["pmo_blame"].mean()) if has_pmo else np.nan,
        "pmo_attrition": float(last["pmo_attrition"]) if has_pmo else np.nan,
        "pmo_staff_prospects": float(series["pmo_staff_prospects"].mean()) if has_pmo else np.nan,
        "pilots": float(len(pilots)) if has_pmo else np.nan,
        "pilot_sustained_1y": float(pilots["sustained_1y"].mean()) if len(pilots) else np.nan,
        "pilot_sustained_2y": float(pilots["sustained_2y"].mean()) if len(pilots) else np.nan,
        "own_adoption_after_pmo": after,
        "cynicism": float(last["cynicism"]),
        "mean_hatch": float(series["hatch"].iloc[1:].mean()) if len(series) > 1 else 0.0,
        "line_programme_closed": (
            float(pmo_info.get("line_closed_week") is not None) if has_line else np.nan
        ),
        "line_mean_legitimacy": float(series["line_legitimacy"].mean()) if has_line else np.nan,
        "line_mean_blame": float(series["line_blame"].mean()) if has_line else np.nan,
        "line_attrition": float(last["line_attrition"]) if has_line else np.nan,
        **{f"total_{k}": v for k, v in ledger.items()},
        "total_budget_spent": spent,
        "total_effort": float(series["effort_total"].iloc[1:].sum()),
    }
