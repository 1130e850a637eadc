"""Commands on lab nodes for the benchmarks, connected as the inventory connects Ansible."""

from __future__ import annotations

from aidc import remote
from aidc.inventory.contract import AwsOutputs, LabOutputs


def run_on(outputs: LabOutputs | AwsOutputs, node: str, command: str, timeout: float = 900) -> str:
    """stdout of `command` on the node named `node`; fails loudly."""
    hostvars = remote.hostvars_for(outputs, node)
    return remote.run(hostvars, command, timeout=timeout, check=True).stdout
