"""Commands on cluster nodes over SSH, connected exactly as the inventory connects Ansible.

The argv is built from one node's inventory host variables (`ansible_host`, `ansible_user`,
`ansible_port`, `ansible_ssh_private_key_file`, `ansible_ssh_common_args`: the pinned
known_hosts file, strict host key checking, a jump host), so tests and benchmarks reach a node
the way configuration does, with host keys checked.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping
from typing import Any

from aidc.inventory.build import build_inventory
from aidc.inventory.contract import AwsOutputs, LabOutputs

CONNECT_TIMEOUT_S = 10


class RemoteError(RuntimeError):
    """A command on a node failed."""


def ssh_options(hostvars: Mapping[str, Any]) -> list[str]:
    """ssh's options for a node: non-interactive, its key, its inventory's extra arguments."""
    options = [
        "-o", "BatchMode=yes",
        "-o", f"ConnectTimeout={CONNECT_TIMEOUT_S}",
        "-o", "LogLevel=ERROR",
    ]  # fmt: skip
    key = hostvars.get("ansible_ssh_private_key_file")
    if key:
        options += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
    if hostvars.get("ansible_port"):
        options += ["-p", str(hostvars["ansible_port"])]
    options += shlex.split(str(hostvars.get("ansible_ssh_common_args", "")))
    return options


def destination(hostvars: Mapping[str, Any]) -> str:
    return f"{hostvars.get('ansible_user', 'root')}@{hostvars['ansible_host']}"


def ssh_argv(hostvars: Mapping[str, Any], command: str, *options: str) -> list[str]:
    """The ssh argv running `command` on the node. `options` come first, and for ssh the first
    value of an option wins, so they override the defaults (e.g. `-o BatchMode=no`)."""
    return ["ssh", *options, *ssh_options(hostvars), destination(hostvars), command]


def hostvars_for(outputs: Mapping[str, Any] | LabOutputs | AwsOutputs, node: str) -> dict[str, Any]:
    """One node's host variables, from the stack outputs, as the inventory renders them."""
    inventory = build_inventory(dict(outputs) if isinstance(outputs, Mapping) else outputs)
    try:
        return inventory.hostvars[node]
    except KeyError:
        raise KeyError(f"no node {node!r}; nodes: {', '.join(inventory.hostvars)}") from None


def run(
    hostvars: Mapping[str, Any],
    command: str,
    *options: str,
    timeout: float = 60,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `command` on the node; `check`: raise RemoteError when it fails."""
    result = subprocess.run(
        ssh_argv(hostvars, command, *options),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        where = hostvars.get("inventory_hostname") or hostvars["ansible_host"]
        raise RemoteError(
            f"{where}: {command!r} exited {result.returncode}: {result.stderr.strip()[-500:]}"
        )
    return result
