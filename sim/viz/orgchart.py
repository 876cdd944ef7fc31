"""The organization as an org chart: a tree layout computed once, and a fast matplotlib frame.

Managers form a tree (the executive at the top, line managers at the bottom); each line
manager's teams hang below it as a column of cells, one cell per team. This draws every team
as a cell at any size the page allows: 200 teams make 25 columns of 8 cells, 2,000 teams 250
columns, which still reads as a map of which parts of the organization have taken Lean up.
Individual outlines for pilot teams need cells a few points wide; in larger organizations a
marker under the column shows which units have a team in a PMO pilot.

The layout depends only on the tree (``manager_parent``, ``team_manager``), so it is computed
once per model (a spring layout per frame would be slow and would make nodes wander).
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
from matplotlib import patheffects
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

#: Team measures the chart can colour cells by: label on the colour bar.
TEAM_MEASURES: dict[str, str] = {
    "capability": "Team capability (own + borrowed from pilots)",
    "own capability": "Team's own capability (stays after a pilot)",
    "ownership": "Team ownership of improvement",
}

#: Sequential, colour-blind-safe map for teams (yellow to green), without its near-white end
#: so that a team at 0 still shows as a cell.
TEAM_CMAP = ListedColormap(mpl.colormaps["YlGn"](np.linspace(0.12, 1.0, 256)), name="teams")
#: Diverging, colour-blind-safe map for manager support: orange opposes, purple champions.
#: It shares no hue with the team map, so a node never reads as a team value.
MANAGER_CMAP = mpl.colormaps["PuOr"]

ROW_HEIGHT = 0.3  # height of one team cell, in tree levels
MIN_OUTLINE_PT = 5.0  # narrower cells get a marker under the column instead of outlines
MIN_NODE_PT = 3.5  # narrower columns show line managers as a strip of cells, not as nodes


@dataclass(frozen=True)
class OrgLayout:
    """Where everything sits. Managers: (x, -level). Teams: cell (row, column) of a grid.

    Columns are the leaves of the manager tree (line managers) in depth-first order, so a
    manager sits centred over its own subtree and no edges cross.
    """

    x: np.ndarray  # per manager
    parent: np.ndarray  # per manager, -1 for the top
    level: np.ndarray  # per manager, 0 = the top
    team_column: np.ndarray  # per team: its line manager's column
    team_row: np.ndarray  # per team: its place within the unit, 0 = nearest the manager
    segments: np.ndarray  # (k, 2, 2) elbow edges from each manager to its superior
    segment_child: np.ndarray  # (k,) the manager each segment leads to
    n_columns: int
    n_rows: int

    @property
    def depth(self) -> int:
        return int(self.level.max()) + 1

    @property
    def grid_top(self) -> float:
        """y of the upper edge of the team cells (just under the line managers)."""
        return -(self.depth - 1) - 0.45

    @property
    def grid_bottom(self) -> float:
        return self.grid_top - self.n_rows * ROW_HEIGHT


def tree_layout(manager_parent: np.ndarray, team_manager: np.ndarray) -> OrgLayout:
    """A tidy top-down tree: leaves on consecutive columns, each manager over its subtree.

    manager_parent: each manager's superior, -1 for the top. team_manager: each team's
    manager, which must be a leaf of the manager tree (a line manager).
    """
    parent = np.asarray(manager_parent, dtype=np.int64)
    team_manager = np.asarray(team_manager, dtype=np.int64)
    n = len(parent)
    children: list[list[int]] = [[] for _ in range(n)]
    for i, p in enumerate(parent):
        if p >= 0:
            children[p].append(i)
    roots = [i for i in range(n) if parent[i] < 0]
    if len(roots) != 1:
        raise ValueError(f"manager_parent must have exactly one top (-1); found {len(roots)}")

    order: list[int] = []  # depth-first preorder
    level = np.zeros(n, dtype=np.int64)
    stack = [roots[0]]
    while stack:
        node = stack.pop()
        order.append(node)
        for child in reversed(children[node]):
            level[child] = level[node] + 1
            stack.append(child)
    if len(order) != n:
        raise ValueError("manager_parent has a cycle or managers not under the top")

    x = np.zeros(n)
    column = 0
    for node in order:
        if not children[node]:
            x[node] = column
            column += 1
    for node in reversed(order):  # children before parents
        if children[node]:
            x[node] = 0.5 * (x[children[node][0]] + x[children[node][-1]])

    with_teams = np.unique(team_manager)
    if any(children[m] for m in with_teams):
        raise ValueError("teams must report to line managers (leaves of the manager tree)")
    team_column = x[team_manager].astype(np.int64)
    by_unit = np.lexsort((np.arange(len(team_manager)), team_manager))
    first = np.searchsorted(team_manager[by_unit], team_manager[by_unit], side="left")
    team_row = np.empty(len(team_manager), dtype=np.int64)
    team_row[by_unit] = np.arange(len(team_manager)) - first
    n_rows = int(team_row.max()) + 1 if len(team_row) else 0

    sub = np.flatnonzero(parent >= 0)
    px, py = x[parent[sub]], -level[parent[sub]].astype(float)
    cx, cy = x[sub], -level[sub].astype(float)
    mid = py - 0.5
    segments = np.concatenate(
        [
            np.stack([np.c_[px, py], np.c_[px, mid]], axis=1),
            np.stack([np.c_[px, mid], np.c_[cx, mid]], axis=1),
            np.stack([np.c_[cx, mid], np.c_[cx, cy]], axis=1),
        ]
    )
    return OrgLayout(
        x=x,
        parent=parent,
        level=level,
        team_column=team_column,
        team_row=team_row,
        segments=segments,
        segment_child=np.concatenate([sub, sub, sub]),
        n_columns=column,
        n_rows=n_rows,
    )


def _brackets(layout: OrgLayout) -> np.ndarray:
    """Per manager just above the line: a drop and a bar over the columns of its line managers."""
    line_level = layout.depth - 1
    leaves = np.flatnonzero(layout.level == line_level)
    parents = layout.parent[leaves]
    top = np.unique(parents)
    first = np.full(len(layout.x), np.inf)
    last = np.full(len(layout.x), -np.inf)
    np.minimum.at(first, parents, layout.x[leaves])
    np.maximum.at(last, parents, layout.x[leaves])
    y_parent = -layout.level[top].astype(float)
    y_bar = np.full(len(top), -line_level + 0.3)
    px = layout.x[top]
    drops = np.stack([np.c_[px, y_parent], np.c_[px, y_bar]], axis=1)
    bars = np.stack([np.c_[first[top], y_bar], np.c_[last[top], y_bar]], axis=1)
    return np.concatenate([drops, bars])


def level_names(depth: int) -> list[str]:
    """Names of the tree's levels, top down, for the y axis."""
    if depth == 1:
        return ["Line manager"]
    middle = [f"Level {i}" for i in range(1, depth - 1)]
    return ["Executive", *middle, "Line managers"]


