"""Sweeps of the model: the ``lean-sim`` Hydra app, and the same machinery from Python.

Needs the ``sweep`` extra (Hydra, pyarrow, filelock); ``lean-sim`` says so when it is missing.
Modules, from pure to Hydra-aware:

* ``cells``: a resolved configuration -> validated cells (Params.create, culture rule of
  ``sim.cultures``, ablate, design rows, packs); cell ids and seeds come from ``sim.seeds``;
* ``design``: sweep points from a CSV/Parquet design file, read strictly;
* ``runner``: run a cell's replicates resumably into ``results/<experiment>/cells/<cell_id>/``
  (``run_cell`` is Hydra-free);
* ``store``: atomic writes, cells whose manifests vouch for their files (digests), the
  fault-injection hook; ``plan``: which cells a folder's merge holds, and how a later sweep
  may extend it; ``lock``: one writer per experiment folder (a lease);
* ``merge``: the tables a report cites, and ``lean-sim-merge``; ``progress``: done/total, an
  ETA and the estimate before a sweep; ``local``: ``sweep_cells``, a sweep from Python;
* ``config`` (the schema, the culture group and help generated from sim.Params and
  sim.cultures), ``session`` (validate every job, estimate, lock, plan, merge), ``sweeper``
  (the multirun: launch, recover from dead workers), ``callbacks`` (the same for a single run)
  and ``cli`` (the ``lean-sim`` entry point: --version, a missing extra, unknown keys).
"""
