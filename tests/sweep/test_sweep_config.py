"""The Hydra config tree: override grammar, groups onto Params, validation before any work."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import ConfigCompositionException, MissingConfigException
from omegaconf import OmegaConf

from sim import MECHANISMS, STRATEGIES, Params, cultures
from sim.sweep import session
from sim.sweep.cells import SweepConfigError, job_from_config
from sim.sweep.config import CONFIG_DIR, culture_nodes, help_text, options, register_configs

#: Hofstede's power distance index, 2015-08-16 table, as the model brief lists it.
HOFSTEDE_PDI = {
    "austria": 11,
    "denmark": 18,
    "germany": 35,
    "great_britain": 35,
    "usa": 40,
    "japan": 54,
    "france": 68,
    "india": 77,
    "china": 80,
    "malaysia": 104,
}


@pytest.fixture(scope="module", autouse=True)
def hydra_context():
    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        yield
    GlobalHydra.instance().clear()


def composed(*overrides: str):
    return compose("config", overrides=list(overrides), return_hydra_config=True)


def values(*overrides: str) -> dict:
    return session.job_values(composed(*overrides))


def params(*overrides: str) -> Params:
    (cell,) = job_from_config(values(*overrides), cwd="/tmp").cells
    return cell.params


def test_every_params_field_is_a_top_level_key_with_the_model_default():
    job = values()
    for name, info in Params.model_fields.items():
        assert job[name] == info.get_default(call_default_factory=True), name
    assert params() == Params()


def test_any_field_is_overridden_by_its_own_name():
    p = params("resistance=0.7", "n_teams=50", "rotate_staff=true", "sunset=deadline")
    assert (p.resistance, p.n_teams, p.rotate_staff, p.sunset) == (0.7, 50, True, "deadline")


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_strategy_group_selects_the_strategy(strategy):
    assert params(f"strategy={strategy}").strategy == strategy


def test_policy_fields_beside_a_strategy_override_its_preset():
    p = params("strategy=centralized", "sunset=deadline", "sunset_week=104")
    assert p.policy.sunset == "deadline" and p.sunset_week == 104
    assert params("strategy=centralized").policy.sunset == "none"


@pytest.mark.parametrize("country", sorted(HOFSTEDE_PDI))
def test_culture_presets_set_power_distance_from_hofstede_pdi(country):
    pdi = HOFSTEDE_PDI[country]
    assert params(f"culture={country}").power_distance == pytest.approx(min(pdi / 100, 1.0))
    node = composed(f"culture={country}").culture
    assert node.hofstede_pdi == pdi and "2015-08-16" in node.source


def test_culture_group_is_generated_from_the_one_table():
    assert not (CONFIG_DIR / "culture").exists()  # no YAML copy to go stale
    assert set(culture_nodes()) == {*cultures.cultures(), "custom"} == {*HOFSTEDE_PDI, "custom"}


def test_explicit_power_distance_beside_a_country_is_rejected_naming_both():
    with pytest.raises(SweepConfigError) as err:
        params("culture=denmark", "power_distance=0.3")
    message = str(err.value)
    assert "power_distance=0.3" in message and "culture=denmark" in message
    assert "culture=custom power_distance=0.3" in message  # how to fix it
    assert params("culture=denmark", "power_distance=0.18").power_distance == 0.18
    assert params("culture=custom", "power_distance=0.3").power_distance == 0.3


def test_org_presets_set_the_size_and_an_explicit_n_teams_wins():
    assert params("org=tiny").n_teams == 24
    assert params("org=large").n_teams == 2000
    assert params("org=default").n_teams == Params().n_teams
    assert params("org=tiny", "n_teams=50").n_teams == 50


def test_ablate_switches_off_one_mechanism():
    p = params("ablate=career_trap")
    assert p.career_trap is False
    assert all(getattr(p, m) for m in MECHANISMS if m != "career_trap")


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("resistance=1.5", ["resistance=1.5", "less than or equal to 1"]),
        ("n_teams=-3", ["n_teams=-3", "greater than or equal to 2"]),
        ("sunset=sometimes", ["sunset='sometimes'", "'none', 'adoption' or 'deadline'"]),
        ("replicates=0", ["replicates=0", "integer >= 1"]),
        ("base_seed=-1", ["base_seed=-1", "integer >= 0"]),
        ("ablate=gravity", ["ablate='gravity'", "escape_hatch"]),
        ("experiment_name=../x", ["experiment_name='../x'", "folder name"]),
    ],
)
def test_bad_values_are_rejected_naming_the_value_and_what_is_allowed(override, named):
    with pytest.raises(SweepConfigError) as err:
        params(override)
    for text in named:
        assert text in str(err.value)


@pytest.mark.parametrize("override", ["strategy=foo", "culture=atlantis", "org=huge"])
def test_unknown_group_options_are_rejected_listing_the_options(override):
    with pytest.raises(MissingConfigException) as err:
        composed(override)
    group, option = override.split("=")
    assert f"Could not find '{group}/{option}'" in str(err.value)
    assert "Available options" in str(err.value)


def test_unknown_keys_are_rejected():
    with pytest.raises(ConfigCompositionException, match="resistanse"):
        composed("resistanse=0.3")


def loader():
    return GlobalHydra.instance().hydra.config_loader  # type: ignore[union-attr]


def test_fast_composition_of_a_sweep_equals_hydra_composing_every_job(tmp_path):
    config = composed("org=tiny", "weeks=60")
    grid = session.job_overrides(
        loader(),
        [
            "strategy=none,hybrid",
            "culture=custom,japan",
            "resistance=0.3,0.7",
            "replicates=2",
            "experiment_name=x",
            "+hydra.job.env_set.FOO=1",
        ],
    )
    assert len(grid) == 8
    fast = session.sweep_job_values(loader(), config, grid)
    full = [session.job_values(loader().load_sweep_config(config, job)) for job in grid]
    assert fast == full


def sweep_params(experiment: str) -> dict:
    config = composed(f"experiment={experiment}")
    return dict(config.hydra.sweeper.params)


EXPECTED_CELLS = {
    "headline": 5 * 3 * 3,
    "surgical_strikes": 2 * 4 * 2 * 3,
    "career_trap": 2 * 3 * 2 * 3,
    "ablation": 2 * (len(MECHANISMS) + 1),
    "countries": len(HOFSTEDE_PDI) * len(STRATEGIES),
}


def test_the_experiments_of_the_issue_exist():
    assert set(EXPECTED_CELLS) <= options()["experiment"]


def test_ablation_and_countries_are_generated_from_the_models_lists():
    assert not (CONFIG_DIR / "experiment" / "ablation.yaml").exists()
    assert not (CONFIG_DIR / "experiment" / "countries.yaml").exists()
    cultures_swept = sweep_params("countries")["culture"].split(",")
    assert cultures_swept == list(cultures.cultures())


@pytest.mark.parametrize("experiment", sorted(EXPECTED_CELLS))
def test_every_experiment_expands_to_valid_distinct_cells(experiment):
    config = composed(f"experiment={experiment}")
    arguments = [f"{k}={v}" for k, v in sweep_params(experiment).items()]
    grid = session.job_overrides(loader(), [*arguments, f"experiment={experiment}"])
    jobs = [
        job_from_config(v, cwd="/tmp") for v in session.sweep_job_values(loader(), config, grid)
    ]
    cells = {cell.cell_id for job in jobs for cell in job.cells}
    assert len(grid) == EXPECTED_CELLS[experiment]
    assert jobs[0].experiment == experiment
    # career_decay has no effect without career_trap, but the cells are still distinct
    assert len(cells) == EXPECTED_CELLS[experiment]


def test_ablation_covers_every_mechanism():
    ablated = sweep_params("ablation")["ablate"].split(",")
    assert sorted(ablated) == sorted(["null", *MECHANISMS])


def test_experiment_files_are_global_packages_with_a_name():
    for path in (CONFIG_DIR / "experiment").glob("*.yaml"):
        text = path.read_text()
        assert text.startswith("# @package _global_"), path
        assert OmegaConf.load(path)["experiment_name"] == path.stem


def test_help_lists_every_field_with_what_is_allowed():
    text = help_text()
    for name in Params.model_fields:
        assert f"\n  {name} = " in text
    assert "[float, >= 0.0, <= 1.0]" in text
    assert "$APP_CONFIG_GROUPS" in text


def test_design_rows_become_cells_and_bad_rows_are_named(tmp_path):
    design = tmp_path / "points.csv"
    design.write_text("resistance,strategy\n0.2,embedded\n0.4,\n0.2,embedded\n")
    job = job_from_config(values(f"design={design}", "strategy=centralized"), cwd=tmp_path)
    assert [(c.params.resistance, c.params.strategy, c.design_row) for c in job.cells] == [
        (0.2, "embedded", 0),
        (0.4, "centralized", 1),
    ]
    design.write_text("resistance\n0.2\n1.4\n")
    with pytest.raises(SweepConfigError, match=r"design row 1: resistance=1.4"):
        job_from_config(values(f"design={design}"), cwd=tmp_path)
    design.write_text("resistance,gravity\n0.2,1\n")
    with pytest.raises(SweepConfigError, match=r"\['gravity'\] are not sim.Params fields"):
        job_from_config(values(f"design={design}"), cwd=tmp_path)
