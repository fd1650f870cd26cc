"""Template sets: sentences with named slots, each slot bound to a lexicon (YAML files)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from biasprobe._errors import TemplateError
from biasprobe._io import read_text

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
SLOT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TOP_KEYS = frozenset(
    {"name", "description", "version", "slots", "templates", "source", "notes", "contrasts"}
)
SLOT_KEYS = frozenset({"lexicon", "neutral", "where", "description", "role"})
ROLES = ("identity", "design")  # an identity axis, or a manipulated design factor
TEMPLATE_KEYS = frozenset({"id", "text", "source", "notes"})


@dataclass(frozen=True)
class Placeholder:
    """One ``{slot}`` or ``{slot.field}`` occurrence in a template."""

    slot: str
    field: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Template:
    """One wording: ``text`` with placeholders, identified by ``id``."""

    id: str
    text: str
    placeholders: tuple[Placeholder, ...]

    @property
    def slots(self) -> list[str]:
        """Slot names in order of first appearance."""
        return list(dict.fromkeys(p.slot for p in self.placeholders))


@dataclass(frozen=True)
class Slot:
    """A slot bound to a lexicon, with an optional neutral filler and metadata filter."""

    name: str
    lexicon: str
    neutral: dict[str, str] | None = None
    where: dict[str, list[str]] = field(default_factory=dict)
    more_neutrals: tuple[dict[str, str], ...] = ()
    role: str = "identity"

    @property
    def neutrals(self) -> tuple[dict[str, str], ...]:
        """Every neutral filler (``neutral:`` may be one filler or a list of them)."""
        return () if self.neutral is None else (self.neutral, *self.more_neutrals)


@dataclass(frozen=True)
class TemplateSet:
    """A named set of templates sharing slots.

    Attributes
    ----------
    name, description
        From the YAML file.
    slots
        Slot name -> its lexicon reference, neutral filler and filter.
    templates
        The wordings (``id``, ``text`` with ``{slot}`` placeholders).
    """

    name: str
    description: str
    templates: tuple[Template, ...]
    slots: dict[str, Slot]
    path: str = ""
    version: str = ""
    contrasts: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description (for audit metadata and reports)."""
        return {
            "name": self.name,
            "description": self.description,
            "version": self.version,
            "path": self.path,
            "slots": {
                s.name: {"lexicon": s.lexicon, "neutral": s.neutral, "where": s.where}
                | ({"neutrals": list(s.neutrals)} if s.more_neutrals else {})
                | ({"role": s.role} if s.role != "identity" else {})
                for s in self.slots.values()
            },
            "templates": [{"id": t.id, "text": t.text} for t in self.templates],
            **({"contrasts": self.contrasts} if self.contrasts else {}),
        }


def template_dir() -> Path:
    """The folder of shipped template sets (package data; the repo's ``templates/`` links here)."""
    return Path(str(resources.files("biasprobe") / "data" / "templates"))


def shipped_sets() -> list[str]:
    """Names of the template sets shipped with biasprobe.

    Examples
    --------
    >>> "country" in shipped_sets()
    True
    """
    return sorted(p.stem for p in template_dir().glob("*.yaml"))


def resolve_set_path(ref: str | Path) -> Path:
    """A shipped set name or a YAML path, as a path; unknown names list the valid ones."""
    ref_s = str(ref)
    if isinstance(ref, Path) or ref_s.endswith((".yaml", ".yml")) or "/" in ref_s:
        return Path(ref_s)
    shipped = template_dir() / f"{ref_s}.yaml"
    if shipped.is_file():
        return shipped
    valid = ", ".join(shipped_sets())
    raise TemplateError(
        f"unknown template set {ref_s!r}; shipped sets: {valid}; or give a .yaml path"
    )


