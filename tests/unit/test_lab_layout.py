"""Lab layout: bridge names, addresses and firewall rules derived from the spec."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface
from typing import Any

import pytest

from aidc.spec import load_spec
from aidc.targets.lab.layout import LabLayoutError, plan_layout
from aidc.targets.lab.ops.network import bridge_name


def test_lab_example_layout(lab_spec: dict[str, Any]) -> None:
    cluster, _ = load_spec(lab_spec)
    layout = plan_layout(cluster, "lab")
    assert [b.host for b in layout.bridges] == [IPv4Interface("10.231.0.1/24")]
    assert {n.hostname: str(n.address) for n in layout.nodes} == {
        "lab-login-1": "10.231.0.10/24",
        "lab-gpu-1": "10.231.0.26/24",
        "lab-gpu-2": "10.231.0.27/24",
        "lab-storage-1": "10.231.0.42/24",
        "lab-storage-2": "10.231.0.43/24",
        "lab-storage-3": "10.231.0.44/24",
    }
    ssh_to_gpu = layout.rules[0]
    assert ssh_to_gpu.sources == (IPv4Address("10.231.0.10"),)
    assert ssh_to_gpu.destinations == (IPv4Address("10.231.0.26"), IPv4Address("10.231.0.27"))
    assert (ssh_to_gpu.protocol, ssh_to_gpu.ports) == ("tcp", (22, 22))


def test_growing_a_pool_keeps_other_addresses(lab_spec: dict[str, Any]) -> None:
    before = plan_layout(load_spec(lab_spec)[0], "lab")
    lab_spec["pools"][1]["count"] = 3
    after = plan_layout(load_spec(lab_spec)[0], "lab")
    kept = {n.hostname: n.address for n in before.nodes}
    assert all(kept[n.hostname] == n.address for n in after.nodes if n.hostname in kept)


def test_bridge_names_fit_linux_limit() -> None:
    name = bridge_name("a-very-long-stack-name-indeed", "cluster")
    assert len(name) <= 15 and name.startswith("aidc-")
    assert name == bridge_name("a-very-long-stack-name-indeed", "cluster")
    assert name != bridge_name("other", "cluster")


def test_network_too_small(lab_spec: dict[str, Any]) -> None:
    lab_spec["networks"][0]["cidr"] = "10.231.0.0/27"
    cluster, _ = load_spec(lab_spec)
    with pytest.raises(LabLayoutError, match=r"pools\[2\].count: the lab gives each pool 16"):
        plan_layout(cluster, "lab")
