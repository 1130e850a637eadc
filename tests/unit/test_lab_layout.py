"""Lab layout: bridge names, addresses and firewall rules derived from the spec."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface
from typing import Any

import pytest

from aidc.spec import Cluster, load_spec
from aidc.spec.rules import check
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


def small_spec(prefix: int, counts: list[int]) -> dict[str, Any]:
    return {
        "name": "t",
        "target": "lab",
        "lab": {"max_nodes": 64},
        "monitoring": {"enabled": False},
        "networks": [{"name": "net", "cidr": f"10.0.0.0/{prefix}"}],
        "pools": [{"name": f"p{i}", "roles": ["cpu"], "count": n} for i, n in enumerate(counts)],
    }


@pytest.mark.parametrize("prefix", [24, 26, 27, 28, 29, 30, 31, 32])
def test_the_rules_accept_exactly_what_the_layout_places(prefix: int) -> None:
    for before in range(4):
        for count in (1, 4, 5, 6, 15, 16, 17):
            cluster = Cluster.model_validate(small_spec(prefix, [1] * before + [count]))
            accepted = not [p for p in check(cluster) if p.severity == "error"]
            try:
                plan_layout(cluster, "lab")
            except LabLayoutError:
                placed = False
            else:
                placed = True
            assert accepted == placed, (prefix, before, count)


def test_layout_of_an_unchecked_spec_fails_loudly() -> None:
    """A spec that skipped load_spec gets an error naming the broken invariant, not a crash."""
    too_small = Cluster.model_validate(small_spec(27, [1, 1, 3]))
    with pytest.raises(LabLayoutError, match="node t-p2-1 has no address in net"):
        plan_layout(too_small, "lab")
    no_bridge = Cluster.model_validate(small_spec(32, [1]))
    with pytest.raises(LabLayoutError, match="has no address for the bridge"):
        plan_layout(no_bridge, "lab")
