"""``biasprobe templates`` (list, ``--show NAME``) and ``biasprobe validate``."""

from __future__ import annotations

import argparse
import os
from typing import Any

DEFAULT_SAMPLE = 8


def register(subparsers: Any) -> None:
    t = subparsers.add_parser(
        "templates", help="list or show template sets and lexicons (check them: biasprobe validate)"
    )
    t.add_argument(
        "--show", metavar="NAME", help="print a set (or lexicon) with a sample of probes"
    )
    t.add_argument("--sample", type=int, default=DEFAULT_SAMPLE, help="probes to show (default: 8)")
    t.add_argument("--seed", type=int, default=0, help="seed of the sample (default: 0)")
    _add_data_dir(t)
    t.set_defaults(func=run_templates)
    v = subparsers.add_parser("validate", help="check lexicons and template sets; exit 2 on errors")
    v.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="lexicon .csv, template .yaml, folder, or shipped name (default: all shipped)",
    )
    _add_data_dir(v)
    v.set_defaults(func=run_validate)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="folder holding run-time datasets such as holistic_bias/ (sets BIASPROBE_DATA)",
    )


def _apply_data_dir(args: argparse.Namespace) -> None:
    if getattr(args, "data_dir", None):
        os.environ["BIASPROBE_DATA"] = str(args.data_dir)


def run_templates(args: argparse.Namespace) -> int:
    _apply_data_dir(args)
    if args.show:
        return _show(args.show, sample=args.sample, seed=args.seed)
    return _list()


def run_validate(args: argparse.Namespace) -> int:
    _apply_data_dir(args)
    return _validate(args.paths)


def _list() -> int:
    from biasprobe._errors import BiasprobeError
    from biasprobe.probes._expand import bind
    from biasprobe.probes._holistic import is_local
    from biasprobe.probes._lexicon_refs import load_lexicon, shipped_lexicons
    from biasprobe.probes._template_set import load_template_set, shipped_sets

    print("template sets:")
    for name in shipped_sets():
        tset = load_template_set(name)
        size = "  needs data (--data-dir)"
        if all(is_local(s.lexicon) for s in tset.slots.values()):
            try:
                size = f"{bind(tset).size():>9,} probes"
            except BiasprobeError as exc:
                size = f"  broken: {exc}"
        desc = tset.description[:60]
        print(f"  {name:<22} {len(tset.templates):>3} templates {size}  {desc}")
    print("lexicons:")
    for name in shipped_lexicons():
        lex = load_lexicon(name)
        print(f"  {name:<22} {len(lex):>5} items  {lex.meta.get('licence', '')[:60]}")
    print("  holistic_bias:v1.1      run-time lexicon (CC BY-SA 4.0, not shipped)")
    return 0


def _show(name: str, *, sample: int, seed: int) -> int:
    from biasprobe._errors import UsageError
    from biasprobe.probes._lexicon_refs import shipped_lexicons
    from biasprobe.probes._template_set import shipped_sets

    if sample < 0:
        raise UsageError(f"--sample must be 0 or more, got {sample}")
    is_set = name in shipped_sets() or name.endswith((".yaml", ".yml"))
    if not is_set and (name in shipped_lexicons() or name.endswith(".csv") or ":" in name):
        return _show_lexicon(name, sample=sample, seed=seed)
    return _show_set(name, sample=sample, seed=seed)


def _show_set(name: str, *, sample: int, seed: int) -> int:
    from biasprobe.probes._expand import bind, expand
    from biasprobe.probes._template_set import load_template_set

    bound = bind(load_template_set(name))
    tset = bound.template_set
    print(f"{tset.name} (version {tset.version or '-'}): {tset.path}")
    print(f"  {tset.description}")
    print("slots:")
    for slot in tset.slots.values():
        lex = bound.lexicons[slot.name]
        where = f", where {slot.where}" if slot.where else ""
        neutral = (slot.neutral or {}).get("value", "-")
        print(
            f"  {slot.name}: lexicon {slot.lexicon} ({len(lex)} items{where}), neutral {neutral!r}"
        )
    print(f"templates ({len(tset.templates)}):")
    for t in tset.templates:
        print(f"  {t.id}: {t.text}")
    probes = expand(bound)
    n_base = int(probes["is_baseline"].sum())
    print(f"expands to {len(probes):,} probes ({n_base} baselines)")
    if sample:
        picked = probes.sample(min(sample, len(probes)), random_state=seed)
        print(f"sample (seed {seed}):")
        for text in picked.sort_values("probe_id")["text"]:
            print(f"  {text}")
    return 0


def _show_lexicon(name: str, *, sample: int, seed: int) -> int:
    from biasprobe.probes._lexicon_refs import load_lexicon

    lex = load_lexicon(name)
    print(f"{lex.name}: {lex.path} ({len(lex)} items)")
    for key, value in lex.meta.items():
        print(f"  {key}: {value}")
    if sample:
        picked = lex.items.sample(min(sample, len(lex)), random_state=seed).sort_index()
        print(f"sample (seed {seed}):")
        print(picked.to_string(index=False))
    return 0


def _validate(paths: list[str]) -> int:
    from biasprobe.probes._validate import format_findings, validate

    findings = validate(paths)
    for line in format_findings(findings):
        print(line)
    n_err = int((findings["severity"] == "error").sum())
    n_warn = len(findings) - n_err
    print(f"{n_err} errors, {n_warn} warnings")
    return 2 if n_err else 0
