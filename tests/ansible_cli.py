"""Running Ansible's own CLI from tests, and reading what it prints."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def plain(value: Any) -> Any:
    """Drop ansible-core 2.19's trust markers: plugin values print as {"__ansible_unsafe": v}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return plain(value["__ansible_unsafe"])
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def inventory_run(
    source: Path, *args: str, env: Mapping[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(source), *args],
        cwd=REPO,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def inventory_list(source: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`ansible-inventory --list` as plain data."""
    data: dict[str, Any] = plain(json.loads(inventory_run(source, "--list", env=env).stdout))
    return data


def members(data: dict[str, Any], group: str) -> set[str]:
    """Hosts of a group and of all its descendants."""
    entry = data.get(group, {})
    hosts = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        hosts |= members(data, child)
    return hosts
