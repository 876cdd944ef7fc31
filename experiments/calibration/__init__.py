"""Calibration of the rates of capability dynamics to the backsliding trajectory, with a
posterior, and the headline verdict carried over that posterior (``lean-sim-calibrate``).

* :mod:`~experiments.calibration.spec`: targets, programme mapping, priors, the fitted list
  (the one place to change what is fitted), settings;
* :mod:`~experiments.calibration.margin`: the measure, fixed first (``baseline_margin`` rule);
* :mod:`~experiments.calibration.simulate`: pooled follow-up shares on fresh seeds;
* :mod:`~experiments.calibration.fit`: ABC-SMC with pyabc, the posterior;
* :mod:`~experiments.calibration.checks`: predictive check, follow-up curve verdict, other
  readings of the programme, sampling error, margin profile, sizing;
* :mod:`~experiments.calibration.calibrate`: all steps in order, the record;
* :mod:`~experiments.calibration.outputs`, :mod:`~experiments.calibration.figures`,
  :mod:`~experiments.calibration.note`: files of ``results/calibration/``, figures, the note;
* :mod:`~experiments.calibration.verdict`: the verdict under uncertainty
  (``results/uncertainty/``);
* :mod:`~experiments.calibration.cli`: the command.
"""
