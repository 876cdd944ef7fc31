"""The arithmetic of each mechanism, as small pure functions over numpy arrays.

Each function is one causal step of the model brief or of its "fair fight" rules, named as a
modeller would name it, with its source. They know nothing of Mesa, of the model object or of
strategy names: they take structures (who touched a team, how visible a function is, how much
time a mandate asks) and return numbers, so each can be tested alone. The line
(``sim.line``) and the programmes (``sim.programme``, ``sim.office``) call them; the registry
(``sim.registry``) says which parameters switch each one off. Rates are per week; shares and
levels lie in [0, 1]; manager stance ("support") lies in [-1, 1] (active opponent .. champion).
"""

from __future__ import annotations

import numpy as np

#: One step is one week; the one home of this constant for the whole project.
WEEKS_PER_YEAR = 52


def subtree_operator(ancestors: np.ndarray, n_managers: int):
    """A sparse (managers x teams) matrix whose product with a per-team value is each manager's
    mean over their part of the tree: a manager sees the teams below them, however deep
    (directors watch their whole division). ``ancestors[L]`` is each team's manager at level L.
    Built once per organization; one product then serves any number of per-team values."""
    from scipy.sparse import csr_matrix

    depth, n_teams = ancestors.shape
    rows = ancestors.ravel()
    cols = np.tile(np.arange(n_teams), depth)
    counts = np.bincount(rows, minlength=n_managers).astype(float)
    weights = 1.0 / np.maximum(counts[rows], 1.0)
    matrix = csr_matrix((weights, (rows, cols)), shape=(n_managers, n_teams))
    # small organizations: a dense matrix multiplies faster than scipy's sparse dispatch
    return matrix.toarray() if n_managers * n_teams <= 250_000 else matrix


def unit(x):
    """Clip to [0, 1]. (Two ufuncs: ``np.clip``'s Python wrapper costs more than the arithmetic
    at this model's array sizes, and this runs tens of thousands of times a run.)"""
    return np.minimum(np.maximum(x, 0.0), 1.0)


def ema(current: np.ndarray | float, target: np.ndarray | float, weeks: float):
    """First-order adjustment towards ``target`` with a time constant of ``weeks``."""
    return current + (target - current) / weeks


# --- 2 prestige threat, 3 power distance, 4 bandwagon, 14 overload: a manager's stance -------


def manager_opposition(
    resistance: np.ndarray, prestige: np.ndarray, power_distance: float, prestige_weight: float
) -> np.ndarray:
    """How much a manager has against Lean: own resistance plus the threatened prestige stake.

    Lean flattens hierarchy, so status resting on seniority and rank is at stake; the threat
    weighs more where power distance is high (the essay; Emiliani's "classical management").
    ``prestige_weight = 0`` switches the prestige threat off.
    """
    return resistance + prestige_weight * prestige * power_distance


def stance_target(
    *,
    results: np.ndarray,
    peer_adoption: np.ndarray,
    parent_support: np.ndarray,
    coaching_skill: np.ndarray,
    opposition: np.ndarray,
    duty: np.ndarray | float,
    escape_hatch: np.ndarray | float,
    overload: np.ndarray | float,
    power_distance: float,
    openness: float,
    evidence_weight: float,
    bandwagon_weight: float,
    follow_weight: float,
    duty_weight: float,
    coaching_weight: float,
    overload_weight: float,
    result_scale: float,
) -> np.ndarray:
    """The stance (support, -1..1) a manager moves towards this week.

    Drivers: results seen in their own part of the tree (saturating: a clear result, of
    ``result_scale``, counts almost fully); peers' adoption (bandwagon,
    Abrahamson & Rosenkopf 1993); their superior's stance, followed more in high power distance
    (Hofstede); a line duty as far as it is enacted in their unit (``duty``, 0..1: see
    enacted_duty); coaching they received; minus their opposition,
    minus the "escape hatch" (improvement is the specialists' job, not mine) and minus overload
    (a programme's load on a manager under pressure). Favourable signals are discounted by the
    manager's own opposition (clipped to [0, 1]): resistance to change is also a filter on
    evidence.
    """
    opposition_share = unit(opposition)
    favourable = (
        evidence_weight * np.tanh(results / result_scale)
        + bandwagon_weight * peer_adoption
        + duty_weight * duty
        + coaching_weight * coaching_skill
    )
    drive = (
        openness
        + (1.0 - opposition_share) * favourable
        + follow_weight * power_distance * parent_support
        - escape_hatch
        - overload_weight * overload
    )
    return np.tanh(2.0 * (drive - opposition))


