"""Pattern-oriented validation (Grimm et al. 2005): does the model reproduce the brief's evidence?

One module per pattern, each with its setting, ``run``, ``judge`` and ``draw`` (see
:mod:`experiments.validation.design`):

1. :mod:`~experiments.validation.diffusion`: S-curve of peer diffusion, Bass p and q;
2. :mod:`~experiments.validation.worse_before_better`: worse-before-better and
   better-before-worse;
3. :mod:`~experiments.validation.capability_trap`: the capability trap under pressure;
4. :mod:`~experiments.validation.commitment_tipping`: commitment tipping and reversion;
5. :mod:`~experiments.validation.verdict_map`: the verdict depends on the parameters;
6. :mod:`~experiments.validation.replicates`: how many replicates are enough.

:mod:`~experiments.validation.grid` runs their points as sweep cells (resumable, in parallel),
:mod:`~experiments.validation.render` writes ``docs/validation.md`` and its figures,
:mod:`~experiments.validation.verdicts` holds the pinned verdicts, and
:mod:`~experiments.validation.cli` is ``lean-sim-validate``. Model internals are read in one
place only, :mod:`experiments.validation._model`.
"""
