"""The arithmetic of each mechanism, as small pure functions over numpy arrays.

Each function is one causal step of the model brief, named as a modeller would name it, with
its source. They know nothing of Mesa or of the model object, so each can be tested alone; the
model (``sim.model``) calls them in a fixed weekly order and the agents (``sim.agents``) read
and write the arrays they return. Rates are per week; shares and levels lie in [0, 1];
manager stance ("support") lies in [-1, 1] (active opponent .. champion).
"""

from __future__ import annotations

import numpy as np

#: One step is one week; the one home of this constant for the whole project.
WEEKS_PER_YEAR = 52


def subtree_mean(values: np.ndarray, ancestors: np.ndarray, n_managers: int) -> np.ndarray:
    """Mean of a per-team value over every manager's part of the tree.

    A manager sees the results of the teams below them, however deep (directors watch their
    whole division). ``ancestors[L]`` is each team's manager at level L.
    """
    sums = np.zeros(n_managers)
    counts = np.zeros(n_managers)
    for row in ancestors:
        sums += np.bincount(row, weights=values, minlength=n_managers)
        counts += np.bincount(row, minlength=n_managers)
    return sums / np.maximum(counts, 1.0)


def ema(current: np.ndarray | float, target: np.ndarray | float, weeks: float):
    """First-order adjustment towards ``target`` with a time constant of ``weeks``."""
    return current + (target - current) / weeks


# --- 2 prestige threat, 3 power distance, 4 bandwagon: a manager's stance ------------------


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
    line_duty: float,
    escape_hatch: float,
    power_distance: float,
    openness: float,
    evidence_weight: float,
    bandwagon_weight: float,
    follow_weight: float,
    duty_weight: float,
    coaching_weight: float,
    result_scale: float,
) -> np.ndarray:
    """The stance (support, -1..1) a manager moves towards this week.

    Drivers: results seen in their own part of the tree (saturating: a clear result, of
    ``result_scale``, counts almost fully); peers' adoption (bandwagon,
    Abrahamson & Rosenkopf 1993); their superior's stance, followed more in high power distance
    (Hofstede); a formal line duty to improve; coaching they received; minus their opposition
    and minus the "escape hatch" (improvement is the PMO's job, not mine). Favourable signals
    are discounted by the manager's own opposition (clipped to [0, 1]): resistance to change is
    also a filter on evidence.
    """
    opposition_share = np.clip(opposition, 0.0, 1.0)
    favourable = (
        evidence_weight * np.tanh(results / result_scale)
        + bandwagon_weight * peer_adoption
        + duty_weight * line_duty
        + coaching_weight * coaching_skill
    )
    # A resisting manager discounts favourable signals (the more so, the more they resist).
    drive = (
        openness
        + (1.0 - opposition_share) * favourable
        + follow_weight * power_distance * (parent_support)
        - escape_hatch
    )
    return np.tanh(2.0 * (drive - opposition))


# --- 6 capability trap: pressure and the time spent improving --------------------------------


def pressure_target(shortfall: np.ndarray, base_pressure: float, sensitivity: float) -> np.ndarray:
    """Performance pressure a manager puts on their teams: rises with the output shortfall.

    Repenning & Sterman (2001): a gap between desired and actual output makes managers push
    for "working harder" (more production time) rather than "working smarter".
    """
    return np.clip(base_pressure + sensitivity * np.maximum(shortfall, 0.0), 0.0, 1.0)