def load_template_set(ref: str | Path) -> TemplateSet:
    """Load a shipped template set by name, or a YAML file by path.

    Examples
    --------
    >>> ts = load_template_set("country")
    >>> ts.templates[0].text
    'This film was filmed in {country}.'
    """
    path = resolve_set_path(ref)
    text = read_text(path, error=TemplateError)
    return parse_template_set(text, source=str(path))


def parse_template_set(text: str, *, source: str) -> TemplateSet:
    """Parse the YAML text of a template set; ``source`` names it in error messages."""
    data = _load_yaml(text, source=source)
    _check_keys(data, TOP_KEYS, where=source)
    slots_raw = data.get("slots")
    if not isinstance(slots_raw, dict) or not slots_raw:
        raise TemplateError(f"{source}: 'slots' must be a mapping of slot name to lexicon")
    slots = {str(k): _parse_slot(str(k), v, source=source) for k, v in slots_raw.items()}
    items = data.get("templates")
    if not isinstance(items, list) or not items:
        raise TemplateError(f"{source}: 'templates' must be a non-empty list of {{id, text}}")
    templates = tuple(
        _parse_template(i, t, slots, source=source, raw_text=text) for i, t in enumerate(items, 1)
    )
    _check_unique_ids(templates, source=source)
    name = str(data.get("name") or Path(source).stem)
    return TemplateSet(
        name=name,
        description=str(data.get("description", "")).strip(),
        templates=templates,
        slots=slots,
        path=source,
        version=str(data.get("version", "")),
        contrasts=_parse_contrasts(data.get("contrasts"), slots, source=source),
    )


def _parse_contrasts(
    raw: Any, slots: dict[str, Slot], *, source: str
) -> dict[str, dict[str, list[str]]]:
    """``contrasts: {SLOT: {NAME: [SIDE_A, SIDE_B]}}``; a side is a value or COLUMN=VALUE."""
    if raw is None:
        return {}
    usage = "contrasts: {SLOT: {NAME: [SIDE_A, SIDE_B]}} (a side: a value or COLUMN=VALUE)"
    if not isinstance(raw, dict):
        raise TemplateError(f"{source}: 'contrasts' must be a mapping; {usage}")
    out: dict[str, dict[str, list[str]]] = {}
    for slot, named in raw.items():
        if str(slot) not in slots:
            raise TemplateError(
                f"{source}: contrasts name unknown slot {slot!r}; slots: {', '.join(slots)}"
            )
        if not isinstance(named, dict):
            raise TemplateError(f"{source}: contrasts of {slot!r} must be a mapping; {usage}")
        for name, sides in named.items():
            if not (isinstance(sides, list) and len(sides) == 2):
                raise TemplateError(
                    f"{source}: contrast {name!r} of {slot!r} must be a list of two sides; {usage}"
                )
            out.setdefault(str(slot), {})[str(name)] = [str(x) for x in sides]
    return out


def parse_placeholders(text: str, *, where: str) -> tuple[Placeholder, ...]:
    """Find ``{slot}``/``{slot.field}`` placeholders; ``{{``/``}}`` are literal braces."""
    found = []
    for m in PLACEHOLDER.finditer(text):
        token = m.group(0)
        if token in ("{{", "}}"):
            continue
        if m.group(1) is None:
            raise TemplateError(
                f"{where}: unmatched {token!r} at character {m.start() + 1}; "
                "write {{ or }} for a literal brace"
            )
        slot, _, fld = m.group(1).strip().partition(".")
        if not SLOT_NAME.match(slot) or (fld and not SLOT_NAME.match(fld)):
            raise TemplateError(
                f"{where}: bad placeholder {token!r}; use {{slot}} or {{slot.field}}"
            )
        found.append(Placeholder(slot, fld or None, m.start(), m.end()))
    return tuple(found)


