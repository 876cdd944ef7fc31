"""The ledger (LeanModel._book), heading by heading, against what the model's state says.

One budget pays for every lever; every week each heading must be what was actually spent or
left unspent, for the reason its name gives:

* the office's staff and the team time of their pilots cost exactly the office's granted
  budget: positions x cost per staff = granted, and what its working staff do not use in pilot
  time is "unused", what its vacancies do not cost is "vacant";
* the line programme's coaches and funded team time cost exactly its granted budget;
* what executives withdrew is "cut", a closed programme's budget is "cut" (returned) unless it
  goes to the line; the "none" strategy leaves the whole budget "unallocated";
* the duty's induced time is booked, and is not paid from the budget.

The scenarios are chosen so that each case happens (a cut, a closure, a sunset, a vacancy), and
the test says so, so that it cannot pass by not reaching them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sim import LeanModel, Params, run
from sim.model import EFFORT, LEDGER

pytestmark = pytest.mark.mutation

#: Executives lose trust within weeks (no claims, no sponsor credit): cuts, then closure.
DISTRUST = dict(
    legitimacy_base=0.0,
    claim_weight=0.0,
    sponsor_weight=0.0,
    legitimacy_weeks=4.0,
    review_weeks=4,
    cut_threshold=0.5,
    close_threshold=0.2,
)


@dataclass
class Spent:
    """What one programme had and spent this week, read from the state as the week ran."""

    active: bool
    closed_this_week: bool
    allotted: float
    granted: float
    positions: float
    working: float
    vacant: float


def programme_state(programme) -> Spent | None:
    if programme is None:
        return None
    s = programme.staff
    return Spent(
        active=programme.active,
        closed_this_week=False,
        allotted=programme.allotted_budget(),
        granted=programme.granted(),
        positions=s.positions_fte,
        working=s.headcount,
        vacant=s.vacant_fte,
    )


def watch(model: LeanModel) -> dict[str, Spent | None]:
    """Read each programme's budget and staff every week just after it acts, i.e. while its
    specialists work (quits, cuts and closures at review come later in the week)."""
    spent: dict[str, Spent | None] = {"office": None, "line": None}
    for name, programme in (("office", model.office), ("line", model.line_programme)):
        if programme is None:
            continue

        def act(programme=programme, name=name, original=programme.act):
            original()
            spent[name] = programme_state(programme)

        programme.act = act
    return spent


def week(model: LeanModel, spent: dict[str, Spent | None]) -> None:
    model.step()
    for name, programme in (("office", model.office), ("line", model.line_programme)):
        if spent[name] is not None and spent[name].active and not programme.active:
            spent[name].closed_this_week = True


def expected_ledger(model: LeanModel, spent: dict[str, Spent | None]) -> dict[str, float]:
    """Each heading from its definition and the state (not from LeanModel._book)."""
    p, policy, line = model.p, model.policy, model.line
    led = dict.fromkeys(LEDGER, 0.0)
    led["budget_available"] = model.params.budget_fte
    if not policy.active:
        led["budget_unspent_unallocated"] = model.params.budget_fte
    led["effort_duty_time"] = line.induced.sum() * p.team_size
    office = spent["office"]
    if office is not None:
        if office.active:
            cost = model.office.cost_per_staff()
            led["effort_office_staff"] = office.working
            led["effort_pilot_team_time"] = line.pilot_time.sum() * p.team_size
            led["budget_unspent_vacant"] += office.vacant * cost
            # the time the working staff's budget pays for pilots, less what pilots used
            led["budget_unspent_unused"] += (
                office.working * (cost - 1.0) - led["effort_pilot_team_time"]
            )
            led["budget_unspent_cut"] += office.allotted - office.granted
        elif not policy.budget_to_line_after_pmo:
            led["budget_unspent_cut"] += policy.pmo_share * model.budget
    lp = spent["line"]
    if lp is not None:
        if lp.active:
            coaching = policy.line_coaching_share * lp.granted
            led["effort_line_coaches"] = lp.working
            led["effort_funded_team_time"] = line.funded_used.sum() * p.team_size
            led["budget_unspent_vacant"] += lp.vacant
            led["budget_unspent_unused"] += lp.granted - coaching - led["effort_funded_team_time"]
            led["budget_unspent_cut"] += lp.allotted - lp.granted
        else:
            led["budget_unspent_cut"] += lp.allotted
    return led


def run_weeks(weeks: int, seed: int = 1, **kw):
    """Yield (model, ledger, spent) for every week of a run."""
    model = LeanModel(Params(**kw), seed=seed)
    spent = watch(model)
    for _ in range(weeks):
        week(model, spent)
        yield model, model.ledger, spent


SCENARIOS = {
    "none": dict(strategy="none"),
    "centralized": dict(strategy="centralized", hiring_weeks=2, attrition_base=0.05),
    "centralized, cut and closed, budget returned": dict(strategy="centralized", **DISTRUST),
    "centralized, closed, budget to the line": dict(
        strategy="centralized", budget_to_line_after_pmo=True, **DISTRUST
    ),
    "embedded, cut and closed": dict(strategy="embedded", **DISTRUST),
    "embedded, coaches quit and are replaced": dict(
        strategy="embedded", attrition_base=0.1, hiring_weeks=3
    ),
    "hybrid, sunset at week 20": dict(strategy="hybrid", sunset_week=20, career_trap=False),
    "product": dict(strategy="product", resistance=0.2),
    "mixed office and line": dict(strategy="hybrid", pmo_share=0.4, coach_share=0.25),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_heading_is_what_was_spent_week_by_week(name):
    seen = set()
    for model, ledger, spent in run_weeks(60, n_teams=48, **SCENARIOS[name]):
        expected = expected_ledger(model, spent)
        for heading in LEDGER:
            assert ledger[heading] == pytest.approx(expected[heading], abs=1e-9), (
                name,
                model.steps,
                heading,
            )
            assert ledger[heading] >= -1e-9, (heading, ledger[heading])
        booked = sum(ledger[h] for h in LEDGER if h not in ("budget_available", "effort_duty_time"))
        assert booked == pytest.approx(ledger["budget_available"])
        assert model.measures["effort_total"] == pytest.approx(sum(ledger[h] for h in EFFORT))
        for heading, value in ledger.items():
            if value > 1e-9:
                seen.add(heading)
        for label, s in spent.items():
            if s is not None and s.closed_this_week:
                seen.add(f"{label} closed")
            if s is not None and s.active and s.granted < s.allotted - 1e-9:
                seen.add(f"{label} cut")
    required = {
        "none": {"budget_unspent_unallocated"},
        "centralized": {"effort_office_staff", "effort_pilot_team_time", "budget_unspent_vacant"},
        "centralized, cut and closed, budget returned": {"office cut", "office closed"},
        "centralized, closed, budget to the line": {"office closed", "effort_funded_team_time"},
        "embedded, cut and closed": {"line cut", "line closed", "effort_duty_time"},
        "embedded, coaches quit and are replaced": {"budget_unspent_vacant"},
        "hybrid, sunset at week 20": {"office closed", "effort_line_coaches"},
        "product": {"effort_pilot_team_time", "budget_unspent_unused"},
        "mixed office and line": {"effort_office_staff", "effort_line_coaches"},
    }[name]
    assert required <= seen, required - seen


def test_office_staff_and_their_pilots_cost_exactly_the_office_budget():
    """Positions are what the granted budget pays: one staff FTE costs its own time plus the
    team time of the pilots it runs. No more staff than the budget pays, and never more spent
    than the office's share, whatever the cuts."""
    p = Params(strategy="centralized", n_teams=60, hiring_weeks=3, **DISTRUST)
    cost = 1.0 + p.pilots_per_staff * (1.0 - p.policy.coach_share) * p.pilot_time * p.team_size
    share = p.policy.pmo_share * p.budget_fte
    model, cuts = LeanModel(p, seed=3), 0
    spent = watch(model)
    for _ in range(40):
        week(model, spent)
        ledger, office = model.ledger, spent["office"]
        if not office.active:
            break
        assert model.office.cost_per_staff() == pytest.approx(cost)
        assert office.positions * cost == pytest.approx(office.granted)
        assert office.working <= office.positions + 1e-9
        staff_and_pilots = ledger["effort_office_staff"] + ledger["effort_pilot_team_time"]
        assert staff_and_pilots <= office.granted + 1e-9 <= share + 2e-9
        assert ledger["effort_office_staff"] * cost <= office.granted + 1e-9
        cuts += office.granted < office.allotted
    assert cuts > 0 and model.office.closed_week is not None


