"""`aidc check` as a user's CI runs it, in a repository `aidc init` lays out: exit 0 on the
example stacks, 3 on a mandatory finding, 2 on bad input; SARIF and JUnit reports that their
schemas accept, naming the rule and the stack config line; --only/--skip and policy config.
The policy rules run under Pulumi's mocks here (no engine is found), and the output says so."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from aidc.check import policy_config
from aidc.check.run import Selection
from aidc.policy.catalog import load
from aidc.spec import SpecError
from tests.unit.check_support import (
    COLLECTIONS,
    aidc,
    line_of,
    scratch,
    valid_junit,
    valid_sarif,
    world_ssh,
)

needs_collection = pytest.mark.skipif(
    not COLLECTIONS.is_dir(), reason="the aidc.cluster collection is not built (make setup)"
)


@needs_collection
def test_the_example_stacks_of_a_new_repository_pass(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    result = aidc(repo, "check", "--sarif", "out.sarif", "--junit", "out.xml", tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for stack in ("aws-example", "lab"):
        for check in ("validate", "plan", "policy"):
            assert f"stack {stack}: {check} passed" in result.stdout
    assert "project: lint passed" in result.stdout
    assert result.stdout.count("judged under Pulumi mocks, not the engine") == 2
    assert valid_sarif(repo / "out.sarif")["runs"][0]["results"] == []
    valid_junit(repo / "out.xml")


def test_a_mandatory_finding_exits_3_and_sarif_names_the_rule_and_the_line(
    tmp_path: Path,
) -> None:
    repo = scratch(tmp_path)
    bad = world_ssh(repo)
    result = aidc(
        repo,
        "check",
        "--stack",
        "bad",
        "--skip",
        "lint",
        "--sarif",
        "out.sarif",
        "--junit",
        "out.xml",
        tmp=tmp_path,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    line = line_of(bad, "admin_cidrs:")
    assert f"stacks/Pulumi.bad.yaml:{line}:" in result.stdout
    run = valid_sarif(repo / "out.sarif")["runs"][0]
    (found,) = run["results"]
    assert found["ruleId"] == "AIDC-NET-001"
    assert found["level"] == "error"
    where = found["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "stacks/Pulumi.bad.yaml"
    assert where["region"]["startLine"] == line
    assert "urn:pulumi:bad::" in found["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    rule = run["tool"]["driver"]["rules"][found["ruleIndex"]]
    catalog = load()["AIDC-NET-001"]
    assert rule["id"] == "AIDC-NET-001"
    assert catalog.remediation in rule["help"]["text"]
    assert rule["properties"]["severity"] == "critical"
    valid_junit(repo / "out.xml")
    # Our own report, already validated against the schema.
    failures = ET.parse(repo / "out.xml").getroot().iter("failure")  # noqa: S314
    assert [f.get("type") for f in failures] == ["AIDC-NET-001"]


def test_a_lab_flow_open_between_roles_points_at_that_flow(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    path = repo / "stacks" / "Pulumi.lab.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["aidc:cluster"]["firewall"]["flows"].append(
        {"source": "login", "destination": "gpu", "protocol": "all", "description": "everything"}
    )
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = aidc(
        repo, "check", "--stack", "lab", "--skip", "lint", "--sarif", "out.sarif", tmp=tmp_path
    )
    assert result.returncode == 3, result.stdout + result.stderr
    (found,) = valid_sarif(repo / "out.sarif")["runs"][0]["results"]
    assert found["ruleId"] == "AIDC-NET-008"
    region = found["locations"][0]["physicalLocation"]["region"]
    lines = path.read_text().splitlines()
    entry = lines[region["startLine"] - 1 : region["startLine"] + 3]  # the flow's four keys
    assert "- source: login" in entry[0]
    assert "description: everything" in entry[3]


def test_bad_input_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    path = repo / "stacks" / "Pulumi.lab.yaml"
    path.write_text(path.read_text().replace("count: 3", "count: three"))
    result = aidc(repo, "check", "--skip", "lint", "--sarif", "out.sarif", tmp=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "stack lab: validate invalid" in result.stdout
    line = line_of(path, "count: three")
    assert f"stacks/Pulumi.lab.yaml:{line}:" in result.stderr
    assert "pools[2].count:" in result.stderr
    spec = valid_sarif(repo / "out.sarif")["runs"][0]["results"]
    assert [r["ruleId"] for r in spec] == ["AIDC-SPEC"]
    assert spec[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == line


def test_a_stack_that_is_not_there_is_bad_input(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    result = aidc(repo, "check", "--stack", "prod", tmp=tmp_path)
    assert result.returncode == 2
    assert "--stack: 'prod' is no stack; stacks here: aws-example, lab" in result.stderr


@pytest.mark.parametrize(
    ("selection", "code"),
    [
        (["--skip", "AIDC-NET-001"], 0),
        (["--skip", "AIDC-NET-*"], 0),
        (["--skip", "policy"], 0),
        (["--only", "plan"], 0),
        (["--only", "AIDC-NET-001"], 3),
        (["--only", "AIDC-STO-*,AIDC-TAG-001"], 0),
    ],
)
def test_only_and_skip_name_checks_and_rules(
    tmp_path: Path, selection: list[str], code: int
) -> None:
    repo = scratch(tmp_path)
    world_ssh(repo)
    result = aidc(repo, "check", "--stack", "bad", "--skip", "lint", *selection, tmp=tmp_path)
    assert result.returncode == code, result.stdout + result.stderr
    assert ("stack bad: policy" in result.stdout) == (
        "policy" not in selection and "plan" not in selection
    )


def test_the_policy_config_sets_a_rules_level(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    world_ssh(repo)
    (repo / "policy-config.json").write_text(json.dumps({"ssh-not-open-to-world": "advisory"}))
    result = aidc(repo, "check", "--stack", "bad", "--skip", "lint", tmp=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[advisory] AIDC-NET-001" in result.stdout
    (repo / "policy-config.json").write_text(json.dumps({"ssh-open": "advisory"}))
    result = aidc(repo, "check", "--stack", "bad", tmp=tmp_path)
    assert result.returncode == 2
    assert "policy-config.json: ssh-open: is no rule of the catalog" in result.stderr


def test_policy_config_reads_levels_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "levels.json"
    path.write_text(
        json.dumps(
            {
                "all": "advisory",
                "gpu-budget": {"enforcementLevel": "mandatory", "max_gpus": 8},
                "required-tags": "disabled",
            }
        )
    )
    cfg = policy_config.read(path)
    assert cfg.level("AIDC-CMP-008") == "mandatory"
    assert cfg.level("AIDC-TAG-001") == "disabled"
    assert cfg.level("AIDC-NET-001") == "advisory"
    assert cfg.settings == {"max_gpus": 8}
    assert policy_config.read(None).level("AIDC-NET-001") == "mandatory"
    path.write_text(json.dumps({"gpu-budget": "strict"}))
    with pytest.raises(SpecError, match="gpu-budget"):
        policy_config.read(path)


def test_the_gpu_budget_from_policy_config_is_applied(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    (repo / "policy-config.json").write_text(
        json.dumps({"gpu-budget": {"enforcementLevel": "mandatory", "max_gpus": 8}})
    )
    result = aidc(repo, "check", "--stack", "aws-example", "--skip", "lint", tmp=tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "AIDC-CMP-008" in result.stdout


def test_lint_findings_are_mandatory_and_located(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    (repo / "site.yml").unlink()  # needs the collection; judged in the first test
    (repo / "playbooks").mkdir()
    (repo / "playbooks" / "bad.yml").write_text("---\n- hosts: all\n  tasks:\n    - shell: id\n")
    result = aidc(repo, "check", "--only", "lint", "--sarif", "out.sarif", tmp=tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    found = valid_sarif(repo / "out.sarif")["runs"][0]["results"]
    assert "name[play]" in {r["ruleId"] for r in found}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in found}
    assert uris == {"playbooks/bad.yml"}
    assert aidc(repo, "check", "--skip", "lint", tmp=tmp_path).returncode == 0


def test_selection_keeps_what_is_named() -> None:
    assert Selection().runs("lint")
    assert not Selection(skip=("lint",)).runs("lint")
    assert Selection(only=("AIDC-NET-*",)).runs("policy")
    assert not Selection(only=("plan",)).runs("policy")
    assert Selection(only=("plan",)).runs("validate")


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    result = aidc(tmp_path, "init", str(repo), tmp=tmp_path)
    assert result.returncode == 2
    assert "already has README.md" in result.stderr


def test_validate_still_imports_no_pulumi(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    code = (
        "import sys\n"
        "from aidc.cli.main import main\n"
        "assert main(['validate', 'stacks/Pulumi.lab.yaml']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_engines_policy_events_become_findings_at_their_line(tmp_path: Path) -> None:
    """As the engine reports a lab flow open between roles (captured from a real preview):
    the description line first, then one tagged line per finding; nothing is dropped."""
    from aidc.check.locate import Locator
    from aidc.check.policy import engine_findings
    from aidc.check.policy_config import PolicyConfig
    from aidc.engine import PolicyViolation

    repo = scratch(tmp_path)
    path = repo / "stacks" / "Pulumi.lab.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["aidc:cluster"]["firewall"]["flows"].append(
        {"source": "login", "destination": "gpu", "protocol": "all", "description": "everything"}
    )
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    urn = "urn:pulumi:lab::aidc::aidc:lab:Cluster$pulumi-python:dynamic:Resource::lab-firewall"
    event = PolicyViolation(
        policy="lab-firewall-default-deny",
        pack="aidc",
        level="mandatory",
        message="AIDC-NET-008: Roles on the lab bridge must only reach each other through "
        "declared flows.\n[AIDC-NET-008] flow 'everything' opens every port between different "
        "roles",
        urn=urn,
    )
    found = engine_findings([event], Locator(path, repo), PolicyConfig())
    assert [(f.rule_id, f.level, f.message) for f in found] == [
        (
            "AIDC-NET-008",
            "mandatory",
            "flow 'everything' opens every port between different roles",
        )
    ]
    flows = doc["config"]["aidc:cluster"]["firewall"]["flows"]
    line = path.read_text().splitlines()[found[0].location.line - 1]
    assert "everything" in line or "login" in line, (line, len(flows))
    unknown = PolicyViolation("x", "aidc", "mandatory", "something else entirely", urn)
    with pytest.raises(RuntimeError, match="no known rule"):
        engine_findings([unknown], Locator(path, repo), PolicyConfig())
