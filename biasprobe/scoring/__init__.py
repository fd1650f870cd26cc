"""Scoring: the only stage that imports torch/transformers (scorers, cache, batching, engines)."""
