"""Hydra plugin package of lean-adoption-sim (Hydra loads sweepers only from hydra_plugins)."""
