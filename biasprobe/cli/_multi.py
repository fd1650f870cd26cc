"""``biasprobe audit SET --model A --model B``: several models, one folder, paired diffs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from biasprobe.cli._options import scoring_kwargs


class ModelsAction(argparse.Action):
    """``--model`` given once is a string (the single-model audit, unchanged); given again,
    a list of every model given."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        given = getattr(namespace, "_models_given", [])
        given.append(values)
        namespace._models_given = given
        setattr(namespace, self.dest, given[0] if len(given) == 1 else list(given))


def run_multi(args: argparse.Namespace, models: list[str]) -> int:
    from biasprobe.diffs._multi import audit_models

    multi = audit_models(
        args.templates,
        models=models,
        max_probes=args.max_probes,
        engine=args.engine,
        utility_data=args.utility_data,
        **scoring_kwargs(args),
    )
    for result in multi.audits.values():
        result.metadata["command"] = ["biasprobe", *args.argv]
    out = multi.save(args.out)
    if multi.quality is not None:
        from biasprobe.report._quality_view import save_quality_figure

        save_quality_figure(multi.quality, out / "quality.png")
    print("\n".join(multi.report_lines()))
    print(f"wrote {out}/<model>/ for {', '.join(multi.names)}, the diff and models.json")
    return 0
