"""Figures and the citable report of a results folder (``results/<experiment>/``).

Everything here reads only the files a sweep leaves in ``results/<experiment>/`` (the results
contract of docs/results.md): ``runs.parquet``, ``series.parquet`` (or the committed per-week
summary ``series_summary.parquet``), ``pilots.parquet`` and ``manifest.json``. It never runs the
model, so a reader can redraw every figure from committed results alone.

* :mod:`experiments.results` loads a folder and knows its conditions and pairs;
* :mod:`sim.stats` means, 95% confidence intervals and paired effect sizes;
* ``experiments.fig1_*`` ... ``fig7_*``: one module per figure
  (``python -m experiments.fig1_over_time results/headline`` draws one;
  ``python -m experiments.figures results/headline`` draws them all);
* :mod:`experiments.report`: ``lean-sim-report results/<experiment>`` writes report.md/.html.
"""
