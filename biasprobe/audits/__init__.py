"""Template audits: the recipe (``audit``), streaming scoring, and ``AuditResult``."""
