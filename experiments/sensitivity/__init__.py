"""Global sensitivity analysis of the verdict (``lean-sim-sensitivity``)."""
