"""Benchmark and pair-set comparisons: pair loaders, SST-2 utility, ``compare``."""
