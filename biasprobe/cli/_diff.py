"""``biasprobe diff DIR_A DIR_B --out DIR``: paired differences of two audits of one set."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from biasprobe.cli._options import add_statistics_options


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "diff",
        help="paired differences (B minus A) of two audit or comparison folders",
        description="Pair the probes of two audit folders of the same template set (or the "
        "pairs of two comparison folders) and report which groups moved, with CIs and BH. "
        "Refuses folders whose probes differ.",
    )
    p.add_argument("folder_a", type=Path, help="audit folder of model A (the reference)")
    p.add_argument("folder_b", type=Path, help="audit folder of model B")
    p.add_argument("--out", required=True, type=Path, help="output folder of the diff")
    add_statistics_options(p)
    p.set_defaults(func=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    from biasprobe.audits._result import check_statistics_options
    from biasprobe.diffs._diff_folders import diff_folders

    check_statistics_options(n_bootstrap=args.n_bootstrap, confidence=args.confidence)
    result = diff_folders(
        args.folder_a,
        args.folder_b,
        n_bootstrap=args.n_bootstrap,
        confidence=args.confidence,
        seed=args.seed,
    )
    result.metadata["command"] = ["biasprobe", *args.argv]
    out = result.save(args.out)
    print("\n".join(result.report_lines()))
    print(f"wrote {out}/diff.json and its tables")
    return 0
