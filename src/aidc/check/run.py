"""Run the checks a selection names over a project's stacks.

`--only` and `--skip` take check names (`CHECKS`) and rule IDs, or patterns of them
(`AIDC-NET-*`, `name[*]` for ansible-lint's). Validation always runs: every other check of a
stack needs its spec, and a spec that fails it makes the run bad input (exit 2).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from aidc.check.findings import CHECKS, CheckResult, Finding, verdict
from aidc.check.lint import lint
from aidc.check.locate import Locator
from aidc.check.policy import Engine, judge
from aidc.check.policy_config import PolicyConfig
from aidc.check.project import StackFile
from aidc.spec import SpecError, load_file


@dataclass(frozen=True)
class Selection:
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()

    def _named(self, patterns: tuple[str, ...], word: str) -> bool:
        return any(fnmatchcase(word, p) for p in patterns)

    def runs(self, check: str) -> bool:
        """A check runs unless skipped; with --only, if named or if a rule of it is."""
        if check == "validate":
            return True
        if self._named(self.skip, check):
            return False
        if not self.only:
            return True
        rules_named = any(p not in CHECKS for p in self.only)
        return self._named(self.only, check) or (rules_named and check in ("policy", "lint"))

    def keeps(self, finding: Finding) -> bool:
        if self._named(self.skip, finding.rule_id):
            return False
        rules = tuple(p for p in self.only if p not in CHECKS)
        return (
            not rules
            or self._named(self.only, finding.check)
            or self._named(rules, finding.rule_id)
        )


@dataclass
class Options:
    project: Path
    config: PolicyConfig = field(default_factory=PolicyConfig)
    selection: Selection = field(default_factory=Selection)
    engine: Engine = "auto"


def check_stack(stack: StackFile, opts: Options) -> list[CheckResult]:
    started = time.monotonic()
    try:
        cluster, warnings = load_file(stack.path)
    except SpecError as exc:
        return [CheckResult("validate", stack.name, "invalid", problems=list(exc.problems))]
    summary = f"{cluster.target} cluster '{cluster.name}', {cluster.node_count} nodes"
    results = [
        CheckResult(
            "validate",
            stack.name,
            "passed",
            time.monotonic() - started,
            problems=list(warnings),
            notes=[summary],
        )
    ]
    if opts.selection.runs("plan"):
        from aidc.plan import make_plan

        started = time.monotonic()
        plan = make_plan(cluster)
        note = f"{plan.nodes} nodes, {plan.gpus} GPUs, {plan.power_kw:,.2f} kW"
        if plan.cost_per_hour is not None:
            note += f", ${plan.cost_per_hour:,.2f}/h"
        results.append(
            CheckResult("plan", stack.name, "passed", time.monotonic() - started, notes=[note])
        )
    if opts.selection.runs("policy"):
        started = time.monotonic()
        locator = Locator(stack.path, opts.project)
        judged = judge(cluster, stack.name, locator, opts.config, opts.project, opts.engine)
        kept = [f for f in judged.findings if opts.selection.keeps(f)]
        results.append(
            CheckResult(
                "policy",
                stack.name,
                verdict(kept),
                time.monotonic() - started,
                kept,
                notes=[judged.how],
            )
        )
    return results


def check_project(stacks: list[StackFile], opts: Options) -> list[CheckResult]:
    results = [r for stack in stacks for r in check_stack(stack, opts)]
    if opts.selection.runs("lint"):
        started = time.monotonic()
        linted = lint(opts.project)
        linted.findings = [f for f in linted.findings if opts.selection.keeps(f)]
        if linted.status != "skipped":
            linted.status = verdict(linted.findings)
        linted.seconds = time.monotonic() - started
        results.append(linted)
    return results
