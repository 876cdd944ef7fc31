"""Register what the Hydra config tree takes from ``sim.Params`` itself, so it never goes stale.

* ``sim_params``: every Params field with the model's default, merged into the root config;
  this is what makes ``lean-sim resistance=0.7`` an override of a known key.
* ``culture/<name>``: one option per country of ``sim.cultures`` (the one Hofstede table,
  package data) plus ``custom``; a country sets ``power_distance`` (the sweep then applies
  ``sim.cultures.apply_culture``, the conflict rule the browser app uses too).
* ``preset/<name>``: ``+preset=<name>`` applies a preset of ``sim.presets`` (package data).
* ``experiment/ablation`` and ``experiment/countries``: the sweeps whose axes are lists the
  model owns (every mechanism of ``sim.registry``; every country of ``sim.cultures``), so they
  grow with the model instead of going stale as YAML copies.
* ``hydra/help/lean_sim``: ``lean-sim --help`` lists every field with its default, allowed
  values and meaning (from the pydantic field definitions).

Values are plain data: Params is only ever built by ``Params.create`` on the resolved values,
never by ``hydra.utils.instantiate``.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import annotated_types
from hydra.core.config_store import ConfigStore
from pydantic.fields import FieldInfo

from sim import cultures, presets
from sim.params import MECHANISMS, STRATEGIES, Params

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"

RUN_SETTINGS = {
    "experiment_name": "results go to <paths.results>/<experiment_name>/ (default scratch)",
    "replicates": "seeds per cell, run inside one job (default 1)",
    "base_seed": "seeds derive from (base_seed, replicate, the world's parameters)",
    "force": "true: rerun cells even if finished results exist",
    "merge": "merge the cells into runs/series/pilots.parquet at the end (default true)",
    "extend": "true: add this sweep's cells to the folder's plan (which must otherwise match)",
    "wait": "true: wait for another sweep or merge holding the folder, instead of refusing",
    "yes": "true: run a sweep estimated above the cap (see below) without refusing",
    "ablate": "one mechanism to switch off (sim.MECHANISMS), or null",
    "design": "CSV/Parquet file of points (columns = parameters), one cell per row",
    "design_chunk_size": "design rows per Hydra job in a multirun (default 8)",
    "cells_per_job": "grid points packed into one Hydra job in a multirun (default 1)",
    "runner": "dotted path of the run function (default sim.run)",
    "report_columns": "measures printed by strategy after a merge",
    "paths.results": "results root (default ./results)",
}
#: Keys lean-sim sets itself in the jobs it launches (never on the command line).
INTERNAL_SETTINGS = ("design_chunk", "pack")
#: A sweep whose estimated compute time (all runs to do, one core) exceeds this needs yes=true.
CAP_SECONDS = 2 * 3600


def params_defaults() -> dict[str, Any]:
    """{field: default} for every Params field, as plain config values."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in Params.model_fields.items()
    }


def allowed(info: FieldInfo) -> str:
    """What a field accepts, in words: its type or choices and its bounds."""
    words = [_type_words(info.annotation)]
    for item in info.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if isinstance(item, getattr(annotated_types, attr.capitalize())):
                words.append(f"{sign} {getattr(item, attr)}")
    return ", ".join(words)


def _type_words(annotation: Any) -> str:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + "/".join(str(a) for a in args)
    if args:  # Optional[...] (X | None)
        inner = [_type_words(a) for a in args if a is not type(None)]
        return " or ".join(inner) + " or null (= the strategy's preset)"
    return getattr(annotation, "__name__", str(annotation))


def help_text() -> str:
    lines = [
        "lean-sim: runs and sweeps of the Lean adoption model (Hydra app)",
        "",
        "  lean-sim strategy=embedded resistance=0.7         one cell (replicates inside)",
        "  lean-sim -m strategy=centralized,embedded power_distance=0.2,0.8 replicates=10",
        "  lean-sim -m experiment=headline hydra/launcher=joblib     a named sweep, all cores",
        "  lean-sim -m design=points.csv replicates=5                points from a file",
        "  lean-sim-merge results/<experiment>                      merge again on demand",
        "",
        "Config groups (group=option):",
        "$APP_CONFIG_GROUPS",
        "Run settings (name=value, as Hydra's grammar wants; e.g. wait=true, not --wait):",
        *(f"  {k:<20} {v}" for k, v in RUN_SETTINGS.items()),
        "",
        "Before it starts, a command prints its cells, runs and an estimated time; above "
        f"{CAP_SECONDS // 3600} hours",
        "of estimated compute it needs yes=true. One sweep or merge at a time writes to an",
        "experiment folder (a lock file names the holder); a later sweep whose cells, replicates",
        "or base_seed differ from the folder's plan is refused unless extend=true.",
        "Exit status: 0 done, 1 failed work (failed or missing cells), 2 bad input.",
        "",
        "Model parameters (sim.Params), each overridable as name=value:",
    ]
    for name, info in Params.model_fields.items():
        default = info.get_default(call_default_factory=True)
        lines.append(f"  {name} = {default}   [{allowed(info)}]")
        if info.description:
            lines.append(f"      {info.description}")
    lines += [
        "",
        "lean-sim --version prints the package and model versions.",
        "Hydra's own options: lean-sim --hydra-help",
        "",
    ]
    return "\n".join(lines).replace("$", "$$").replace("$$APP_CONFIG_GROUPS", "$APP_CONFIG_GROUPS")


