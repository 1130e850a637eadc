"""Results as JUnit XML, what CI systems (GitLab, Jenkins, Azure DevOps) show as test reports:
one suite per stack (and one for the project's lint), one case per check. A mandatory finding
is a failure, bad input an error; advisory findings and how a check ran go to system-out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from aidc.check.findings import CheckResult


def _case(result: CheckResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        name=result.check,
        classname=f"aidc.{result.stack or 'project'}",
        time=f"{result.seconds:.3f}",
    )
    if result.status == "skipped":
        ET.SubElement(case, "skipped").text = "; ".join(result.notes)
    if result.status == "invalid":
        error = ET.SubElement(case, "error", type="invalid-input", message="invalid input")
        error.text = "\n".join(str(p) for p in result.problems)
    for finding in result.mandatory:
        failure = ET.SubElement(case, "failure", type=finding.rule_id, message=finding.message)
        failure.text = str(finding)
    advisory = [str(f) for f in result.findings if f.level == "advisory"]
    out = [*result.notes, *(str(p) for p in result.problems if result.status != "invalid")]
    if out or advisory:
        ET.SubElement(case, "system-out").text = "\n".join([*out, *advisory])
    return case


def document(results: list[CheckResult]) -> str:
    root = ET.Element("testsuites", name="aidc check")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for stack, group in groupby(results, key=lambda r: r.stack):
        cases = list(group)
        failures = sum(1 for r in cases if r.mandatory)
        errors = sum(1 for r in cases if r.status == "invalid")
        seconds = sum(r.seconds for r in cases)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"stack {stack}" if stack else "project",
            tests=str(len(cases)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(sum(1 for r in cases if r.status == "skipped")),
            time=f"{seconds:.3f}",
        )
        suite.extend(_case(r) for r in cases)
        totals["tests"] += len(cases)
        totals["failures"] += failures
        totals["errors"] += errors
        totals["time"] += seconds
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", f"{totals['time']:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
