"""Running Ansible's own CLI from tests, and reading what it prints.

Every run sees the aidc.cluster collection built from this checkout (once per test process,
into a temporary folder), not the copy `make setup` installed in .aidc/collections, which may
predate the sources under test.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conftest import REPO

BIN = Path(sys.executable).parent
SETUP_COLLECTION = REPO / "scripts" / "setup-collection.sh"


def build_collection(build_dir: Path, collections_dir: Path | None = None) -> Path:
    """Build the collection as `make collection` does (and install it into collections_dir
    when given); return the tarball's path."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    argv = [str(SETUP_COLLECTION), str(build_dir)]
    if collections_dir is not None:
        argv.append(str(collections_dir))
    result = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


@functools.cache
def collections_path() -> Path:
    """A collections folder holding aidc.cluster as built from this checkout."""
    root = Path(tempfile.mkdtemp(prefix="aidc-collection-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    build_collection(root / "build", root / "collections")
    return root / "collections"


def ansible_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """env (by default this process's) pointed at the checkout's collection."""
    result = dict(os.environ if env is None else env)
    result["ANSIBLE_COLLECTIONS_PATH"] = str(collections_path())
    return result


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
        env=ansible_env(env),
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