def test_line_coaches_and_funded_time_cost_exactly_the_line_budget():
    kw = dict(strategy="embedded", n_teams=48, line_coaching_share=0.25, team_size=4)
    for model, ledger, spent in run_weeks(30, **kw):
        lp = spent["line"]
        assert lp.positions == pytest.approx(0.25 * lp.granted)
        assert model.line_programme.funded_budget() == pytest.approx(0.75 * lp.granted)
        # funded time per team is the funded budget over every team's people
        assert model.line_programme.funded == pytest.approx(0.75 * lp.granted / (48 * 4))
        assert ledger["effort_funded_team_time"] <= 0.75 * lp.granted + 1e-9
        assert ledger["effort_line_coaches"] == pytest.approx(lp.working)


def test_the_run_totals_are_the_weekly_headings_summed_from_week_1():
    r = run(Params(strategy="hybrid", n_teams=48, weeks=30), seed=2)
    s, series = r.summary_dict, r.series
    assert (series.loc[0, list(EFFORT)] == 0).all()  # week 0: no lever yet
    for heading in LEDGER:
        assert s[f"total_{heading}"] == pytest.approx(series[heading].iloc[1:].sum())
    funded = [h for h in EFFORT if h != "effort_duty_time"]
    assert s["total_budget_spent"] == pytest.approx(series[funded].iloc[1:].sum().sum())
    assert s["total_effort"] == pytest.approx(series["effort_total"].iloc[1:].sum())
    assert s["total_effort"] > s["total_budget_spent"] > 0  # the duty's time is effort too


def test_after_a_cut_the_office_spends_no_more_than_its_granted_budget():
    kw = dict(strategy="centralized", n_teams=24, team_size=2, budget_fte_per_100_teams=6.0)
    cut = False
    for model, ledger, spent in run_weeks(30, seed=0, power_distance=0.0, **kw, **DISTRUST):
        office = spent["office"]
        cut |= office.active and office.granted < office.allotted
        if office.active:
            used = ledger["effort_office_staff"] + ledger["effort_pilot_team_time"]
            assert used <= office.granted + 1e-9, (model.steps, used, office.granted)
        assert ledger["budget_unspent_unused"] >= -1e-9, model.steps
    assert cut