def manager_load(
    line_duty: float,
    pilot_share: np.ndarray,
    coached: np.ndarray,
    duty_load: float,
    pilot_load: float,
    coaching_load: float,
) -> np.ndarray:
    """The time a programme asks of a manager, 0..~1 (mechanism 14).

    A duty asks every manager to run improvement routines; sponsoring pilots in their unit
    (``pilot_share``: share of their teams in a pilot) and being coached take time too. Every
    programme loads managers through the same three channels, so none is free.
    """
    return duty_load * line_duty + pilot_load * pilot_share + coaching_load * coached


def overload(load: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Load that hurts: the same load weighs more on a manager under performance pressure."""
    return load * pressure


# --- acceptance: a manager lets specialists in (pilots and coaching alike) ------------------


def acceptance(
    gatekeeper_support: np.ndarray,
    sponsor_support: np.ndarray,
    power_distance: float,
    refusal_stance: float,
) -> np.ndarray:
    """How far a team or manager works with specialists who have no line authority (mech. 3).

    The same rule gates a pilot (gatekeeper: the team's line manager) and coaching (gatekeeper:
    the coached manager). A gatekeeper whose stance is below ``refusal_stance`` refuses: no
    engagement at all. Otherwise, in low power distance people engage on their own; in high
    power distance only as far as the sponsors (gatekeeper and top executive) back the work.
    ``refusal_stance = -1`` means nobody refuses.
    """
    engaged = (1.0 - power_distance) + power_distance * np.maximum(sponsor_support, 0.0)
    return np.where(gatekeeper_support < refusal_stance, 0.0, engaged)


# --- 6 capability trap: pressure and the time spent improving --------------------------------


def pressure_target(shortfall: np.ndarray, base_pressure: float, sensitivity: float) -> np.ndarray:
    """Performance pressure a manager puts on their teams: rises with the output shortfall.

    Repenning & Sterman (2001): a gap between desired and actual output makes managers push
    for "working harder" (more production time) rather than "working smarter".
    """
    return unit(base_pressure + sensitivity * np.maximum(shortfall, 0.0))


def improvement_time(
    *,
    commitment: np.ndarray,
    manager_support: np.ndarray,
    pressure: np.ndarray,
    funded: np.ndarray,
    pilot: np.ndarray,
    duty: float,
    compliance: np.ndarray | float,
    base_time: float,
    extra_time: float,
    max_time: float,
    block_strength: float,
    pressure_cut: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A team's improvement time this week, by kind: (pilot, funded, own, induced).

    * pilot: protected time of a pilot (paid by the office; already scaled by acceptance);
    * funded: protected improvement time paid by the line's budget (already scaled by the same
      acceptance rule as a pilot: a manager who refuses help diverts it to production);
    * own: the team's own drive, rising with commitment, blocked by an opposing manager and cut
      under pressure ("work harder", mechanism 6; ``pressure_cut = 0`` switches the trap off);
    * induced: what a line duty adds on top of the team's own drive to reach the time it asks
      (``duty``, a share of time), as far as the team complies (``compliance``: cynical teams
      comply less, mechanism 13). It is unfunded (paid in output) and unprotected: pressure
      and an opposing manager cut it like the team's own time. A team that already improves
      that much is asked for nothing more.

    The total never exceeds ``max_time``; kinds are filled in the order above, so time beyond
    the cap is neither spent nor booked.
    """
    block = 1.0 - block_strength * np.maximum(-manager_support, 0.0)
    cut = 1.0 - pressure_cut * pressure
    room = np.full_like(commitment, max_time)
    pilot_used = np.minimum(pilot, room)
    room = room - pilot_used
    funded_used = np.minimum(funded, room)
    room = room - funded_used
    own = np.minimum((base_time + extra_time * commitment) * block * cut, room)
    room = room - own
    asked = duty * compliance * block * cut
    induced = np.minimum(np.maximum(asked - own, 0.0), room)
    return pilot_used, funded_used, own, induced


def enacted_duty(
    duty_time_asked: float, own: np.ndarray, induced: np.ndarray, full_time: float
) -> np.ndarray:
    """How much of a line duty is real in a team, 0..1: the improvement time that counts towards
    the mandate (its own drive and the induced time, up to what the duty asks), relative to a
    full practice load. A duty that asks no time, or whose time pressure and cynicism have cut,
    changes nobody's mind: its effects on stance and ownership scale with this, not with the
    decree (no lever is free)."""
    if duty_time_asked <= 0.0:
        return np.zeros_like(own)
    delivered = np.minimum(own + induced, duty_time_asked)
    return np.minimum(1.0, delivered / full_time)


def output(improvement: np.ndarray, capability: np.ndarray, productivity_gain: float):
    """Weekly output of a team per head: time not spent improving, times its productivity.

    Improvement costs time now and pays later through capability: worse-before-better
    (Repenning & Sterman 2001).
    """
    return (1.0 - improvement) * (1.0 + productivity_gain * capability)


# --- 5 capability build, decay and sustainment; 12 going through the motions -----------------


def practice_quality(guidance: np.ndarray | float, motions_penalty: float) -> np.ndarray:
    """How much a unit of time that is not the team's own initiative counts as practice.

    Mandated or bought improvement time without a skilled guide turns into ritual ("going
    through the motions": Rother 2009, Spear & Bowen 1999): it counts only ``1 - penalty`` at
    guidance 0 and fully under a fully skilled coach. ``motions_penalty = 0`` switches it off.
    """
    return 1.0 - motions_penalty * (1.0 - unit(guidance))


def practice(improvement: np.ndarray, full_time: float) -> np.ndarray:
    """How much a team practises, 0..1: (quality-weighted) improvement time relative to a full
    practice load."""
    return np.minimum(1.0, improvement / full_time)


def learning(
    practice_level: np.ndarray,
    coaching_skill: np.ndarray,
    own: np.ndarray,
    rate: float,
    boost: float,
) -> np.ndarray:
    """Capability gained by practice, faster under a manager who coaches (Rother's Kata)."""
    return rate * practice_level * (1.0 + boost * coaching_skill) * (1.0 - own)


def decay(practice_level: np.ndarray, own: np.ndarray, rate: float) -> np.ndarray:
    """Capability lost when it is not practised (routines erode without reinforcement)."""
    return rate * (1.0 - practice_level) * own


def steady_capability(practice_level: float, learn_rate: float, decay_rate: float) -> float:
    """Capability at which learning from a steady practice level just offsets decay.

    Solves ``learning = decay`` for ``own`` (no coaching): L x (1 - c) = D (1 - x) c.
    """
    gain = learn_rate * practice_level
    loss = decay_rate * (1.0 - practice_level)
    return gain / (gain + loss) if gain + loss > 0 else 0.0


def internalization(
    borrowed: np.ndarray, ownership: np.ndarray, manager_support: np.ndarray, rate: float
) -> np.ndarray:
    """Borrowed (consultant-held) capability that a team makes its own this week.

    Needs ownership (it is *our* practice) and a manager who supports it; borrowed capability
    that is not internalized decays once the specialists leave.
    """
    return rate * ownership * (0.5 + 0.5 * np.maximum(manager_support, 0.0)) * borrowed


def pilot_transfer(
    skill: np.ndarray,
    borrowed: np.ndarray,
    own: np.ndarray,
    ownership: np.ndarray,
    acceptance_: np.ndarray,
    handover: np.ndarray,
    rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """What a pilot gives its team this week: (borrowed gained, own capability taught).

    Specialists split their effort between doing the work for the team (the team borrows their
    capability, up to their skill) and teaching it (``handover``); teams learn only as far as
    they own the work ("done with", not "to").
    """
    push = rate * acceptance_
    borrowed_gain = push * (1.0 - handover) * np.maximum(skill - borrowed, 0.0)
    taught = push * handover * skill * ownership * (1.0 - own)
    return borrowed_gain, taught


# --- 4 peer diffusion and 7 commitment threshold ------------------------------------------


def peer_signal(
    visible_success: np.ndarray, team_manager: np.ndarray, cross_ties: np.ndarray, n_managers: int
) -> np.ndarray:
    """Share of a team's peers (same manager, plus cross-unit ties) whose improvement visibly
    pays off. The team itself is not its own peer."""
    vs = visible_success.astype(float)
    sib_sum = np.bincount(team_manager, weights=vs, minlength=n_managers)[team_manager] - vs
    sib_n = np.bincount(team_manager, minlength=n_managers)[team_manager] - 1.0
    cross_sum = vs[cross_ties].sum(axis=1) if cross_ties.shape[1] else 0.0
    n = sib_n + cross_ties.shape[1]
    return np.where(n > 0, (sib_sum + cross_sum) / np.maximum(n, 1.0), 0.0)


def trial_probability(
    peers: np.ndarray,
    ownership: np.ndarray,
    lateral_openness: float,
    innovation_per_year: float,
    imitation_per_year: float,
) -> np.ndarray:
    """Weekly chance that a team starts practising improvement (Bass 1969 as an ABM).

    Innovation p acts on its own (more where the team feels improvement is its job);
    imitation q acts through peers who visibly succeed, damped by power distance (in high
    power distance teams look up, not sideways). Rates are per year, as Bass estimates are.
    """
    p = innovation_per_year / WEEKS_PER_YEAR * (0.5 + ownership)
    q = imitation_per_year / WEEKS_PER_YEAR * lateral_openness * peers
    return unit(p + q)


def commitment_feedback(
    commitment: np.ndarray, result: np.ndarray, bar: float, scale: float, rate: float
) -> np.ndarray:
    """Change in commitment from the results a team perceives (Repenning 2002).

    Results above the bar make commitment self-reinforcing (the more committed, the faster it
    grows); results below it make effort revert. ``scale`` is a result clearly noticed.
    """
    signal = np.tanh((result - bar) / scale)
    grow = commitment * (1.0 - commitment)
    return rate * signal * np.where(signal > 0.0, grow, commitment)


def top_down_push(
    commitment: np.ndarray, manager_support: np.ndarray, power_distance: float, rate: float
) -> np.ndarray:
    """Teams follow their manager's stance, the more so the higher the power distance."""
    room = np.where(manager_support > 0.0, 1.0 - commitment, commitment)
    return rate * power_distance * manager_support * room


# --- 13 initiative fatigue -----------------------------------------------------------------


def cynicism_target(
    programme_time: np.ndarray, full_time: float, result: np.ndarray, bar: float, scale: float
) -> np.ndarray:
    """The cynicism a team drifts towards: programme effort that shows no results.

    Teams asked to spend time on a programme (a pilot, funded or mandated improvement time)
    grow cynical when their results do not rise visibly above their baseline (``bar``: the
    margin that counts as "above baseline"), in proportion to the effort asked
    relative to a full practice load (Abrahamson 2004, "initiative fatigue"; Reichers, Wanous
    & Austin 1997). Effort that pays off, or no programme effort at all, lets cynicism fade.
    """
    effort = unit(programme_time / full_time)
    disappointed = 0.5 * (1.0 - np.tanh((result - bar) / scale))
    return effort * disappointed


# --- 1 escape hatch ------------------------------------------------------------------------


def ownership_target(
    base: np.ndarray,
    own_capability: np.ndarray,
    duty: np.ndarray | float,
    escape_hatch_: np.ndarray | float,
    cynicism: np.ndarray | float,
    duty_weight: float,
    practice_weight: float,
    cynicism_weight: float,
) -> np.ndarray:
    """The ownership ("improvement is our job") a team drifts towards.

    A line duty (as far as it is enacted in the team) and the team's own practice raise it; a
    visible specialist function
    lowers it (the essay's "mental escape hatch"), and so does cynicism (mechanism 13).
    """
    t = (
        base
        + duty_weight * duty
        + practice_weight * own_capability
        - escape_hatch_
        - cynicism_weight * cynicism
    )
    return unit(t)


def takeover(specialist_effort: float, total_effort: float) -> float:
    """Share of the organization's improvement work that a specialist function takes off the
    line: its specialists' time plus the team time it pays for (pilots, or funded time, weighted
    by ``directed_time_weight``), over all improvement time (every programme's booked effort plus
    the teams' own improvement time)."""
    return specialist_effort / total_effort if total_effort > 0.0 else 0.0


def escape_hatch(strength: float, visibility: float, presence: float, takeover_: float) -> float:
    """Ownership ceded to a specialist function (the essay's "mental escape hatch").

    Any visible function that takes improvement work off the line opens it, in proportion to
    its visibility (a central office more than coaches sitting in the line) and to the share of
    the work it takes over. A duty that spreads the work over the line narrows it by itself.
    """
    return strength * visibility * presence * takeover_


def blame_target(setback_share: float, blame_share: float) -> float:
    """Blame a programme collects: a share of the setbacks in the teams it touched.

    "Something doesn't work as the hype said? Blame the PMO": setbacks are pointed at
    whoever touched the team, never at a function that did not.
    """
    return blame_share * setback_share


# --- 8 specialist morale, 9 career trap, 10 legitimacy ---------------------------------------


def morale_target(
    initial: float,
    success: np.ndarray,
    opposed: np.ndarray,
    blame: float,
    success_gain: float,
    resistance_hit: float,
    blame_hit: float,
) -> np.ndarray:
    """Morale specialists drift towards: successes lift it; resistance met and blame wear it
    down (the essay's disillusionment)."""
    t = initial + success_gain * success - resistance_hit * opposed - blame_hit * blame
    return unit(t)


def quit_probability(
    morale: np.ndarray, prospects: np.ndarray, base: float, low_morale: float
) -> np.ndarray:
    """Weekly chance a specialist leaves the firm: disillusionment drives it, and outside
    options (career prospects, mechanism 9) enable it: a trapped specialist stays."""
    return unit((base + low_morale * (1.0 - morale) ** 2) * prospects)


def career_prospects(tenure_weeks: np.ndarray, decay_per_year: float) -> np.ndarray:
    """Line-career prospects of a specialist relative to line peers (peers = 1).

    Time in a specialist role is time off the line ladder (the essay's career trap), whether
    the role sits in a central office or in the line as a designated coach.
    """
    return np.exp(-decay_per_year * tenure_weeks / WEEKS_PER_YEAR)


def kept_handover(handover: np.ndarray, prospects: np.ndarray) -> np.ndarray:
    """The share of effort a specialist really spends handing work over: one whose career rests
    on the role keeps some of the work, which keeps them needed (mechanism 9)."""
    return handover * prospects


def hiring_delay(hiring_weeks: int, mean_prospects: float) -> float:
    """Weeks to fill a vacancy: a role known to be a career trap is harder to fill."""
    return hiring_weeks * (2.0 - mean_prospects)


def sunset_delay(mean_attachment: float, max_delay_weeks: int) -> float:
    """Weeks by which staff attachment (a stake in the office persisting) delays a sunset."""
    return max_delay_weeks * mean_attachment


def legitimacy_target(
    claimed: float,
    blame: float,
    sponsor: float,
    base: float,
    claim_w: float,
    blame_w: float,
    sponsor_w: float,
) -> float:
    """Executives' trust in a programme: its claimed results and sponsor backing against
    blame."""
    target = base + claim_w * claimed + sponsor_w * max(float(sponsor), 0.0) - blame_w * blame
    return min(max(float(target), 0.0), 1.0)


# --- one budget ----------------------------------------------------------------------------


def office_staff_fte(
    budget: float,
    pilots_per_staff: int,
    coach_share: float,
    pilot_time: float,
    team_size: int,
) -> float:
    """Staff an office's budget pays for when it also pays its pilots' protected team time.

    One staff FTE runs ``pilots_per_staff x (1 - coach_share)`` pilots, each protecting
    ``pilot_time`` of a whole team's time, so an FTE of staff costs ``1 + pilots x pilot_time
    x team_size`` FTE of budget. Team time in pilots is booked like any funded team time.
    """
    per_staff = 1.0 + pilots_per_staff * (1.0 - coach_share) * pilot_time * team_size
    return budget / per_staff
