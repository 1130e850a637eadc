"""Turn a stack's outputs into groups, host variables and group variables.

Groups: one per role (gpu, cpu, storage, login, monitor), one per pool (`pool_<name>`), all
under `aidc`. Pure: the Ansible plugin feeds it `pulumi stack output --json --show-secrets`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aidc.spec.types import ROLES

PARENT = "aidc"


class InventoryError(ValueError):
    """The outputs are missing or not those of an aidc stack."""


@dataclass
class Inventory:
    groups: dict[str, list[str]] = field(default_factory=dict)
    hostvars: dict[str, dict[str, Any]] = field(default_factory=dict)
    groupvars: dict[str, Any] = field(default_factory=dict)


def _host_vars(node: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    # A node with a public address and no jump host (an aws login node) is reached directly.
    direct = node.get("public_ip") if not node.get("jump_host") else None
    hv: dict[str, Any] = {
        "ansible_host": direct or node["ansible_host"],
        "ansible_user": node.get("ssh_user", "root"),
        "aidc_pool": node["pool"],
        "aidc_roles": list(node["roles"]),
        "aidc_addresses": dict(node.get("addresses", {})),
        "aidc_gpu_sku": node.get("gpu_sku", ""),
        "aidc_gpu_count": int(node.get("gpus", 0)),
    }
    if node.get("ssh_private_key_file"):
        hv["ansible_ssh_private_key_file"] = node["ssh_private_key_file"]
    ssh_args = []
    if outputs.get("known_hosts_path"):
        ssh_args += [
            f"-o UserKnownHostsFile={outputs['known_hosts_path']}",
            "-o StrictHostKeyChecking=yes",
        ]
    if node.get("jump_host"):
        ssh_args.append(f"-o ProxyJump={node['jump_host']}")
    if ssh_args:
        hv["ansible_ssh_common_args"] = " ".join(ssh_args)
    return hv


def build_inventory(outputs: dict[str, Any]) -> Inventory:
    nodes = outputs.get("nodes")
    if not outputs:
        raise InventoryError("the stack has no outputs; run `pulumi up` for it first")
    if not isinstance(nodes, list) or not nodes:
        raise InventoryError("the stack outputs have no `nodes`; is this an aidc stack?")
    inv = Inventory(groups={PARENT: []})
    for role in ROLES:
        inv.groups[role] = []
    for node in nodes:
        try:
            name = node["name"]
            inv.hostvars[name] = _host_vars(node, outputs)
        except (KeyError, TypeError) as exc:
            raise InventoryError(f"node entry {node!r} lacks {exc}") from None
        inv.groups[PARENT].append(name)
        for role in node["roles"]:
            inv.groups.setdefault(role, []).append(name)
        inv.groups.setdefault(f"pool_{node['pool']}", []).append(name)
    inv.groupvars = dict(outputs.get("cluster_vars") or {})
    return inv
