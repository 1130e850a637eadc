"""Ansible inventory plugin: the hosts, groups and variables of an aidc Pulumi stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin

DOCUMENTATION = r"""
name: pulumi_stack
short_description: aidc cluster hosts from a Pulumi stack's outputs
description:
  - Reads C(pulumi stack output --json --show-secrets) of an aidc stack and yields one group
    per role (gpu, cpu, storage, login, monitor), one per pool (pool_<name>), all under aidc,
    with host and group variables the roles read.
  - Configuration files must end in C(.pulumi.yml) or C(.pulumi.yaml).
options:
  plugin:
    description: Token that marks this file as this plugin's.
    required: true
    choices: [aidc.cluster.pulumi_stack]
  stack:
    description: The stack whose outputs to read.
    required: true
    type: str
  project_dir:
    description: Folder holding Pulumi.yaml; by default the parent of the config file's folder.
    type: path
  outputs_file:
    description: Recorded outputs (JSON) to read instead of running pulumi.
    type: path
"""

EXAMPLES = r"""
# inventory/lab.pulumi.yml
plugin: aidc.cluster.pulumi_stack
stack: lab
"""


class InventoryModule(BaseInventoryPlugin):  # type: ignore[misc]
    NAME = "aidc.cluster.pulumi_stack"

    def verify_file(self, path: str) -> bool:
        return bool(super().verify_file(path)) and path.endswith((".pulumi.yml", ".pulumi.yaml"))

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        from aidc.inventory import InventoryError, build_inventory

        outputs = self._outputs(Path(path))
        try:
            built = build_inventory(outputs)
        except InventoryError as exc:
            raise AnsibleParserError(f"{path}: stack {self.get_option('stack')!r}: {exc}") from None
        for group, hosts in built.groups.items():
            self.inventory.add_group(group)
            if group != "aidc":
                self.inventory.add_child("aidc", group)
            for host in hosts:
                self.inventory.add_host(host, group=group)
        for host, variables in built.hostvars.items():
            for key, value in variables.items():
                self.inventory.set_variable(host, key, value)
        for key, value in built.groupvars.items():
            self.inventory.set_variable("aidc", key, value)

    def _outputs(self, config: Path) -> dict[str, Any]:
        recorded = self.get_option("outputs_file")
        if recorded:
            data: dict[str, Any] = json.loads(Path(recorded).read_text())
            return data
        from aidc.engine import EngineError, Stack, StackNotFound

        project = Path(self.get_option("project_dir") or config.resolve().parent.parent)
        stack = Stack(self.get_option("stack"), cwd=project)
        try:
            return stack.outputs()
        except StackNotFound:
            raise AnsibleParserError(
                f"{config}: stack {stack.name!r} does not exist in {stack.backend}; "
                "create it with `pulumi up` (make lab)"
            ) from None
        except EngineError as exc:
            raise AnsibleParserError(f"{config}: {exc}") from None
