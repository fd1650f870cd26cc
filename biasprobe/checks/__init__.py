"""Threshold checks: expressions, metrics, CI-aware verdicts, baselines, ``expect``."""
