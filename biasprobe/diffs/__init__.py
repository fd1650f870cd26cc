"""Several models: paired model diffs, multi-model audits, bias against task quality."""
