"""Scenario discovery: in which worlds is each strategy ahead, and how sure are we?

``lean-sim-discover`` (``experiments.discovery.cli``) over a sweep whose cells vary the world
(``sim.params.WORLD_FIELDS``): culture, resistance and its spread, pressure, size and shape.
The EMA Workbench does the box search (PRIM) and the feature scoring; this package prepares
its inputs and reads its outputs.

Modules:

* ``design``: a Latin-hypercube design over the world parameters (one cell per world and
  strategy), optionally with the calibration's rates drawn per world; run by the sweep.
* ``outcomes``: from a sweep's runs to worlds: per world and strategy the mean outcome over
  its organizations, and the verdict classes ("A ahead", "B ahead", "tie"; the best strategy)
  against stated practical margins. Pairing (same seeds for every strategy) is checked.
* ``boxes``: PRIM boxes per verdict, chosen on the peeling trajectory by a stated rule, with
  the interval of the box's mean difference and bootstrap stability.
* ``robust``: robust choice: regret across the design and satisficing shares per strategy.
* ``figures`` and ``report``: figures, ``boxes.json`` and the README in plain words.
"""
