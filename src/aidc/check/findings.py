"""What the checks report: findings, one result per check and stack, and the exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aidc.spec import Problem

Level = Literal["mandatory", "advisory"]
Status = Literal["passed", "failed", "skipped", "invalid"]
CHECKS = ("validate", "plan", "policy", "lint")

EXIT_CLEAN = 0
EXIT_INVALID = 2
EXIT_MANDATORY = 3


@dataclass(frozen=True)
class Location:
    """Where a finding is written: a file of the project (relative to its root) and a line."""

    path: Path
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Finding:
    check: str
    rule_id: str
    name: str
    level: Level
    severity: str  # the catalog's (low ... critical), or the linter's for lint findings
    message: str
    location: Location
    resource: str = ""  # the URN the rule is about, when it is about one

    def __str__(self) -> str:
        where = f"{self.location.path}:{self.location.line}:{self.location.column}"
        return f"{where}: [{self.level}] {self.rule_id} {self.name}: {self.message}"


@dataclass
class CheckResult:
    check: str
    stack: str  # "" for a check of the whole project (lint)
    status: Status
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # bad input, as the spec reports it
    notes: list[str] = field(default_factory=list)  # how it ran (mocks or engine), why skipped

    @property
    def mandatory(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "mandatory"]


def verdict(findings: list[Finding]) -> Status:
    return "failed" if any(f.level == "mandatory" for f in findings) else "passed"


def exit_code(results: list[CheckResult]) -> int:
    """Bad input wins over findings: a spec that cannot be read was not judged at all."""
    if any(r.status == "invalid" for r in results):
        return EXIT_INVALID
    if any(r.mandatory for r in results):
        return EXIT_MANDATORY
    return EXIT_CLEAN
