"""The ``lean-sim`` console script: the Hydra app (``lean-sim-merge`` is sim.sweep.merge:main).

The Hydra entry is thin, as in lightning-hydra-template: it turns the composed configuration
into plain validated values (sim.sweep.cells) and calls functions that know nothing of Hydra
(sim.sweep.runner). Validation before any job, the plan and the merge live in
sim.sweep.sweeper (multiruns) and sim.sweep.callbacks (single runs), both selected in
configs/config.yaml.

Before Hydra sees the command line, :func:`main`

* answers ``--version`` (package and model versions) without Hydra;
* says which extra to install when the sweep's dependencies are missing (exit 2);
* checks every override's key and group option: Hydra would accept ``+resistence=0.5`` as a
  new key and run the default, and its message for ``resistence=0.5`` suggests exactly that
  ``+``; here an unknown key is an error naming the closest setting (exit 2).
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from collections.abc import Sequence
from typing import Any

EXTRA = "pip install 'lean-adoption-sim[sweep]'"
#: What the sweep needs beyond the model (the ``sweep`` extra of pyproject.toml).
SWEEP_MODULES = ("hydra", "omegaconf", "pyarrow", "filelock", "hydra_plugins.hydra_joblib_launcher")
USAGE_ERROR = 2
#: Hydra options that take a value (so that value is not an override).
_OPTIONS_WITH_VALUE = {
    "--cfg",
    "-c",
    "--package",
    "-p",
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--experimental-rerun",
    "--shell-completion",
}
_INFO_CHOICES = {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}


def version_text() -> str:
    """``lean-sim --version``: the package version and the model version (sim.provenance)."""
    import sim
    from sim.provenance import git_commit, model_version

    commit = git_commit()
    where = ""
    if commit["commit"]:
        where = f", git {commit['commit']}{' (dirty)' if commit['dirty'] else ''}"
    return f"lean-sim (lean-adoption-sim) {sim.__version__}, model version {model_version()}{where}"


def missing_modules() -> list[str]:
    """The sweep's modules that cannot be imported here."""
    missing = []
    for name in SWEEP_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name.split(".")[-1])
    return missing


def overrides_of(argv: Sequence[str]) -> list[str]:
    """The overrides in a Hydra command line (what is not an option or an option's value)."""
    out, skip = [], False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in _OPTIONS_WITH_VALUE:
            skip = True
        elif arg == "--info":
            skip = i + 1 < len(argv) and argv[i + 1] in _INFO_CHOICES
        elif not arg.startswith("-") or arg.startswith("~"):
            out.append(arg)
    return out


def check_command_line(argv: Sequence[str]) -> None:
    """Exit 2 with a one-line message for an unknown key, an unknown group option, or a key
    lean-sim sets itself; leave everything else to Hydra and the validation of values."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    from sim.sweep.config import INTERNAL_SETTINGS, known_keys, options

    keys, groups = known_keys(), options()
    parser = OverridesParser.create()
    for line in overrides_of(argv):
        try:
            (override,) = parser.parse_overrides([line])
        except HydraException as err:
            _exit(f"cannot read {line!r}: {str(err).splitlines()[0]}")
        key = override.key_or_group
        if key == "hydra" or key.startswith(("hydra.", "hydra/")):
            continue
        if key in INTERNAL_SETTINGS:
            _exit(f"{line}: lean-sim sets {key} itself when it splits jobs; leave it unset")
        if key in groups:
            if override.is_delete():
                continue
            for value in _values(override):
                if value not in groups[key]:
                    _exit(
                        f"{key}={value}: not an option of {key}; choose one of "
                        f"{', '.join(sorted(groups[key], key=_none_first))}"
                    )
            continue
        if key not in keys:
            close = difflib.get_close_matches(key, [*keys, *groups], n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            _exit(
                f"{line}: {key!r} is not a setting of lean-sim{hint} (`lean-sim --help` lists "
                "every setting; + does not add new ones)"
            )


def _none_first(name: str) -> tuple[int, str]:
    return (0 if name in ("null", "none", "custom", "default") else 1, name)


def _values(override: Any) -> list[str]:
    if override.is_sweep_override():
        if override.is_discrete_sweep():
            return list(override.sweep_string_iterator())
        return []
    value = override.get_value_element_as_str()
    return [value]


def _exit(message: str) -> None:
    print(f"lean-sim: {message}", file=sys.stderr, flush=True)
    raise SystemExit(USAGE_ERROR)


def main(argv: Sequence[str] | None = None) -> None:
    """``lean-sim``: see ``lean-sim --help``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--version" in args:
        print(version_text())
        return
    missing = missing_modules()
    if missing:
        _exit(f"the sweep needs {', '.join(missing)}, which are not installed: {EXTRA}")
    check_command_line(args)
    sys.argv = [sys.argv[0] if sys.argv and sys.argv[0] else "lean-sim", *args]
    _hydra_app()()


def _hydra_app() -> Any:
    """The Hydra-decorated task (built on demand, so that --version needs no Hydra)."""
    import hydra
    from omegaconf import DictConfig

    from sim.sweep.cells import job_from_config
    from sim.sweep.config import CONFIG_DIR, register_configs
    from sim.sweep.runner import run_job
    from sim.sweep.session import job_values, launch_dir

    register_configs()

    @hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
    def task(config: DictConfig) -> None:
        """One Hydra job: the cells of this configuration (one, a chunk of a design, a pack)."""
        run_job(job_from_config(job_values(config), cwd=launch_dir()))

    return task


if __name__ == "__main__":
    main()