def improvement_time(
    *,
    commitment: np.ndarray,
    manager_support: np.ndarray,
    pressure: np.ndarray,
    funded: np.ndarray,
    pilot: np.ndarray,
    base_time: float,
    extra_time: float,
    max_time: float,
    block_strength: float,
    pressure_cut: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Share of a team's time spent on improvement, and how much of the funded time is used.

    A team's own drive rises with its commitment. An opposing manager blocks it (mechanism 2:
    resisting managers dampen improvement in their part of the tree) and also diverts funded
    time to production; pressure cuts the unfunded part (mechanism 6, "work harder"; pass
    ``pressure_cut = 0`` to switch the trap off). Funded and pilot time are protected.
    """
    block = 1.0 - block_strength * np.maximum(-manager_support, 0.0)
    own = (base_time + extra_time * commitment) * block * (1.0 - pressure_cut * pressure)
    funded_used = funded * block
    return np.clip(own + funded_used + pilot, 0.0, max_time), funded_used


def output(improvement: np.ndarray, capability: np.ndarray, productivity_gain: float):
    """Weekly output of a team per head: time not spent improving, times its productivity.

    Improvement costs time now and pays later through capability: worse-before-better
    (Repenning & Sterman 2001).
    """
    return (1.0 - improvement) * (1.0 + productivity_gain * capability)


# --- 5 capability build, decay and sustainment -------------------------------------------


def practice(improvement: np.ndarray, full_time: float) -> np.ndarray:
    """How much a team practises, 0..1: improvement time relative to a full practice load."""
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
    that is not internalized decays once the pilot staff leave.
    """
    return rate * ownership * (0.5 + 0.5 * np.maximum(manager_support, 0.0)) * borrowed


def pilot_acceptance(sponsor_support: np.ndarray, power_distance: float) -> np.ndarray:
    """How far a team works with PMO staff, who have no line authority (mechanism 3).

    In low power distance teams engage on their own; in high power distance they do so only
    as far as their line manager (the sponsor) backs the pilot.
    """
    return (1.0 - power_distance) + power_distance * np.maximum(sponsor_support, 0.0)


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
    return np.clip(p + q, 0.0, 1.0)


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


# --- 1 escape hatch ------------------------------------------------------------------------


def ownership_target(
    base: np.ndarray,
    own_capability: np.ndarray,
    line_duty: float,
    escape_hatch: np.ndarray | float,
    duty_weight: float,
    practice_weight: float,
) -> np.ndarray:
    """The ownership ("improvement is our job") a team drifts towards.

    A formal line duty and the team's own practice raise it; a visible PMO lowers it for
    teams outside its pilots (the essay's "mental escape hatch").
    """
    t = base + duty_weight * line_duty + practice_weight * own_capability - escape_hatch
    return np.clip(t, 0.0, 1.0)


def escape_hatch(presence: float, line_duty: float, strength: float) -> float:
    """Ownership ceded to a visible PMO; a line duty to improve closes the hatch."""
    return strength * presence * (1.0 - line_duty)


def blame_target(setback_share: float, presence: float, blame_share: float) -> float:
    """Blame a visible PMO collects: a share of the organization's setbacks and complaints
    is pointed at it ("something doesn't work as the hype said? Blame the PMO")."""
    return blame_share * presence * setback_share


# --- 8 staff morale, 9 career trap, 10 legitimacy --------------------------------------------


def morale_target(
    initial: float,
    success: np.ndarray,
    opposed: np.ndarray,
    blame: float,
    success_gain: float,
    resistance_hit: float,
    blame_hit: float,
) -> np.ndarray:
    """Morale staff drift towards: successes lift it; resistance met and blame wear it down."""
    t = initial + success_gain * success - resistance_hit * opposed - blame_hit * blame
    return np.clip(t, 0.0, 1.0)


def quit_probability(morale: np.ndarray, base: float, low_morale: float) -> np.ndarray:
    """Weekly chance a staff member leaves the firm; disillusionment drives it."""
    return np.clip(base + low_morale * (1.0 - morale) ** 2, 0.0, 1.0)


def career_prospects(tenure_weeks: np.ndarray, decay_per_year: float) -> np.ndarray:
    """Line-career prospects of a staff member relative to line peers (peers = 1).

    Time in a staff office is time off the line ladder (the essay's career trap).
    """
    return np.exp(-decay_per_year * tenure_weeks / WEEKS_PER_YEAR)


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
    """Executives' trust in the office: its claimed results and sponsor backing against blame."""
    return float(
        np.clip(
            base + claim_w * claimed + sponsor_w * max(sponsor, 0.0) - blame_w * blame, 0.0, 1.0
        )
    )
