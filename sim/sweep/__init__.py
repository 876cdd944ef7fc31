"""Sweeps of the model from the command line: the ``lean-sim`` Hydra app and its machinery.

Modules, from pure to Hydra-aware:

* ``seeds``: cell ids and replicate seeds (SeedSequence over canonical digests);
* ``cells``: a resolved configuration -> validated cells (Params.create, culture, ablate,
  design rows, packs);
* ``design``: sweep points from a CSV/Parquet design file;
* ``runner``: run a cell's replicates resumably into ``results/<experiment>/cells/<cell_id>/``;
* ``store``: atomic writes and the file layout; ``merge``: the tables a report cites, and
  ``lean-sim-merge``; ``provenance``: code and package versions; ``progress``: done/total and
  an ETA shared through a small file;
* ``config`` (the schema and help generated from sim.Params), ``session`` (validate every job,
  plan, merge), ``sweeper`` (the multirun: Hydra's basic sweeper plus those steps),
  ``callbacks`` (the same for a single run) and ``cli`` (the ``lean-sim`` entry point).
"""
