"""The report's headline gaps, identity slots apart from design slots.

A slot is an identity axis (countries, names, religions) or a design factor the template
set manipulates on purpose (``role: design`` in the YAML: emotion words, a descriptor's
sentiment). A design slot's gap is the manipulation working, not a bias against anyone,
so it never sits in the same ranking as identity gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from biasprobe.report._audit_view import GAP_COLUMNS, AuditView
from biasprobe.report._limits_view import slot_roles
from biasprobe.report._table import Column, Table, table

DESIGN_NOTE = (
    "Design slots are variables the template set manipulates on purpose (role: design in "
    "the set's YAML, e.g. emotion words): their gap shows the manipulation working. It is "
    "not an identity bias and is not ranked with the identity gaps above."
)


@dataclass
class GapTables:
    """The headline gap tables: ``identity`` and ``design`` (either may be ``None``)."""

    identity: Table | None
    design: Table | None
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    design_note: str = DESIGN_NOTE

    def role(self, audit_id: str, slot: str) -> str:
        """``identity`` or ``design`` for one slot of one audit (by the audit view's id)."""
        return self.roles.get(audit_id, {}).get(slot, "identity")


def headline_gaps(audits: list[AuditView]) -> GapTables:
    """Every slot's gap (all wordings pooled), largest first, split by the slot's role.

    The identity table is shown when there is more than one gap to rank; the design
    table whenever an audit has a design slot.
    """
    roles = {v.id: slot_roles(v.result) for v in audits}
    if not audits:
        return GapTables(identity=None, design=None, roles=roles)
    rows = pd.concat(
        [v.overall_gaps.assign(audit=v.title, role=_roles(v, roles)) for v in audits],
        ignore_index=True,
    ).sort_values("gap", ascending=False)
    cols = [Column("audit", "audit"), *(c for c in GAP_COLUMNS if c.key != "template_id")]
    identity, design = rows[rows["role"] == "identity"], rows[rows["role"] == "design"]
    return GapTables(
        identity=table(identity, cols, id="summary-gaps") if len(rows) > 1 else None,
        design=table(design, cols, id="summary-design-gaps") if len(design) else None,
        roles=roles,
    )


def _roles(view: AuditView, roles: dict[str, dict[str, str]]) -> list[str]:
    return [roles[view.id].get(str(s), "identity") for s in view.overall_gaps["slot"]]
