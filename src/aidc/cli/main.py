"""`aidc`: validate and plan a cluster spec.

Both load the spec with `aidc.spec.load_file`, which runs the neutral rules and those of the
spec's target, as the Pulumi program does, so both reach the same verdict on a spec.
Exit status: 0 success, 2 invalid input (one line per problem on stderr, each starting with
`file:line:column:` where the value is written), 1 a bug.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from aidc.cli import audit, check, init, lab
from aidc.cli.table import render
from aidc.plan import Plan, make_plan
from aidc.spec import Cluster, Problem, SpecError, load_file

EXIT_INVALID = 2


def _load(path: Path) -> Cluster:
    cluster, warnings = load_file(path)
    _print_problems(warnings)
    return cluster


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Each file in turn, so one bad file (a pre-commit run passes every changed one) does not
    hide the problems of the next."""
    code = 0
    for path in args.file:
        try:
            cluster = _load(path)
        except SpecError as exc:
            _print_problems(exc.problems)
            code = EXIT_INVALID
            continue
        summary = f"{cluster.target} cluster '{cluster.name}', {cluster.node_count} nodes"
        print(f"{path}: valid ({summary})")
    return code


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def format_plan(plan: Plan) -> str:
    headers = [
        "pool",
        "roles",
        "nodes",
        "type",
        "gpu",
        "gpus",
        "bf16 PFLOP/s",
        "HBM TB",
        "kW",
        "$/h",
    ]
    rows: list[list[object]] = [
        [
            p.name,
            "+".join(p.roles),
            p.nodes,
            p.instance_type or "-",
            p.gpu or "-",
            p.gpus,
            _fmt(p.bf16_pflops, 3),
            _fmt(p.hbm_tb, 3),
            _fmt(p.power_kw),
            _fmt(p.cost_per_hour),
        ]
        for p in plan.pools
    ]
    rows.append(
        [
            "total",
            "",
            plan.nodes,
            "",
            "",
            plan.gpus,
            _fmt(plan.bf16_pflops, 3),
            _fmt(plan.hbm_tb, 3),
            _fmt(plan.power_kw),
            _fmt(plan.cost_per_hour),
        ]
    )
    lines = [f"cluster '{plan.cluster}' on target {plan.target}", "", render(headers, rows), ""]
    if plan.ceph_raw_tb:
        lines.append(f"Ceph: {plan.ceph_raw_tb:,.3f} TB raw, {plan.ceph_usable_tb:,.3f} TB usable")
    lines += [f"note: {a}" for a in plan.assumptions]
    return "\n".join(lines)


def cmd_plan(args: argparse.Namespace) -> int:
    plan = make_plan(_load(args.file))
    print(json.dumps(plan.to_dict(), indent=2) if args.json else format_plan(plan))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aidc", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    spec_help = "a stack config (stacks/Pulumi.<stack>.yaml) or a bare spec YAML"

    validate = sub.add_parser("validate", help="check cluster specs; exit 2 on problems")
    validate.add_argument("file", type=Path, nargs="+", help=f"{spec_help}; one or more")
    validate.set_defaults(func=cmd_validate)

    plan = sub.add_parser("plan", help="what the spec builds: GPUs, PFLOP/s, power, cost")
    plan.add_argument("file", type=Path, help=spec_help)
    plan.add_argument("--json", action="store_true", help="print JSON instead of a table")
    plan.set_defaults(func=cmd_plan)

    lab.add_parsers(sub)
    audit.add_parser(sub)
    check.add_parser(sub)
    init.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except SpecError as exc:
        _print_problems(exc.problems)
        return EXIT_INVALID
    return code


if __name__ == "__main__":
    sys.exit(main())
