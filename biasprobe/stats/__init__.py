"""Statistics: pure numpy/pandas/scipy inference shared by audits and comparisons."""
