"""``biasprobe templates``: list the shipped template sets and lexicons."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    t = subparsers.add_parser("templates", help="list shipped template sets and lexicons")
    t.set_defaults(func=run_templates)


def run_templates(args: argparse.Namespace) -> int:
    from biasprobe._expand import bind
    from biasprobe._lexicon import load_lexicon, shipped_lexicons
    from biasprobe._templates import load_template_set, shipped_sets

    print("template sets:")
    for name in shipped_sets():
        tset = load_template_set(name)
        size = bind(tset).size()
        desc = tset.description[:60]
        print(f"  {name:<22} {len(tset.templates):>3} templates {size:>9,} probes  {desc}")
    print("lexicons:")
    for name in shipped_lexicons():
        lex = load_lexicon(name)
        print(f"  {name:<22} {len(lex):>5} items  {lex.meta.get('source', '')[:60]}")
    return 0
