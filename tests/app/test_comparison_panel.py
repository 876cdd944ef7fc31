"""The comparison panel's plain helpers (``sim.viz.comparison``), without a browser."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import Params
from sim.compare import Cancelled, compare
from sim.viz import comparison as panel

WORLD = {"n_teams": 24, "weeks": 30}


def test_shared_settings_are_the_world_and_settings_not_the_strategy_or_levers():
    params = Params(strategy="hybrid", n_teams=48, line_duty=0.2, escape_hatch=False)
    assert panel.shared_settings(params) == {"n_teams": 48, "escape_hatch": False}


def test_an_estimate_over_the_cap_is_refused_and_says_what_to_do():
    text, allowed = panel.estimate_text(per_run=0.2, replicates=8)
    assert allowed and "40 runs" in text and "cap 120 s" in text
    text, allowed = panel.estimate_text(per_run=1.0, replicates=30)  # 150 runs, ~150 s
    assert not allowed and "Over the cap" in text


def test_the_worker_process_gives_the_same_comparison_as_compare():
    seen: list[tuple[int, int]] = []
    here = compare(WORLD, ("none", "embedded"), 2, base_seed=3)
    there = panel.compare_in_process(
        world=WORLD,
        strategies=("none", "embedded"),
        replicates=2,
        base_seed=3,
        progress=lambda done, total: seen.append((done, total)),
    )
    pd.testing.assert_frame_equal(here.table, there.table)
    assert seen == [(k, 4) for k in range(1, 5)]


def test_the_worker_process_stops_when_cancelled():
    seen: list[int] = []
    with pytest.raises(Cancelled):
        panel.compare_in_process(
            world={"n_teams": 24, "weeks": 520},
            strategies=("none", "embedded", "hybrid"),
            replicates=10,
            progress=lambda done, _total: seen.append(done),
            cancel=lambda: len(seen) >= 1,
        )
    assert seen and seen[-1] < 30


def test_the_worker_process_reports_a_bad_world_as_an_error():
    with pytest.raises(RuntimeError, match="resistance"):
        panel.compare_in_process(world={"resistance": 2.0}, strategies=("none",), replicates=1)


def test_the_table_bolds_the_most_likely_best_and_the_plot_has_a_panel_per_outcome():
    result = compare(WORLD, ("none", "embedded"), 3)
    table = panel.result_markdown(result)
    best = result.best("sustained_adoption")
    assert f"| {best} |" in table and "**" in table
    assert table.count("\n") == 1 + 2  # header, rule, two strategies
    fig = Figure()
    panel.draw_distributions(fig, result)
    assert len(fig.axes) == 2
    assert sum(len(c.get_offsets()) for c in fig.axes[0].collections) == 6  # every run a dot


def test_without_a_box_file_the_panel_says_so(tmp_path):
    text = panel.where_markdown(Params(), tmp_path / "boxes.json")
    assert text.startswith("No scenario discovery found")
