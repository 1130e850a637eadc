"""The CI templates and hooks a user copies: the GitHub workflow passes actionlint (built by
`make setup`; skipped, saying so, without it), its steps and the GitLab job's script are the
same commands and run here in a repository `aidc init` lays out; the pre-commit hooks reject a
bad spec; the package ships every file `aidc init` writes."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.scaffold import LAYOUT, template
from tests.unit.check_support import ROOT, env, scratch, valid_junit, valid_sarif, world_ssh

ACTIONLINT = os.environ.get("AIDC_ACTIONLINT", "")


def workflow() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(template("ci/github-actions.yml"))
    return doc


def run_steps() -> list[str]:
    return [s["run"] for s in workflow()["jobs"]["check"]["steps"] if "run" in s]


def commands(scripts: list[str]) -> list[str]:
    return [line.strip() for s in scripts for line in s.splitlines() if line.strip()]


@pytest.mark.skipif(
    not (ACTIONLINT and Path(ACTIONLINT).is_file()),
    reason="actionlint is not built: run make setup (the Makefile names it in AIDC_ACTIONLINT)",
)
def test_actionlint_reports_nothing_on_the_templates(tmp_path: Path) -> None:
    repo = scratch(tmp_path)
    for path in (
        ROOT / "src/aidc/scaffold/files/ci/github-actions.yml",
        repo / ".github/workflows/aidc-check.yml",
    ):
        result = subprocess.run(
            [ACTIONLINT, "-no-color", str(path)], capture_output=True, text=True, check=False
        )
        assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_the_workflow_caches_the_engine_and_uploads_sarif() -> None:
    steps = workflow()["jobs"]["check"]["steps"]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    assert uses["actions/cache"]["with"]["path"] == "~/.cache/aidc"
    assert uses["actions/setup-python"]["with"]["cache"] == "pip"
    assert uses["github/codeql-action/upload-sarif"]["with"]["sarif_file"] == "aidc.sarif"
    assert workflow()["permissions"]["security-events"] == "write"


def test_the_gitlab_job_runs_the_same_commands() -> None:
    job = yaml.safe_load(template("ci/gitlab-ci.yml"))["aidc-check"]
    assert commands(job["script"]) == commands(run_steps())
    assert job["artifacts"]["reports"]["junit"] == "aidc-junit.xml"
    assert set(job["cache"]["paths"]) == {".cache/pip", ".cache/aidc"}


def test_the_workflow_steps_run_in_a_new_repository(tmp_path: Path) -> None:
    """The install step's inputs are what `aidc init` wrote (installing from an index is the
    CI's part); the check step runs as written, with aidc from this environment."""
    repo = scratch(tmp_path)
    install, check = run_steps()
    assert "requirements.txt" in install
    assert "requirements.yml" in install
    assert re.search(r"^aidc\[check\]==\d", (repo / "requirements.txt").read_text(), re.M)
    assert yaml.safe_load((repo / "requirements.yml").read_text())["collections"][0]["name"] == (
        "aidc.cluster"
    )
    world_ssh(repo)
    # Lint needs the collection `ansible-galaxy collection install` puts there in CI.
    run_env = env(tmp_path)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", check.replace("aidc check", "aidc check --skip lint")],
        cwd=repo,
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "judged under Pulumi mocks, not the engine" in result.stdout
    sarif = valid_sarif(repo / "aidc.sarif")
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"AIDC-NET-001"}
    valid_junit(repo / "aidc-junit.xml")


def hooks(path: Path) -> list[dict[str, Any]]:
    doc = yaml.safe_load(path.read_text())
    found: list[dict[str, Any]] = doc if isinstance(doc, list) else doc["repos"][0]["hooks"]
    return found


@pytest.mark.parametrize("where", ["aidc", "init"])
def test_the_pre_commit_hook_rejects_a_bad_spec(tmp_path: Path, where: str) -> None:
    """The hook as pre-commit runs it: its entry with the changed files its pattern selects."""
    repo = scratch(tmp_path)
    config = ROOT / ".pre-commit-hooks.yaml"
    if where == "init":
        config = repo / ".pre-commit-config.yaml"
    (hook,) = hooks(config)
    assert hook["id"] == "aidc-validate"
    changed = ["Pulumi.yaml", "stacks/Pulumi.lab.yaml", "stacks/Pulumi.aws-example.yaml"]
    selected = [f for f in changed if re.search(hook["files"], f)]
    assert selected == changed[1:]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*hook["entry"].split(), *selected],
            cwd=repo,
            env=env(tmp_path),
            capture_output=True,
            text=True,
            check=False,
        )

    assert run().returncode == 0, run().stderr
    lab = repo / "stacks" / "Pulumi.lab.yaml"
    lab.write_text(lab.read_text().replace("count: 3", "count: -1"))
    result = run()
    assert result.returncode == 2
    assert "stacks/Pulumi.lab.yaml:" in result.stderr
    assert "pools[2].count:" in result.stderr
    assert "stacks/Pulumi.aws-example.yaml: valid" in result.stdout


def test_the_package_ships_every_file_init_writes() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["aidc.scaffold"]
    for source in LAYOUT:
        path = f"files/{source}"
        # setuptools' globs do not cross a folder: `*` matches one path segment.
        depth = path.count("/")
        assert any(g.count("/") == depth and fnmatch(path, g) for g in globs), source
