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
    path.write_text(yaml.safe_dump(lab_spec))
    result = aidc("validate", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "target: 'gcp' is not allowed; allowed: 'lab' or 'aws'",
        "pools[0].count: -1 is too small; at least 1",
    ]
    assert "Traceback" not in result.stderr


def test_validate_and_plan_refuse_what_the_target_cannot_build(
    tmp_path: Path, lab_spec: dict[str, Any]
) -> None:
    """The target's rules run in the CLI too: a pool larger than the lab's address block."""
    lab_spec["lab"]["max_nodes"] = 64
    lab_spec["pools"][1]["count"] = 17
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(lab_spec))
    expected = [
        "pools[1].count: 17 is more than the 16 addresses the lab gives each pool; at most 16"
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
    assert result.stderr.strip() == f"{path}: is not valid YAML at line 2; fix the syntax"


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