def _load_yaml(text: str, *, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise TemplateError(f"{source}{loc}: malformed YAML ({problem})") from None
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: expected a mapping with 'slots' and 'templates'")
    return data


def _check_keys(data: dict[str, Any], allowed: frozenset[str], *, where: str) -> None:
    for key in data:
        if key not in allowed:
            valid = ", ".join(sorted(allowed))
            raise TemplateError(f"{where}: unknown key {key!r}; valid keys: {valid}")


def _parse_slot(name: str, raw: Any, *, source: str) -> Slot:
    where = f"{source}: slot {name!r}"
    if not SLOT_NAME.match(name):
        raise TemplateError(f"{where}: slot names are letters, digits and _")
    if isinstance(raw, str):
        raw = {"lexicon": raw}
    if not isinstance(raw, dict) or not raw.get("lexicon"):
        raise TemplateError(f"{where}: has no lexicon; write `lexicon: NAME_OR_PATH`")
    _check_keys(raw, SLOT_KEYS, where=where)
    neutrals = _parse_neutrals(raw.get("neutral"), where=where)
    where_raw = raw.get("where") or {}
    if not isinstance(where_raw, dict):
        raise TemplateError(f"{where}: 'where' must map a column to allowed values")
    filters = {
        str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in where_raw.items()
    }
    return Slot(
        name=name,
        lexicon=str(raw["lexicon"]),
        neutral=neutrals[0] if neutrals else None,
        where=filters,
        more_neutrals=tuple(neutrals[1:]),
        role=_parse_role(raw.get("role", "identity"), where=where),
    )


def _parse_role(raw: Any, *, where: str) -> str:
    if raw not in ROLES:
        raise TemplateError(f"{where}: role {raw!r}; valid: {', '.join(ROLES)}")
    return str(raw)


def _parse_neutrals(raw: Any, *, where: str) -> list[dict[str, str]]:
    """``neutral:`` as a list of fillers: a string, a mapping, or a list of either."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise TemplateError(f"{where}: 'neutral' is an empty list; give one filler or more")
    out = []
    for item in items:
        if isinstance(item, list) or item is None:
            raise TemplateError(f"{where}: a neutral filler is a string or a mapping, got {item!r}")
        filler = item if isinstance(item, dict) else {"value": item}
        if "value" not in filler:
            raise TemplateError(f"{where}: neutral filler {item!r} has no 'value'")
        out.append({str(k): str(v) for k, v in filler.items()})
    return out


def _parse_template(
    index: int, raw: Any, slots: dict[str, Slot], *, source: str, raw_text: str
) -> Template:
    where = f"{source}: template {index}"
    if isinstance(raw, str):
        raw = {"id": f"t{index}", "text": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise TemplateError(f"{where}: expected a mapping with 'id' and 'text'")
    _check_keys(raw, TEMPLATE_KEYS, where=where)
    tid = str(raw.get("id") or f"t{index}")
    text = raw["text"].strip()
    where = f"{source}{_line_of(raw_text, text)}: template {index} ({tid})"
    placeholders = parse_placeholders(text, where=where)
    if not placeholders:
        raise TemplateError(f"{where}: has no slot; use one of {_slot_list(slots)}")
    for p in placeholders:
        if p.slot not in slots:
            raise TemplateError(f"{where}: unknown slot {p.slot!r}; slots: {_slot_list(slots)}")
    return Template(id=tid, text=text, placeholders=placeholders)


def _line_of(raw_text: str, needle: str) -> str:
    pos = raw_text.find(needle)
    return "" if pos < 0 else f", line {raw_text.count(chr(10), 0, pos) + 1}"


def _slot_list(slots: dict[str, Slot]) -> str:
    return ", ".join(slots)


def _check_unique_ids(templates: tuple[Template, ...], *, source: str) -> None:
    seen: dict[str, int] = {}
    for i, t in enumerate(templates, 1):
        if t.id in seen:
            raise TemplateError(
                f"{source}: template {i} repeats id {t.id!r} (first used by template {seen[t.id]})"
            )
        seen[t.id] = i
