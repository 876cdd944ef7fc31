"""The model: builds the organization, wires the line and the programmes, and runs the week.

Weekly order (one step = one week; week 0 is the organization as built, before any lever):
 1. programmes act: positions and hiring, rotation, pilots end and start, coaches visit the
    managers who accept them, the line programme sets its funded time and duty;
 2. the week's inputs to the line are set: funded time, the duty in force, the escape hatch
    (from each function's visibility and the share of last week's effort it directed);
 3. managers update their load, stance and pressure (mechanisms 2-4, 6, 14);
 4. teams spend time improving, learn or forget, perform, and update ownership, cynicism and
    commitment (mechanisms 1, 3-7, 12, 13); managers' coaching skill grows or fades (11);
 5. programmes reflect: follow-ups, visibility, blame, specialists' morale, careers and quits,
    legitimacy, executive review, sunset (mechanisms 1, 8-10);
 6. the ledger books every kind of effort and the outcomes are collected.

Every random process has its own stream (``STREAMS``), so two strategies run with the same seed
share the draws of every process they share (common random numbers): the organization, the
teams' trials, the order of pilot candidates, quits, alumni placement, activation order.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import mechanisms as mech
from sim.line import Line, WeekInputs
from sim.office import Office
from sim.organization import OrgStructure, build_organization
from sim.params import Params
from sim.programme import LineProgramme

#: One random stream per process, in a fixed order (adding one at the end keeps the others).
STREAMS: tuple[str, ...] = (
    "organization",
    "trials",
    "pilots",
    "office_quits",
    "line_quits",
    "alumni",
    "order",
)

#: The ledger, FTE-weeks per week: the budget, every kind of effort, and where unspent budget
#: went. budget_available = office staff + line coaches + funded team time + pilot team time
#: + every unspent heading; duty-induced time is not from the budget (it is paid in output).
LEDGER: tuple[str, ...] = (
    "budget_available",
    "effort_office_staff",
    "effort_line_coaches",
    "effort_funded_team_time",
    "effort_pilot_team_time",
    "effort_duty_time",
    "budget_unspent_vacant",
    "budget_unspent_cut",
    "budget_unspent_unused",
    "budget_unspent_unallocated",
)
#: The headings that count as improvement effort (total effort, equal-effort comparisons).
EFFORT: tuple[str, ...] = tuple(h for h in LEDGER if h.startswith("effort_"))

#: Series columns that are means over teams, in the order _measure computes them.
TEAM_MEANS: tuple[str, ...] = (
    "adoption",
    "own_adoption",
    "capability",
    "own_capability",
    "borrowed_capability",
    "ownership",
    "commitment",
    "cynicism",
    "hatch",
    "improvement_time",
    "performance",
)

#: Columns of the per-week series, in order. See docs/ODD.md ("Observation") for definitions.
SERIES_COLUMNS: tuple[str, ...] = (
    *TEAM_MEANS,
    "pressure",
    "manager_load",
    "champions",
    "neutral",
    "resisting",
    "net_value",
    "cumulative_net_value",
    "pmo_active",
    "pmo_headcount",
    "pmo_morale",
    "pmo_legitimacy",
    "pmo_blame",
    "pmo_attrition",
    "pmo_presence",
    "pmo_staff_prospects",
    "pilots_running",
    "line_active",
    "line_coaches",
    "line_morale",
    "line_legitimacy",
    "line_blame",
    "line_attrition",
    "line_presence",
    "line_coach_prospects",
    "line_duty",
    *LEDGER,
    "effort_total",
    "own_improvement_time",
)


class LeanModel(mesa.Model):
    """Lean adoption in one organization under one improvement strategy."""

    def __init__(self, params: Params | None = None, seed: int = 0):
        params = params or Params()
        super().__init__(rng=seed)  # Mesa's own generators; the model draws from its streams
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self.streams = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAMS, children, strict=True)
        }
        self.params = params  # as given (what results are labelled with)
        self.p = params.effective()  # as the mechanisms see them: switches applied
        self.policy = params.policy
        self.seed = seed
        self.budget = params.budget_fte if self.policy.active else 0.0
        self.org: OrgStructure = build_organization(params, self.streams["organization"])
        self.line = Line(self.org, self.p, params.starting_capability, self.streams["trials"])
        self.office: Office | None = None
        self.line_programme: LineProgramme | None = None
        if self.policy.active:
            self.office = Office(self, self.streams["office_quits"])
            self.line_programme = LineProgramme(self, self.streams["line_quits"])
        self.programmes = [x for x in (self.office, self.line_programme) if x is not None]
        self.week_in = WeekInputs()
        self.ledger = dict.fromkeys(LEDGER, 0.0)
        self.cumulative_net_value = 0.0
        self.measures: dict[str, float] = {}
        self._team_rows = np.empty((len(TEAM_MEANS), params.n_teams))  # reused every week
        # one table row a week (Mesa's DataCollector tables: no per-value deep copies)
        self.datacollector = mesa.DataCollector(tables={"series": list(SERIES_COLUMNS)})
        self._measure()
        self.datacollector.add_table_row("series", self.measures)  # week 0: as built

    # --- the week ----------------------------------------------------------------------------
    def step(self) -> None:
        for programme in self.programmes:
            programme.act()
        self.week_in = self._week_inputs()
        self.line.update_managers(self.week_in, self.streams["order"])
        self.line.work(self.week_in)
        self.line.learn_coaching()
        for programme in self.programmes:
            programme.reflect()
        self._book()
        self._measure()
        self.datacollector.add_table_row("series", self.measures)

    def series(self):
        """The per-week measures so far, one row per week (week 0 first), as a DataFrame."""
        frame = self.datacollector.get_table_dataframe("series")
        frame.index.name = "week"
        return frame

    def _week_inputs(self) -> WeekInputs:
        """The line programme's funded time and duty, and the escape hatch every visible
        specialist function opens: its share of all the improvement work done last week (the
        programmes' booked effort plus the teams' own improvement time), what people have seen.
        """
        line_prog, p = self.line_programme, self.p
        active_line = line_prog is not None and line_prog.active
        total = sum(self.ledger[h] for h in EFFORT) + self.measures["own_improvement_time"]
        hatch = 0.0
        for programme in self.programmes:
            share = mech.takeover(programme.directed_effort(self.ledger), total)
            hatch += mech.escape_hatch(
                p.escape_hatch_strength, programme.visibility, programme.presence, share
            )
        return WeekInputs(
            funded=line_prog.funded if active_line else 0.0,
            duty=line_prog.duty if active_line else 0.0,
            hatch_team=hatch,
            hatch_manager=hatch,
        )

    # --- bookkeeping -------------------------------------------------------------------------
    def _book(self) -> None:
        """The week's ledger: each heading is what was actually spent or left unspent, with
        each programme's budget as it stood when its specialists worked this week."""
        line, size = self.line, self.p.team_size
        led = dict.fromkeys(LEDGER, 0.0)
        led["budget_available"] = self.params.budget_fte
        if not self.policy.active:
            led["budget_unspent_unallocated"] = self.params.budget_fte
        office, line_prog = self.office, self.line_programme
        if office is not None:
            week = office.week_budget
            if office.active or office.closed_week == self.steps:
                cost = office.cost_per_staff()
                pilot_spent = float(line.pilot_time.sum()) * size
                led["effort_office_staff"] = week["working"]
                led["effort_pilot_team_time"] = pilot_spent
                led["budget_unspent_vacant"] += (week["positions"] - week["working"]) * cost
                led["budget_unspent_unused"] += week["working"] * (cost - 1.0) - pilot_spent
                led["budget_unspent_cut"] += week["allotted"] - week["granted"]
            elif not self.policy.budget_to_line_after_pmo:
                led["budget_unspent_cut"] += office.allotted_budget()  # returned, not passed on
        if line_prog is not None:
            week = line_prog.week_budget
            if line_prog.active or line_prog.closed_week == self.steps:
                coaching = self.policy.line_coaching_share * week["granted"]
                funded = week["granted"] - coaching
                funded_spent = float(line.funded_used.sum()) * size
                led["effort_line_coaches"] = week["working"]
                led["effort_funded_team_time"] = funded_spent
                led["budget_unspent_vacant"] += coaching - week["working"]
                led["budget_unspent_unused"] += funded - funded_spent
                led["budget_unspent_cut"] += week["allotted"] - week["granted"]
            else:
                led["budget_unspent_cut"] += line_prog.allotted_budget()  # a closed programme
        led["effort_duty_time"] = float(line.induced.sum()) * size
        self.ledger = led

    def _measure(self) -> None:
        p, line, office, lp = self.p, self.line, self.office, self.line_programme
        n, m = line.n_teams, len(line.support)
        effective = line.effective
        gain = float((line.output - line.baseline).sum()) * p.team_size
        wages = self.ledger["effort_office_staff"] + self.ledger["effort_line_coaches"]
        net = gain - wages if self.steps > 0 else 0.0
        self.cumulative_net_value += net
        support, managers = line.support, line.line_managers
        champions = np.count_nonzero(support > 1.0 / 3.0) / m
        resisting = np.count_nonzero(support < -1.0 / 3.0) / m
        neutral = np.count_nonzero(np.abs(support) <= 1.0 / 3.0) / m
        # one reduction over the per-team measures (the weekly cost of observation)
        rows = self._team_rows
        np.greater_equal(effective, p.adoption_threshold, out=rows[0])
        np.greater_equal(line.own, p.adoption_threshold, out=rows[1])
        for i, values in enumerate(
            (
                effective,
                line.own,
                line.borrowed,
                line.ownership,
                line.commitment,
                line.cynicism,
                line.hatch,
                line.improvement,
                line.performance,
            ),
            start=2,
        ):
            rows[i] = values
        team_means = rows.sum(axis=1) / n
        self.measures = {
            **dict(zip(TEAM_MEANS, team_means.tolist(), strict=True)),
            "pressure": float(line.pressure[managers].mean()),
            "manager_load": float(line.load[managers].mean()),
            "champions": champions,
            "neutral": neutral,
            "resisting": resisting,
            "net_value": net,
            "cumulative_net_value": self.cumulative_net_value,
            **_programme_measures("pmo", office, self.steps),
            "pilots_running": float(line.in_pilot.sum()),
            **_programme_measures("line", lp, self.steps),
            "line_duty": self.week_in.duty,
            **self.ledger,
            "effort_total": float(sum(self.ledger[h] for h in EFFORT)),
            # the line's own improvement time (FTE): organic and committed, not a programme's
            "own_improvement_time": float(line.own_time.sum()) * p.team_size,
        }


