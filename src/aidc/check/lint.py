"""ansible-lint (production profile) over the project's playbooks and roles, once per run:
they configure every stack alike. Its errors are mandatory findings, its warnings (rules in
the project's `warn_list`, reported as minor or info) advisory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from aidc.check.findings import CheckResult, Finding, Location, verdict

# What of a project is Ansible content: aidc's own layout, and what `aidc init` lays out.
CONTENT = ("site.yml", "playbooks", "roles")
ADVISORY = {"info", "minor"}
# ansible-lint could not read the content (a collection not installed): not a clean lint.
UNREAD = "internal-error"


def lint(project: Path) -> CheckResult:
    targets = [name for name in CONTENT if (project / name).exists()]
    if not targets:
        return CheckResult("lint", "", "skipped", notes=["no site.yml, playbooks/ or roles/"])
    binary = _ansible_lint()
    if binary is None:
        note = "ansible-lint is not installed (pip install 'aidc[check]')"
        return CheckResult("lint", "", "skipped", notes=[note])
    proc = subprocess.run(
        [binary, "--profile", "production", "--nocolor", "-q", "-f", "codeclimate", *targets],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        issues: list[dict[str, Any]] = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        issues = []
    if proc.returncode not in (0, 2) or (proc.returncode == 2 and not issues):
        # Not a verdict on the content: ansible-lint itself failed (bad config, a crash).
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        issues = [_tool_failure(f"ansible-lint exited {proc.returncode}: {detail[0]}")]
    findings = [_finding(i) for i in issues]
    notes = [f"ansible-lint {' '.join(targets)}"]
    return CheckResult("lint", "", verdict(findings), findings=findings, notes=notes)


def _ansible_lint() -> str | None:
    """The one beside this interpreter first (a virtualenv not on PATH), then PATH's."""
    beside = Path(sys.executable).with_name("ansible-lint")
    return str(beside) if beside.is_file() else shutil.which("ansible-lint")


def _tool_failure(message: str) -> dict[str, Any]:
    return {"check_name": "ansible-lint", "severity": "blocker", "description": message}


def _finding(issue: dict[str, Any]) -> Finding:
    where = issue.get("location") or {}
    begin = (where.get("positions") or {}).get("begin") or (where.get("lines") or {})
    line = begin.get("line", begin.get("begin", 1)) if isinstance(begin, dict) else 1
    severity = str(issue.get("severity", "major"))
    return Finding(
        check="lint",
        rule_id=str(issue.get("check_name", "ansible-lint")),
        name="ansible-lint",
        level="advisory"
        if severity in ADVISORY and issue.get("check_name") != UNREAD
        else "mandatory",
        severity=severity,
        message=str(issue.get("description", "")),
        location=Location(
            Path(where.get("path", ".")), int(line or 1), int(begin.get("column", 1))
        ),
    )
