"""Run Ansible's site.yml against a stack's inventory and read the recap."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aidc.engine import REPO, engine_env

RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)"
)


@dataclass(frozen=True)
class PlayResult:
    returncode: int
    changed: dict[str, int]
    failed: dict[str, int]
    unreachable: dict[str, int]
    log: Path

    @property
    def ok(self) -> bool:
        return (
            self.returncode == 0
            and not any(self.failed.values())
            and not any(self.unreachable.values())
        )

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


def inventory_for(stack: str) -> Path:
    """inventory/<stack>.pulumi.yml when the repo has one, else one written under .aidc/."""
    shipped = REPO / "inventory" / f"{stack}.pulumi.yml"
    if shipped.exists():
        return shipped
    generated = REPO / ".aidc" / "inventory" / f"{stack}.pulumi.yml"
    generated.parent.mkdir(parents=True, exist_ok=True)
    generated.write_text(f"plugin: pulumi_stack\nstack: {stack}\nproject_dir: {REPO}\n")
    return generated


def parse_recap(output: str) -> dict[str, dict[str, int]]:
    recap: dict[str, dict[str, int]] = {"changed": {}, "failed": {}, "unreachable": {}}
    for line in output.splitlines():
        match = RECAP.match(line.strip())
        if match:
            for key in recap:
                recap[key][match["host"]] = int(match[key])
    return recap


def run_site(stack: str, *extra: str, log_name: str = "site") -> PlayResult:
    log = REPO / ".aidc" / "logs" / f"{stack}-{log_name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = engine_env()
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env.setdefault("ANSIBLE_FORCE_COLOR", "0")
    argv = ["ansible-playbook", "-i", str(inventory_for(stack)), str(REPO / "site.yml"), *extra]
    with log.open("w") as out:
        result = subprocess.run(
            argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    output = log.read_text()
    recap = parse_recap(output)
    log.chmod(0o600)
    return PlayResult(
        result.returncode, recap["changed"], recap["failed"], recap["unreachable"], log
    )
