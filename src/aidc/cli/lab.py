"""`aidc lab up|down|status` and `aidc report`: the lab's main job with timings per phase."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from aidc.configure import run_site
from aidc.engine import EngineError, Stack
from aidc.report import build_report, format_report

T = TypeVar("T")


def _timed(phases: dict[str, float], name: str, action: Callable[[], T]) -> T:
    started = time.monotonic()
    try:
        return action()
    finally:
        phases[name] = time.monotonic() - started
        print(f"aidc: {name}: {phases[name]:.1f} s", file=sys.stderr, flush=True)


def cmd_up(args: argparse.Namespace) -> int:
    stack = Stack(args.stack)
    phases: dict[str, float] = {}
    try:
        stack.ensure()
        _timed(phases, "pulumi up", lambda: stack.run("up", "--yes", "--skip-preview"))
    except EngineError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.provision_only:
        return cmd_status(args)
    play = _timed(phases, "ansible site.yml", lambda: run_site(args.stack))
    if not play.ok:
        print(
            f"aidc: ansible-playbook failed (rc {play.returncode}); log: {play.log}",
            file=sys.stderr,
        )
        return 1
    print(f"aidc: ansible changed={play.total_changed}; log: {play.log}", file=sys.stderr)
    report = _timed(phases, "report", lambda: build_report(args.stack, stack.outputs(), {}))
    report.phases = phases
    print(format_report(report))
    return 0 if all(n.reachable for n in report.nodes) else 1


def cmd_down(args: argparse.Namespace) -> int:
    stack = Stack(args.stack)
    stack.ensure()
    started = time.monotonic()
    try:
        stack.run("destroy", "--yes", "--skip-preview")
    except EngineError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"pulumi destroy -s {args.stack}: {time.monotonic() - started:.1f} s")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    return cmd_report(argparse.Namespace(stack=args.stack, json=False))


def cmd_report(args: argparse.Namespace) -> int:
    try:
        outputs = Stack(args.stack).outputs()
    except EngineError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not outputs:
        print(f"stack {args.stack} has no outputs; run `make lab` first", file=sys.stderr)
        return 1
    report = build_report(args.stack, outputs, {})
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lab = sub.add_parser("lab", help="the lab: provision with pulumi, configure with ansible")
    verbs = lab.add_subparsers(dest="verb", required=True)
    up = verbs.add_parser("up", help="pulumi up, ansible site.yml, then the report")
    up.add_argument("--provision-only", action="store_true", help="stop after pulumi up")
    up.set_defaults(func=cmd_up)
    verbs.add_parser("down", help="pulumi destroy the lab").set_defaults(func=cmd_down)
    verbs.add_parser("status", help="the report, without changing anything").set_defaults(
        func=cmd_status
    )
    for parser in verbs.choices.values():
        parser.add_argument("--stack", default="lab", help="stack name (default: lab)")

    report = sub.add_parser("report", help="what a stack built and how its nodes answer")
    report.add_argument("--stack", default="lab", help="stack name (default: lab)")
    report.add_argument("--json", action="store_true", help="print JSON")
    report.set_defaults(func=cmd_report)
