"""`aidc lab up|down|status`: the lab stack through Pulumi's CLI, with timings."""

from __future__ import annotations

import argparse
import sys
import time

from aidc.cli.table import render
from aidc.engine import EngineError, Stack


def cmd_up(args: argparse.Namespace) -> int:
    stack = Stack(args.stack)
    stack.ensure()
    started = time.monotonic()
    result = stack.run("up", "--yes", "--skip-preview", check=False)
    if result.returncode != 0:
        print(diagnostics(result.stdout) + result.stderr, file=sys.stderr)
        return result.returncode
    print(f"pulumi up -s {args.stack}: {time.monotonic() - started:.1f} s")
    return _status(stack)


def diagnostics(output: str) -> str:
    """The engine's Diagnostics section (the errors), without the long Outputs listing."""
    start = output.find("Diagnostics:")
    end = output.find("\nOutputs:", start)
    return output[start:end] if start >= 0 else output[-4000:]


def cmd_down(args: argparse.Namespace) -> int:
    stack = Stack(args.stack)
    stack.ensure()
    started = time.monotonic()
    stack.run("destroy", "--yes", "--skip-preview")
    print(f"pulumi destroy -s {args.stack}: {time.monotonic() - started:.1f} s")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    return _status(Stack(args.stack))


def _status(stack: Stack) -> int:
    try:
        outputs = stack.outputs()
    except EngineError as exc:
        print(exc, file=sys.stderr)
        return 1
    nodes = outputs.get("nodes") or []
    rows = [[n["name"], n["pool"], "+".join(n["roles"]), n["ansible_host"]] for n in nodes]
    print(render(["node", "pool", "roles", "address"], rows))
    print(f"ssh key: {outputs.get('ssh_key_path')}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lab = sub.add_parser("lab", help="bring the lab stack up or down through pulumi")
    verbs = lab.add_subparsers(dest="verb", required=True)
    for verb, func, text in (
        ("up", cmd_up, "pulumi up the lab stack"),
        ("down", cmd_down, "pulumi destroy the lab stack"),
        ("status", cmd_status, "list the lab's nodes from stack outputs"),
    ):
        parser = verbs.add_parser(verb, help=text)
        parser.add_argument("--stack", default="lab", help="stack name (default: lab)")
        parser.set_defaults(func=func)
