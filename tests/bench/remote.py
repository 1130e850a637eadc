"""Commands on lab nodes for the benchmarks, over SSH with the stack's pinned host keys."""

from __future__ import annotations

import subprocess
from typing import Any

from aidc.report import ssh_command


def run_on(
    outputs: dict[str, Any], node: dict[str, Any], command: str, timeout: float = 900
) -> str:
    """stdout of `command` on `node` (an entry of the stack's `nodes` output); fails loudly."""
    result = subprocess.run(
        ssh_command(outputs, node, command),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{node['name']}: {command!r} failed: {result.stderr[-500:]}")
    return result.stdout