def draw_org_chart(
    fig: Figure,
    layout: OrgLayout,
    team_values: np.ndarray,
    manager_support: np.ndarray,
    in_pilot: np.ndarray,
    *,
    measure: str = "capability",
    title: str = "",
) -> None:
    """Draw one frame of the org chart on an empty figure (a fresh one per frame).

    team_values: the team measure in [0, 1] (``measure`` names it, a key of TEAM_MEASURES);
    manager_support: each manager's stance in [-1, 1]; in_pilot: teams in a PMO pilot.
    """
    width_in = fig.get_size_inches()[0]
    left = min(0.3, 1.05 / width_in)  # room for the level names, whatever the figure's width
    right, bottom, top = 0.985, 0.2, 0.9 if title else 0.97
    gs = fig.add_gridspec(
        2, 2, height_ratios=[1.0, 0.035], left=left, right=right, bottom=0.1, top=top,
        hspace=bottom, wspace=0.25,
    )  # fmt: skip
    ax = fig.add_subplot(gs[0, :])
    n_cols = max(layout.n_columns, 1)
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(layout.grid_bottom - 0.25, 0.45)
    pt_per_col = width_in * 72 * (right - left) / (n_cols + 0.2)

    line_level = layout.depth - 1
    as_strip = pt_per_col < MIN_NODE_PT and layout.depth > 1
    segments = layout.segments
    if as_strip:  # hundreds of elbows into the bottom row would merge into a grey band
        segments = np.concatenate(
            [segments[layout.level[layout.segment_child] < line_level], _brackets(layout)]
        )
    ax.add_collection(LineCollection(segments, colors="#9a9a9a", linewidths=0.8, zorder=1))

    # teams: one cell per team
    grid = np.full((max(layout.n_rows, 1), n_cols), np.nan)
    grid[layout.team_row, layout.team_column] = team_values
    xs = np.arange(n_cols + 1) - 0.5
    ys = layout.grid_top - np.arange(layout.n_rows + 1) * ROW_HEIGHT
    gap = 0.6 if pt_per_col >= 8 else 0.0
    teams = ax.pcolormesh(
        xs, ys, np.ma.masked_invalid(grid), cmap=TEAM_CMAP, vmin=0.0, vmax=1.0,
        edgecolors="white", linewidth=gap, zorder=2,
    )  # fmt: skip

    pilots = np.flatnonzero(in_pilot)
    pilot_handle: Line2D | None = None
    if len(pilots) and pt_per_col >= MIN_OUTLINE_PT:
        boxes = [
            Rectangle((c - 0.5, layout.grid_top - (r + 1) * ROW_HEIGHT), 1.0, ROW_HEIGHT)
            for c, r in zip(layout.team_column[pilots], layout.team_row[pilots], strict=True)
        ]
        outlines = PatchCollection(
            boxes, facecolor="none", edgecolor="black", linewidth=1.5, zorder=3
        )
        # a white halo keeps the outline visible on the darkest cells
        outlines.set_path_effects([patheffects.withStroke(linewidth=3.2, foreground="white")])
        ax.add_collection(outlines)
        pilot_handle = Line2D(
            [], [], marker="s", ls="none", mfc="none", mec="black", mew=1.6, ms=9,
            label="team in a PMO pilot",
        )  # fmt: skip
    elif len(pilots):
        cols = np.unique(layout.team_column[pilots])
        ax.scatter(
            cols, np.full(len(cols), layout.grid_bottom - 0.12), marker="^", s=14,
            color="black", linewidths=0, zorder=3,
        )  # fmt: skip
        pilot_handle = Line2D(
            [], [], marker="^", ls="none", color="black", ms=6,
            label="unit with a team in a PMO pilot",
        )  # fmt: skip

    # managers: one node each, sized to the room their level has
    nodes = ~(layout.level == line_level) if as_strip else np.ones(len(layout.x), bool)
    sizes = np.empty(len(layout.x))
    for lvl in np.unique(layout.level):
        at = layout.level == lvl
        xs_l = np.sort(layout.x[at])
        room = np.diff(xs_l).min() if at.sum() > 1 else n_cols
        diameter = float(np.clip(0.8 * room * pt_per_col, 2.5, 15.0))
        sizes[at] = diameter**2
    managers = ax.scatter(
        layout.x[nodes], -layout.level[nodes].astype(float), c=manager_support[nodes],
        s=sizes[nodes], cmap=MANAGER_CMAP, vmin=-1.0, vmax=1.0, edgecolors="#444444",
        linewidths=0.5, zorder=4,
    )  # fmt: skip
    if as_strip:  # line managers as one row of cells, one per column, like their teams
        strip = np.full((1, n_cols), np.nan)
        leaves = layout.level == line_level
        strip[0, layout.x[leaves].astype(int)] = manager_support[leaves]
        ax.pcolormesh(
            xs, [-line_level - 0.2, -line_level + 0.2], np.ma.masked_invalid(strip),
            cmap=MANAGER_CMAP, vmin=-1.0, vmax=1.0, zorder=2,
        )  # fmt: skip

    names = level_names(layout.depth)
    ticks = [-float(i) for i in range(layout.depth)]
    ax.set_yticks([*ticks, 0.5 * (layout.grid_top + layout.grid_bottom)], [*names, "Teams"])
    ax.tick_params(axis="y", length=0, labelsize=9)
    ax.set_xticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if pilot_handle is not None:
        ax.legend(
            handles=[pilot_handle], loc="upper right", frameon=False, fontsize=9,
            borderaxespad=0.0, bbox_to_anchor=(1.0, 1.04),
        )  # fmt: skip
    if title:
        fig.suptitle(title, x=left, ha="left", fontsize=11)

    cax_t, cax_m = fig.add_subplot(gs[1, 0]), fig.add_subplot(gs[1, 1])
    bar_t = fig.colorbar(teams, cax=cax_t, orientation="horizontal")
    bar_t.set_label(TEAM_MEASURES.get(measure, measure), fontsize=9)
    bar_t.set_ticks([0, 0.5, 1])
    bar_m = fig.colorbar(managers, cax=cax_m, orientation="horizontal")
    bar_m.set_label("Manager support for Lean", fontsize=9)
    bar_m.set_ticks([-1, 0, 1], labels=["−1 opposes", "0 neutral", "+1 champions"])
    for bar in (bar_t, bar_m):
        bar.ax.tick_params(labelsize=8)
        labels = bar.ax.get_xticklabels()
        labels[0].set_horizontalalignment("left")  # keep the end labels inside the figure
        labels[-1].set_horizontalalignment("right")
