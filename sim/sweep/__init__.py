"""Sweeps of the model from the command line: the ``lean-sim`` Hydra app and its machinery.

Modules, from pure to Hydra-aware:

* ``seeds``: cell ids and replicate seeds (SeedSequence over canonical digests);
* ``cells``: a resolved configuration -> validated cells (Params.create, culture, ablate, design);
* ``design``: sweep points from a CSV/Parquet design file;
* ``runner``: run a cell's replicates resumably into ``results/<experiment>/cells/<cell_id>/``;
* ``store``: atomic writes and the file layout; ``merge``: the tables a report cites;
* ``progress``: done/total and ETA shared through a small file;
* ``config``, ``callbacks``, ``cli``: the Hydra side (schema from sim.Params, validation of every
  sweep point before any job, merge at the end, console scripts).
"""
