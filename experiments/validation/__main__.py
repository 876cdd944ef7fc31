"""``python -m experiments.validation`` is ``lean-sim-validate``."""

from experiments.validation.cli import main

raise SystemExit(main())
