"""What the `aidc check` tests share: the CLI run as a user runs it, a scratch repository laid
out by `aidc init`, and the report formats' schemas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import xmlschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "tests" / "fixtures" / "ci-schemas"
BIN = Path(sys.executable).parent
COLLECTIONS = ROOT / ".aidc" / "collections"


def env(tmp: Path) -> dict[str, str]:
    """No engine cache (so no Pulumi CLI is found), the venv first, and the collection that
    `make setup` builds, for ansible-lint to resolve aidc.cluster.site."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PULUMI_"))}
    out["AIDC_CACHE"] = str(tmp / "cache")
    out["PATH"] = f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin"
    out["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS)
    out["ANSIBLE_HOME"] = str(tmp / "ansible-home")
    return out


def aidc(cwd: Path, *args: str, tmp: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aidc.cli.main", *args],
        cwd=cwd,
        env=env(tmp or cwd),
        capture_output=True,
        text=True,
        check=False,
    )


def scratch(tmp: Path, name: str = "gpu-fleet") -> Path:
    repo = tmp / name
    result = aidc(tmp, "init", str(repo), tmp=tmp)
    assert result.returncode == 0, result.stderr
    return repo


def world_ssh(repo: Path, stack: str = "bad") -> Path:
    """The example aws stack with SSH open to the world (allowed by the spec, refused by
    AIDC-NET-001, a mandatory rule)."""
    doc = yaml.safe_load((repo / "stacks" / "Pulumi.aws-example.yaml").read_text())
    doc["config"]["aidc:cluster"]["firewall"]["admin_cidrs"] = ["0.0.0.0/0"]
    doc["config"]["aidc:cluster"]["firewall"]["allow_world_admin"] = True
    path = repo / "stacks" / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def line_of(path: Path, text: str) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def valid_sarif(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    schema = json.loads((SCHEMAS / "sarif-2.1.0-rtm.5.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    return doc


def valid_junit(path: Path) -> None:
    xmlschema.XMLSchema(str(SCHEMAS / "jenkins-junit.xsd")).validate(str(path))
