"""Turn a stack's outputs into groups, host variables and group variables.

Groups: one per role (gpu, cpu, storage, login, monitor), one per pool (`pool_<name>`), all
under `aidc`. Pure: the Ansible plugin feeds it the stack's output values, which are parsed
with the output contract first (`aidc.inventory.contract`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aidc.inventory.contract import AwsOutputs, ContractError, LabOutputs, NodeOut, parse_outputs
from aidc.spec.types import ROLES

PARENT = "aidc"


class InventoryError(ValueError):
    """The outputs are missing or not those of an aidc stack of this contract."""


@dataclass
class Inventory:
    groups: dict[str, list[str]] = field(default_factory=dict)
    hostvars: dict[str, dict[str, Any]] = field(default_factory=dict)
    groupvars: dict[str, Any] = field(default_factory=dict)


def host_vars(node: NodeOut, outputs: LabOutputs | AwsOutputs) -> dict[str, Any]:
    """The connection and identity variables of one node: the one connection definition that
    configuration, the report and the tests share."""
    hv: dict[str, Any] = {
        "ansible_host": node.connect_address,
        "ansible_user": node.ssh_user,
        "aidc_pool": node.pool,
        "aidc_roles": list(node.roles),
        "aidc_addresses": dict(node.addresses),
        "aidc_gpu_sku": node.gpu_sku,
        "aidc_gpu_count": node.gpus,
    }
    if node.ssh_private_key_file:
        hv["ansible_ssh_private_key_file"] = node.ssh_private_key_file
    ssh_args = []
    if outputs.known_hosts:
        ssh_args += [f"-o UserKnownHostsFile={outputs.known_hosts}", "-o StrictHostKeyChecking=yes"]
    if node.jump_host:
        ssh_args.append(f"-o ProxyJump={node.jump_host}")
    if ssh_args:
        hv["ansible_ssh_common_args"] = " ".join(ssh_args)
    return hv


def build_inventory(outputs: dict[str, Any] | LabOutputs | AwsOutputs) -> Inventory:
    if isinstance(outputs, dict):
        try:
            outputs = parse_outputs(outputs)
        except ContractError as exc:
            raise InventoryError(str(exc)) from None
    inv = Inventory(groups={PARENT: []})
    for role in ROLES:
        inv.groups[role] = []
    for node in outputs.nodes:
        inv.hostvars[node.name] = host_vars(node, outputs)
        inv.groups[PARENT].append(node.name)
        for role in node.roles:
            inv.groups.setdefault(role, []).append(node.name)
        inv.groups.setdefault(f"pool_{node.pool}", []).append(node.name)
    inv.groupvars = outputs.cluster_vars.model_dump(mode="json")
    return inv
