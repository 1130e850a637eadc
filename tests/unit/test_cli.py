"""`aidc validate` and `aidc plan` as a user runs them: exit codes, stdout, stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import STACKS


def aidc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aidc.cli.main", *args], capture_output=True, text=True, check=False
    )


def test_validate_examples() -> None:
    for stack in ("lab", "aws-p5"):
        result = aidc("validate", str(STACKS / f"Pulumi.{stack}.yaml"))
        assert result.returncode == 0, result.stderr
        assert "valid" in result.stdout


def test_validate_bare_spec(tmp_path: Path, lab_spec: dict[str, Any]) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(lab_spec))
    assert aidc("validate", str(path)).returncode == 0


def test_validate_reports_each_problem(tmp_path: Path, lab_spec: dict[str, Any]) -> None:
    lab_spec["target"] = "gcp"
    lab_spec["pools"][0]["count"] = -1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(lab_spec, sort_keys=False))
    result = aidc("validate", str(path))
    assert result.returncode == 2
    text = path.read_text().splitlines()
    target = text.index("target: gcp") + 1
    count = text.index("  count: -1") + 1
    assert result.stderr.splitlines() == [
        f"{path}:{target}:1: target: 'gcp' is not allowed; allowed: 'lab' or 'aws'",
        f"{path}:{count}:3: pools[0].count: -1 is too small; at least 1",
    ]
    assert "Traceback" not in result.stderr


def test_problems_in_a_stack_config_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(
        "config:\n"
        "  aidc:cluster:\n"
        "    name: Bad\n"
        "    target: lab\n"
        "    networks: [{name: n, cidr: 10.0.0.0/24}]\n"
        "    monitoring: {enabled: false}\n"
        "    pools:\n"
        "      - {name: p, roles: [cpu], count: 0}\n"
    )
    result = aidc("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}:3:5: name: 'Bad' is not valid; use lowercase letters, digits and '-' (an RFC "
        "1123 label), not starting or ending with '-'",
        f"{path}:8:33: pools[0].count: 0 is too small; at least 1",
    ]


def test_validate_and_plan_refuse_what_the_target_cannot_build(
    tmp_path: Path, lab_spec: dict[str, Any]
) -> None:
    """The target's rules run in the CLI too: a pool larger than the lab's address block."""
    lab_spec["lab"]["max_nodes"] = 64
    lab_spec["pools"][1]["count"] = 17
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(lab_spec))
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "count: 17" in t)
    expected = [
        f"{path}:{line}:3: pools[1].count: 17 is more than the 16 addresses the lab gives each "
        "pool; at most 16"
    ]
    for command in ("validate", "plan"):
        result = aidc(command, str(path))
        assert (result.returncode, result.stderr.splitlines()) == (2, expected), command
        assert result.stdout == ""


def test_validate_missing_file(tmp_path: Path) -> None:
    result = aidc("validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "cannot be read" in result.stderr and "Traceback" not in result.stderr


def test_validate_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed\n")
    result = aidc("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{path}:2:1: is not valid YAML: did not find expected ',' or ']' (while parsing a flow "
        "sequence); fix the syntax"
    )


def test_validate_explains_a_tab(tmp_path: Path) -> None:
    path = tmp_path / "tab.yaml"
    path.write_text("name: lab\npools:\n\t- name: gpu\n")
    result = aidc("validate", str(path))
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"{path}:3:1: a tab indents this line; YAML allows only spaces for indentation: indent "
        "with spaces",
    )


def test_validate_refuses_a_key_given_twice(tmp_path: Path, lab_spec: dict[str, Any]) -> None:
    path = tmp_path / "twice.yaml"
    text = yaml.safe_dump(lab_spec, sort_keys=False).replace(
        "name: lab\n", "name: lab\nname: lab2\n", 1
    )
    path.write_text(text)
    result = aidc("validate", str(path))
    assert (result.returncode, result.stderr.splitlines()) == (
        2,
        [f"{path}:2:1: name: is given twice in one mapping (lines 1 and 2); keep one"],
    )


def test_validate_refuses_an_alias_bomb_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path.write_text("\n".join(lines) + "\n")
    result = aidc("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{path}:5:25: aliases here expand the document past 50,000 values; a cluster spec "
        "needs a few hundred: write values out or alias fewer"
    )


def test_stack_config_without_spec(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n")
    result = aidc("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == "config.aidc:cluster: is missing; put the spec under it"


def test_plan_table_and_json() -> None:
    table = aidc("plan", str(STACKS / "Pulumi.aws-p5.yaml"))
    assert table.returncode == 0
    assert "p5.48xlarge" in table.stdout and "224.68" in table.stdout
    data = json.loads(aidc("plan", "--json", str(STACKS / "Pulumi.aws-p5.yaml")).stdout)
    assert data["gpus"] == 32 and data["cost_per_hour"] == 224.68
    assert [p["name"] for p in data["pools"]] == ["login", "gpu", "storage"]