def _programme_measures(prefix: str, programme, week: int) -> dict[str, float]:
    """A programme's measures; NaN where a measure does not apply (no programme, or none
    running, or no staff), 0 for counts of a programme that never existed."""
    people = "staff_prospects" if prefix == "pmo" else "coach_prospects"
    heads = "headcount" if prefix == "pmo" else "coaches"
    if programme is None or not programme.started:
        return {
            f"{prefix}_active": 0.0,
            f"{prefix}_{heads}": 0.0,
            f"{prefix}_morale": np.nan,
            f"{prefix}_legitimacy": np.nan,
            f"{prefix}_blame": 0.0,
            f"{prefix}_attrition": 0.0,
            f"{prefix}_presence": 0.0,
            f"{prefix}_{people}": np.nan,
        }
    running = week > 0 and programme.running()
    staffed = running and programme.staff.filled.any()
    s = programme.staff
    return {
        f"{prefix}_active": float(running),
        f"{prefix}_{heads}": s.headcount if running else 0.0,
        f"{prefix}_morale": float(s.morale[s.filled].mean()) if staffed else np.nan,
        f"{prefix}_legitimacy": float(programme.legitimacy) if running else np.nan,
        f"{prefix}_blame": float(programme.blame),
        f"{prefix}_attrition": float(s.attrition),
        f"{prefix}_presence": float(programme.presence),
        f"{prefix}_{people}": float(s.prospects[s.filled].mean()) if staffed else np.nan,
    }
