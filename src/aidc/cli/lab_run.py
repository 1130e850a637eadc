"""`aidc lab up|down|status` and `aidc report`: the lab's main job, with live progress and the
time of each phase."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from aidc.configure import PlayResult, run_site
from aidc.engine import EngineError, EngineResult, Stack
from aidc.inventory.contract import ContractError, parse_outputs
from aidc.progress import Progress
from aidc.report import Report, build_report, format_report

T = TypeVar("T")


def _timed(phases: dict[str, float], name: str, action: Callable[[], T]) -> T:
    started = time.monotonic()
    try:
        return action()
    finally:
        phases[name] = time.monotonic() - started


def _changes(result: EngineResult) -> str:
    counts = [f"{op} {n}" for op, n in sorted(result.changes.items())]
    return f"{', '.join(counts) or 'nothing to do'}; log: {result.log}"


def _expected_resources(stack: Stack) -> int:
    """How many resources the stack holds now: the display's total until the engine has
    announced more."""
    try:
        return len(stack.resources())
    except EngineError:
        return 0


def cmd_up(args: argparse.Namespace) -> int:
    stack = Stack(args.stack)
    progress = Progress()
    phases: dict[str, float] = {}
    try:
        stack.ensure()
        progress.phase("pulumi up")
        up = _timed(phases, "pulumi up", lambda: _up(stack, progress))
    except EngineError as exc:
        progress.done("failed")
        print(exc, file=sys.stderr)
        return 1
    progress.done(_changes(up))
    if args.provision_only:
        return cmd_status(args)

    progress.phase("ansible site.yml")
    play = _timed(
        phases, "ansible site.yml", lambda: run_site(args.stack, on_event=progress.runner_event)
    )
    progress.done(_play_summary(play))
    if not play.ok:
        _say_why(play)
        return 1

    if not args.no_train:
        progress.phase("training smoke job")
        job = _timed(phases, "training smoke job", lambda: train_smoke(args.stack, progress))
        progress.done(_play_summary(job))
        if not job.ok:
            _say_why(job)
            return 1

    report = _report(args.stack, stack, progress, phases)
    if report is None:
        return 1
    report.phases = phases
    print(format_report(report))
    return 0 if all(n.reachable for n in report.nodes) else 1


def _say_why(play: PlayResult) -> None:
    for failure in play.failures:
        print(f"aidc: {failure}", file=sys.stderr)
    if not play.failures:  # no task failed: the play's own words say why
        print(_tail(play.log), file=sys.stderr)


def train_smoke(
    stack: str, progress: Progress, extra_vars: dict[str, object] | None = None
) -> PlayResult:
    """The training smoke job (playbooks/train_smoke.yml) through Slurm, recorded."""
    extra = ["--extra-vars", json.dumps(extra_vars)] if extra_vars else []
    return run_site(
        stack,
        *extra,
        log_name="train-smoke",
        playbook="playbooks/train_smoke.yml",
        on_event=progress.runner_event,
    )


def cmd_train_smoke(args: argparse.Namespace) -> int:
    progress = Progress()
    wanted = {"steps": args.steps, "nodes": args.nodes, "run": args.run}
    extra = {f"train_smoke_{k}": v for k, v in wanted.items() if v is not None}
    progress.phase("training smoke job")
    job = train_smoke(args.stack, progress, extra)
    progress.done(_play_summary(job))
    if not job.ok:
        _say_why(job)
        return 1
    report = _report(args.stack, Stack(args.stack), progress)
    if report is None:
        return 1
    print(format_report(report))
    return 0


def _up(stack: Stack, progress: Progress) -> EngineResult:
    # The preview's steps are the resources the up will take: the display's total from the
    # start (the engine announces a resource only once its inputs are known).
    progress.expect(len(stack.preview().steps))
    return stack.up(on_event=progress.engine_event)


def _play_summary(play: PlayResult) -> str:
    failed = sorted(h for h, n in play.failed.items() if n)
    unreachable = sorted(h for h, n in play.unreachable.items() if n)
    text = f"{len(play.changed)} hosts, changed {play.total_changed}"
    if failed:
        text += f", failed on {', '.join(failed)}"
    if unreachable:
        text += f", unreachable: {', '.join(unreachable)}"
    if play.returncode and not (failed or unreachable):
        text += f", ansible-playbook exited {play.returncode} ({play.status})"
    return f"{text}; log: {play.log}"


def _tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _report(
    name: str, stack: Stack, progress: Progress, phases: dict[str, float] | None = None
) -> Report | None:
    try:
        outputs = parse_outputs(stack.outputs())
    except (EngineError, ContractError) as exc:
        print(f"aidc: stack {name}: {exc}", file=sys.stderr)
        return None
    progress.phase("report", expected=len(outputs.nodes))
    timings = phases if phases is not None else {}
    report = _timed(
        timings,
        "report",
        lambda: build_report(name, outputs, {}, on_event=progress.runner_event),
    )
    answered = sum(n.reachable for n in report.nodes)
    progress.done(f"{answered}/{len(report.nodes)} nodes answered")
    return report


def cmd_down(args: argparse.Namespace) -> int:
    stack = Stack(args.stack)
    progress = Progress()
    try:
        stack.ensure()
        progress.phase("pulumi destroy", expected=_expected_resources(stack))
        result = stack.destroy(on_event=progress.engine_event)
    except EngineError as exc:
        progress.done("failed")
        print(exc, file=sys.stderr)
        return 1
    progress.done(_changes(result))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    return cmd_report(argparse.Namespace(stack=args.stack, json=False))


def cmd_report(args: argparse.Namespace) -> int:
    report = _report(args.stack, Stack(args.stack), Progress())
    if report is None:
        return 1
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return 0
