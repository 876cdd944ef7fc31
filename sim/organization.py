"""The shape of an organization: a management tree with teams as leaves, plus lateral ties.

Built once per run from the *organization* random stream and the *world* parameters only
(``sim.params.WORLD_FIELDS``), so every strategy, lever and assumption value run with the same
seed meets the very same organization (paired comparisons, common random numbers). Where an
assumption shapes a starting value (the organic steady-state capability depends on learning
and decay rates), the organization holds the draw as a quantile and the line turns it into a
value, so the same teams stay the most and least capable whatever the assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import Params


@dataclass(frozen=True)
class OrgStructure:
    """Who reports to whom, and who sees whom.

    manager_parent: index of each manager's superior (-1 for the top executive).
    manager_level: 0 for the top executive, growing downwards; line managers are deepest.
    team_manager: each team's line manager.
    team_ancestors: (depth, n_teams) array; row L is the team's manager at level L.
    cross_ties: (n_teams, cross_links) lateral ties to teams in other units.
    seniority: years in the organization, per manager.
    rank: 1 for the top executive, 0 for line managers (a share of the tree's depth).
    resistance: individual resistance to change, in [0, 1].
    capability_quantile: each team's place in the starting capability distribution, in (0, 1).
    ownership: each team's starting ownership of improvement, in [0, 1].
    """

    manager_parent: np.ndarray
    manager_level: np.ndarray
    team_manager: np.ndarray
    team_ancestors: np.ndarray
    cross_ties: np.ndarray
    seniority: np.ndarray
    rank: np.ndarray
    resistance: np.ndarray
    capability_quantile: np.ndarray
    ownership: np.ndarray

    @property
    def n_managers(self) -> int:
        return len(self.manager_parent)

    @property
    def n_teams(self) -> int:
        return len(self.team_manager)

    @property
    def depth(self) -> int:
        return int(self.manager_level.max()) + 1


def beta_shape(mean: float, sd: float) -> tuple[float, float] | None:
    """Beta parameters (a, b) with a given mean and standard deviation, or None where the
    distribution degenerates to its mean (sd 0, or a mean at or too close to 0 or 1)."""
    if sd < 1e-6 or mean <= 0.0 or mean >= 1.0:
        return None
    max_var = mean * (1.0 - mean)
    var = min(sd * sd, 0.95 * max_var)  # a Beta needs var < mean(1 - mean)
    k = max_var / var - 1.0
    a, b = mean * k, (1.0 - mean) * k
    return None if min(a, b) < 1e-9 else (a, b)


def beta_with_mean(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Draws in [0, 1] with a given mean and standard deviation (Beta; constant when sd = 0).

    Heterogeneity matters: small shifts in a threshold distribution can flip a cascade
    (Granovetter 1978), so individual values are drawn, not set to the mean.
    """
    shape = beta_shape(mean, sd)
    if shape is None:
        return np.full(size, float(np.clip(mean, 0.0, 1.0)))
    return rng.beta(*shape, size)


def beta_from_quantiles(quantiles: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """Values in [0, 1] with a given mean and sd at given quantiles of the Beta (the inverse
    of its distribution function), so draws stay coupled when the mean changes."""
    from scipy.stats import beta

    shape = beta_shape(mean, sd)
    if shape is None:
        return np.full(len(quantiles), float(np.clip(mean, 0.0, 1.0)))
    return beta.ppf(quantiles, *shape)


def build_tree(n_teams: int, span_teams: int, span_managers: int) -> tuple[np.ndarray, ...]:
    """Group teams under line managers, then managers under managers, up to one executive.

    Returns (manager_parent, manager_level, team_manager). Depth follows from the spans and the
    number of teams (200 teams, spans 8 and 6: executive, 5 directors, 25 line managers).
    """
    team_manager = np.arange(n_teams) // span_teams
    layers = [int(team_manager.max()) + 1]  # managers per layer, bottom-up
    while layers[-1] > 1:
        layers.append(-(-layers[-1] // span_managers))
    layers.reverse()  # top-down: [1, ..., n_line]
    offsets = np.concatenate([[0], np.cumsum(layers)])
    parent = np.full(offsets[-1], -1, dtype=np.int64)
    level = np.zeros(offsets[-1], dtype=np.int64)
    for lvl in range(1, len(layers)):
        idx = np.arange(layers[lvl])
        parent[offsets[lvl] + idx] = offsets[lvl - 1] + idx // span_managers
        level[offsets[lvl] + idx] = lvl
    team_manager = team_manager + offsets[-2]
    return parent, level, team_manager


def build_organization(params: Params, rng: np.random.Generator) -> OrgStructure:
    """The whole organization for one seed: tree, lateral ties, and individual traits."""
    parent, level, team_manager = build_tree(
        params.n_teams, params.span_teams, params.span_managers
    )
    n_mgr, n_teams = len(parent), params.n_teams
    depth = int(level.max()) + 1

    ancestors = np.empty((depth, n_teams), dtype=np.int64)
    ancestors[depth - 1] = team_manager
    for lvl in range(depth - 2, -1, -1):
        ancestors[lvl] = parent[ancestors[lvl + 1]]

    cross = lateral_ties(
        team_manager, params.cross_links, params.lateral_topology, params.rewire_probability, rng
    )

    # Seniority: senior ranks are older hands (years, at least 1).
    rank = 1.0 - level / max(depth - 1, 1)  # 1 at the top, 0 for line managers
    seniority = np.maximum(1.0, rng.normal(5.0 + 15.0 * rank, 4.0))
    resistance = beta_with_mean(rng, params.resistance, params.resistance_spread, n_mgr)
    capability_quantile = rng.uniform(0.0, 1.0, n_teams)
    ownership = beta_with_mean(rng, params.initial_ownership, 0.1, n_teams)
    return OrgStructure(
        manager_parent=parent,
        manager_level=level,
        team_manager=team_manager,
        team_ancestors=ancestors,
        cross_ties=cross,
        seniority=seniority,
        rank=rank,
        resistance=resistance,
        capability_quantile=capability_quantile,
        ownership=ownership,
    )


def lateral_ties(
    team_manager: np.ndarray, k: int, topology: str, rewire: float, rng: np.random.Generator
) -> np.ndarray:
    """k lateral ties per team, besides the teams under the same manager.

    ``random``: ties to random teams in other units (cross-unit links). ``ring``: ties to the
    nearest teams in the order of the tree (mostly neighbouring units: a clustered network).
    ``small_world``: the ring with each tie rewired to a random team with probability
    ``rewire`` (Watts & Strogatz 1998). Topology is a structural assumption to vary.
    """
    n = len(team_manager)
    if k == 0:
        return np.empty((n, 0), dtype=np.int64)
    if topology == "random":
        return _cross_ties(team_manager, k, rng)
    offsets = np.array([(j // 2 + 1) * (1 if j % 2 == 0 else -1) for j in range(k)])
    ties = (np.arange(n)[:, None] + offsets[None, :]) % n
    if topology == "small_world":
        rewired = rng.random((n, k)) < rewire
        ties[rewired] = rng.integers(0, n, size=int(rewired.sum()))
    return ties


def _cross_ties(team_manager: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k random ties per team to teams under another line manager (where one exists)."""
    n = len(team_manager)
    if k == 0:
        return np.empty((n, 0), dtype=np.int64)
    ties = rng.integers(0, n, size=(n, k))
    same = team_manager[ties] == team_manager[:, None]
    if team_manager.min() != team_manager.max():
        # Redraw ties that landed in the own unit until none do (few rounds in practice).
        while same.any():
            ties[same] = rng.integers(0, n, size=int(same.sum()))
            same = team_manager[ties] == team_manager[:, None]
    return ties
