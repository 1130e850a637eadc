"""`aidc check`: validation, plan, policy and lint over a project's stacks, for CI.

Heavy modules (the mocks, Pulumi, the program) are imported when the command runs, so other
commands stay fast and `aidc validate` never imports Pulumi.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aidc.check.findings import CheckResult


def _patterns(values: list[str] | None) -> tuple[str, ...]:
    """Repeated options and comma-separated lists alike: --skip lint,AIDC-TAG-001."""
    return tuple(p.strip() for v in values or [] for p in v.split(",") if p.strip())


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "check",
        help="validate, plan, policy and lint every stack; exit 2 bad input, 3 a mandatory finding",
    )
    check.add_argument(
        "--stack",
        action="append",
        default=[],
        metavar="S",
        help="a stack name (stacks/Pulumi.<S>.yaml) or config path; repeat; default every stack",
    )
    check.add_argument("--project", type=Path, default=Path(), help="the project root (.)")
    check.add_argument(
        "--policy-config",
        type=Path,
        help="policy config JSON (rule name: level); default policy-config.json when present",
    )
    for name, what in (("only", "run only"), ("skip", "skip")):
        check.add_argument(
            f"--{name}",
            action="append",
            metavar="ID",
            help=f"{what} these checks (validate plan policy lint) or rule IDs; patterns allowed",
        )
    check.add_argument("--sarif", type=Path, help="also write the findings as SARIF 2.1.0")
    check.add_argument("--junit", type=Path, help="also write the results as JUnit XML")
    check.add_argument(
        "--engine",
        choices=("auto", "mocks"),
        default="auto",
        help="auto: the engine where it can preview the stack, else mocks; mocks: always mocks",
    )
    check.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from aidc.check import junit, policy_config, project, sarif
    from aidc.check.findings import exit_code
    from aidc.check.run import Options, Selection, check_project

    root = args.project.resolve()
    config_path = args.policy_config
    if config_path is None and (root / "policy-config.json").is_file():
        config_path = root / "policy-config.json"
    # Bad input (a missing stack, a broken policy config) raises SpecError: main() prints it
    # and exits 2.
    config = policy_config.read(config_path)
    stacks = project.stacks(root, args.stack)
    opts = Options(root, config, Selection(_patterns(args.only), _patterns(args.skip)), args.engine)
    results = check_project(stacks, opts)
    _print(results)
    code = exit_code(results)
    if args.sarif:
        args.sarif.write_text(json.dumps(sarif.document(results, root), indent=2) + "\n")
    if args.junit:
        args.junit.write_text(junit.document(results))
    mandatory = sum(len(r.mandatory) for r in results)
    advisory = sum(len(r.findings) for r in results) - mandatory
    print(
        f"aidc check: {len(stacks)} stack(s), {mandatory} mandatory and {advisory} advisory "
        f"finding(s); exit {code}"
    )
    return code


def _print(results: list[CheckResult]) -> None:
    for result in results:
        who = f"stack {result.stack}" if result.stack else "project"
        notes = f" ({'; '.join(result.notes)})" if result.notes else ""
        print(f"{who}: {result.check} {result.status}{notes}")
        for problem in result.problems:
            print(problem, file=sys.stderr)
        for finding in result.findings:
            print(f"  {finding}")
