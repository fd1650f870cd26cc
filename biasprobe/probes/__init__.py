"""Probe building: template sets, lexicons, expansion into probe tables, grammar, validation."""
