"""Scoring steps: how well the warehouse reproduces the generator's ground truth."""

from flows.eval.er import evaluate_entity_resolution, normalize_email, normalize_identifier

__all__ = ["evaluate_entity_resolution", "normalize_email", "normalize_identifier"]