def culture_nodes() -> dict[str, dict[str, Any]]:
    """The ``culture`` group: ``custom`` and one option per country of ``sim.cultures``.

    A country's node sets ``power_distance`` by interpolation, so an explicit
    ``power_distance=...`` on the command line replaces it and the conflict rule
    (``sim.cultures.apply_culture``) sees and rejects a different value.
    """
    nodes: dict[str, dict[str, Any]] = {
        cultures.CUSTOM: {
            "culture": {
                "name": cultures.CUSTOM,
                "label": "custom",
                "hofstede_pdi": None,
                "power_distance": None,
            }
        }
    }
    for name, culture in cultures.cultures().items():
        nodes[name] = {
            "culture": {
                "name": name,
                "label": culture.label,
                "hofstede_pdi": culture.hofstede_pdi,
                "power_distance": culture.power_distance,
                "source": cultures.source(),
            },
            "power_distance": "${culture.power_distance}",
        }
    return nodes


def generated_experiments() -> dict[str, dict[str, Any]]:
    """Experiments whose sweep axes come from the model's own lists (see the module docstring).

    * ``ablation``: each mechanism switched off in turn (``ablate=<name>``; ``null`` is the full
      model), for both main strategies; seeds ignore the switches, so every variant meets the
      same organizations.
    * ``countries``: every country's Hofstede power distance x every strategy; Germany and
      Great Britain share PDI 35, so their runs are identical (same world, same seeds).
    """
    return {
        "ablation": {
            "experiment_name": "ablation",
            "replicates": 10,
            "hydra": {
                "sweeper": {
                    "params": {
                        "strategy": "centralized,embedded",
                        "ablate": ",".join(["null", *MECHANISMS]),
                    }
                }
            },
        },
        "countries": {
            "experiment_name": "countries",
            "replicates": 10,
            "hydra": {
                "sweeper": {
                    "params": {
                        "culture": ",".join(cultures.cultures()),
                        "strategy": ",".join(STRATEGIES),
                    }
                }
            },
        },
    }


def register_configs() -> None:
    """Store the generated nodes in Hydra's ConfigStore (idempotent)."""
    store = ConfigStore.instance()
    store.store(name="sim_params", node=params_defaults(), provider="lean-sim")
    for name, node in culture_nodes().items():
        store.store(group="culture", name=name, node=node, package="_global_", provider="lean-sim")
    for name, node in generated_experiments().items():
        store.store(
            group="experiment", name=name, node=node, package="_global_", provider="lean-sim"
        )
    # `+preset=<name>`: the presets that ship as package data (sim/data/presets/).
    for name in presets.names():
        store.store(
            group="preset",
            name=name,
            node=presets.load(name),
            package="_global_",
            provider="lean-sim",
        )
    store.store(
        group="hydra/help",
        name="lean_sim",
        node={"app_name": "lean-sim", "header": "", "footer": "", "template": help_text()},
        provider="lean-sim",
    )


def known_keys() -> set[str]:
    """Every setting a command line may override: the Params fields, the run settings of
    configs/config.yaml (nested ones such as ``paths.results`` spelled out), and ``culture``."""
    from omegaconf import OmegaConf

    root = OmegaConf.load(CONFIG_DIR / "config.yaml")
    keys = set(Params.model_fields)
    for key in root:
        if key in ("defaults", "hydra"):
            continue
        keys.add(str(key))
        node = root[key]
        if OmegaConf.is_dict(node):
            keys.update(f"{key}.{sub}" for sub in node)
    return keys


def options() -> dict[str, set[str]]:
    """The config groups of lean-sim and their options (YAML files and generated nodes)."""
    register_configs()
    groups: dict[str, set[str]] = {}
    for folder in CONFIG_DIR.iterdir():
        if folder.is_dir() and folder.name != "hydra":
            groups[folder.name] = {p.stem for p in folder.glob("*.yaml")}
    store = ConfigStore.instance()
    for group in ("culture", "preset", "experiment"):
        groups.setdefault(group, set()).update(
            name.removesuffix(".yaml") for name in store.list(group)
        )
    groups.setdefault("experiment", set()).add("null")
    return groups
