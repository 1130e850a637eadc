"""`aidc lab up|down|status`, `aidc train-smoke` and `aidc report`: the arguments. The
commands themselves (src/aidc/cli/lab_run.py) load Pulumi's Automation API and ansible-runner,
so they are imported only when one of them runs: `aidc validate` and `aidc plan` stay light."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from aidc.cli import lab_run

        code: int = getattr(lab_run, name)(args)
        return code

    return run


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lab = sub.add_parser("lab", help="the lab: provision with pulumi, configure with ansible")
    verbs = lab.add_subparsers(dest="verb", required=True)
    up = verbs.add_parser("up", help="pulumi up, ansible site.yml, then the report")
    up.add_argument("--provision-only", action="store_true", help="stop after pulumi up")
    up.add_argument(
        "--no-train", action="store_true", help="skip the training smoke job after site.yml"
    )
    up.set_defaults(func=_command("cmd_up"))
    verbs.add_parser("down", help="pulumi destroy the lab").set_defaults(func=_command("cmd_down"))
    verbs.add_parser("status", help="the report, without changing anything").set_defaults(
        func=_command("cmd_status")
    )
    for parser in verbs.choices.values():
        parser.add_argument("--stack", default="lab", help="stack name (default: lab)")

    train = sub.add_parser(
        "train-smoke",
        help="run the distributed training smoke job through Slurm and record it",
    )
    train.add_argument("--stack", default="lab", help="stack name (default: lab)")
    train.add_argument("--steps", type=int, help="train until this step (default: the role's)")
    train.add_argument("--nodes", type=int, help="nodes to run on (default: 2)")
    train.add_argument("--run", help="run name; a run resumes from its own newest checkpoint")
    train.set_defaults(func=_command("cmd_train_smoke"))

    report = sub.add_parser("report", help="what a stack built and how its nodes answer")
    report.add_argument("--stack", default="lab", help="stack name (default: lab)")
    report.add_argument("--json", action="store_true", help="print JSON")
    report.set_defaults(func=_command("cmd_report"))
