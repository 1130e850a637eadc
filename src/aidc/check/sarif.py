"""Findings as SARIF 2.1.0, what code-scanning services (GitHub, GitLab, Azure DevOps) show
beside the code: one run, the catalog's rules as the tool's rules (help text and remediation
from rules.yaml), one result per finding and per spec problem, located at the line of the
stack config (or playbook) that causes it. Paths are relative to the project root, which is
the repository root in CI."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from aidc.check.findings import CheckResult, Finding, Location
from aidc.policy.catalog import Rule, load
from aidc.spec import Problem

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SPEC_RULE = "AIDC-SPEC"
# GitHub ranks security findings by this property (0-10); these match its own bands.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_WHERE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+)$")


def _version() -> str:
    try:
        return version("aidc")
    except PackageNotFoundError:
        return "0"


def _level(enforcement: str) -> str:
    return "error" if enforcement == "mandatory" else "warning"


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.name},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": f"{rule.rationale}\nRemediation: {rule.remediation}",
            "markdown": f"{rule.rationale}\n\n**Remediation:** {rule.remediation}",
        },
        "defaultConfiguration": {
            "level": "error" if rule.enforcement == "mandatory" else "warning"
        },
        "properties": {
            "severity": rule.severity,
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "tags": ["security", rule.area.lower(), *rule.checkov, *rule.trivy],
        },
    }


def _foreign_rule(rule_id: str, text: str) -> dict[str, Any]:
    return {"id": rule_id, "shortDescription": {"text": text}, "help": {"text": text}}


def _location(where: Location) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": where.path.as_posix(), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": where.line, "startColumn": where.column},
        }
    }


def _problem_location(problem: Problem, root: Path) -> Location:
    match = _WHERE.match(problem.where)
    path = Path(match.group("path") if match else problem.where or ".")
    if path.is_absolute() and path.is_relative_to(root):
        path = path.relative_to(root)
    if match is None:
        return Location(path)
    return Location(path, int(match.group("line")), int(match.group("column")))


def document(results: list[CheckResult], root: Path) -> dict[str, Any]:
    catalog = load()
    rules = [_rule(r) for r in catalog.rules]
    index = {r.id: i for i, r in enumerate(catalog.rules)}
    out: list[dict[str, Any]] = []

    def indexed(rule_id: str, text: str) -> int:
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append(_foreign_rule(rule_id, text))
        return index[rule_id]

    for result in results:
        for finding in result.findings:
            out.append(_result(finding, result, indexed(finding.rule_id, finding.name)))
        if result.status == "invalid":
            spec_index = indexed(SPEC_RULE, "the cluster spec is invalid")
            for problem in result.problems:
                out.append(
                    {
                        "ruleId": SPEC_RULE,
                        "ruleIndex": spec_index,
                        "level": "error",
                        "message": {"text": str(problem)},
                        "locations": [_location(_problem_location(problem, root))],
                        "properties": {"stack": result.stack, "check": result.check},
                    }
                )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aidc",
                        "version": _version(),
                        "informationUri": "https://pypi.org/project/aidc/",
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"message": {"text": f"{r.stack or 'project'} {r.check}: {note}"}}
                            for r in results
                            for note in r.notes
                        ],
                    }
                ],
                "results": out,
            }
        ],
    }


def _result(finding: Finding, result: CheckResult, rule_index: int) -> dict[str, Any]:
    location = _location(finding.location)
    if finding.resource:
        location["logicalLocations"] = [
            {"fullyQualifiedName": finding.resource, "kind": "resource"}
        ]
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _level(finding.level),
        "message": {"text": finding.message},
        "locations": [location],
        "properties": {"stack": result.stack, "check": result.check, "severity": finding.severity},
    }
