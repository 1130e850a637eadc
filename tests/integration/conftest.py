"""One lab for the whole integration session: brought up once, destroyed at the end.

These tests need root (systemd-nspawn, bridges, nftables), as CI has. The lab stack is the
example `stacks/Pulumi.lab.yaml`; its state lives in the repo's `.aidc/state` backend.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aidc import remote
from aidc.configure import PlayResult, run_site
from aidc.engine import REPO, Stack
from aidc.inventory.build import build_inventory
from aidc.inventory.contract import LabOutputs, NodeOut, parse_outputs
from aidc.spec import load_file
from aidc.targets.lab.layout import LabLayout, plan_layout
from tests.integration import hostscan

STACK = "lab"
STACKS = REPO / "stacks"


@dataclass
class Lab:
    stack: Stack
    outputs: LabOutputs
    before: hostscan.Snapshot
    destroyed: bool = False

    @property
    def key(self) -> str:
        return self.outputs.ssh_key_path

    def node(self, name_part: str) -> NodeOut:
        return next(n for n in self.outputs.nodes if name_part in n.name)

    def hostvars(self, name: str) -> dict[str, Any]:
        """A node's inventory host variables: how Ansible, and so every test, reaches it."""
        return build_inventory(self.outputs).hostvars[name]

    def ssh(self, name: str, command: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """`command` on the node named `name` (its hostname), host key checked."""
        return remote.run(self.hostvars(name), command, timeout=timeout)

    def refresh_outputs(self) -> None:
        self.outputs = lab_outputs(self.stack)


def lab_outputs(stack: Stack) -> LabOutputs:
    outputs = parse_outputs(stack.outputs())
    assert isinstance(outputs, LabOutputs), outputs.target
    return outputs


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the lab needs root (systemd-nspawn, bridges, nftables); CI runs as root")


@pytest.fixture(scope="session")
def lab_stack() -> Stack:
    require_root()
    stack = Stack(STACK)
    stack.ensure()
    return stack


@pytest.fixture(scope="session")
def lab(lab_stack: Stack) -> Iterator[Lab]:
    before = scan()
    lab_stack.preview()
    lab_stack.up()
    handle = Lab(lab_stack, lab_outputs(lab_stack), before)
    yield handle
    # AIDC_KEEP_LAB=1 keeps it for the next run while working on the tests; CI never sets it.
    if not handle.destroyed and not os.environ.get("AIDC_KEEP_LAB"):
        lab_stack.destroy()


@pytest.fixture(scope="session")
def converged(lab: Lab) -> PlayResult:
    """The first full site.yml run on the session's lab; every configured-lab test reads it."""
    return run_site(lab.stack.name, log_name="it-first")


def layout(stack: str = STACK) -> LabLayout:
    """The example lab spec's nodes, bridges and flows, as the lab target plans them."""
    cluster, _ = load_file(STACKS / "Pulumi.lab.yaml")
    return plan_layout(cluster, stack)


def scan(stack: str = STACK) -> hostscan.Snapshot:
    """The host objects of a stack of the example lab spec."""
    return hostscan.snapshot(stack, {b.bridge for b in layout(stack).bridges})


def write_config(tmp: Path, spec_yaml: str) -> Path:
    path = tmp / "Pulumi.bad.yaml"
    path.write_text(spec_yaml)
    return path


# The session shares one lab, so order matters: configure and check it first (hardening and
# monitoring on the converged lab, then Slurm and the training job, which need the object
# store whole), then the tests that kill and recreate nodes (their fresh
# nodes carry no Ceph), then Lynis on a node it replaces itself, then the destroy.
MODULE_ORDER = (
    "test_lab_configure",
    "test_hardening",
    "test_monitoring",
    "test_gpu_roles",
    "test_workload",
    "test_shared_fs",
    "test_hdfs",
    "test_storage",
    "test_policy_preview",
    "test_lab_engine",
    "test_lynis",
    "test_zz_destroy",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> tuple[int, int]:
        if "integration" not in item.path.parts:
            return (0, 0)  # everything else first, in its own order
        module = item.path.stem
        return (1, MODULE_ORDER.index(module) if module in MODULE_ORDER else 2)

    items.sort(key=rank)
