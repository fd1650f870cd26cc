"""``biasprobe report`` (one HTML file) and ``biasprobe card`` (a model-card section)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="write one self-contained HTML report of audits and comparisons",
        description="Render audit directories (biasprobe audit --out) and comparison "
        "directories (biasprobe compare --out) as one HTML file that opens offline.",
    )
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="audit or comparison dir")
    p.add_argument("--out", required=True, type=Path, help="the HTML file to write")
    p.add_argument("--title", default=None, help="report title (default: sets and models)")
    p.set_defaults(func=run_report)
    c = subparsers.add_parser(
        "card",
        help="write a Markdown 'Bias' section for a Hugging Face model card",
        description="Write a model-card 'Bias' section (Markdown) with the country map, "
        "the largest gaps with CIs, the templates used and how to reproduce them.",
    )
    c.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="audit (or comparison) dir")
    c.add_argument("--out", required=True, type=Path, help="the Markdown file to write")
    c.set_defaults(func=run_card)


def run_report(args: argparse.Namespace) -> int:
    from biasprobe.report._html import build_report

    out = build_report(args.dirs, out=args.out, title=args.title)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    return 0


def run_card(args: argparse.Namespace) -> int:
    from biasprobe.report._card import build_card

    out = build_card(args.dirs, out=args.out)
    images = sorted(p.name for p in out.parent.glob(f"{out.stem}_*_map.png"))
    print(f"wrote {out}" + (f" and {', '.join(images)}" if images else ""))
    return 0
