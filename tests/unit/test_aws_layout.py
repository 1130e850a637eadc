"""The aws layout and rule plan: pure functions of the spec, no Pulumi involved."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.spec import load_spec
from aidc.targets.aws.firewall import plan_rules
from aidc.targets.aws.layout import AwsLayoutError, plan_layout

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def raw(stack: str) -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def layout_of(spec: dict[str, Any]) -> Any:
    cluster, _ = load_spec(spec)
    return plan_layout(cluster)


def test_p5_layout() -> None:
    layout = layout_of(raw("aws-p5"))
    assert layout.access == "login" and layout.bastion_subnet is None
    login, gpu, storage = layout.pools
    assert [(n.hostname, n.subnet.name, n.public) for n in login.nodes] == [
        ("p5-login-1", "public-a", True)
    ]
    assert {n.subnet.name for n in gpu.nodes} == {"private-a"}
    assert gpu.efa_interfaces == 32 and gpu.placement_group and gpu.kind == "gpu"
    assert storage.kind == "storage" and storage.local_nvme and not storage.efa_interfaces
    assert layout.jump_pool is login


def test_h200_layout_spreads_login_over_public_subnets_and_keeps_efa_in_one() -> None:
    spec = raw("aws-h200")
    spec["pools"][0]["count"] = 3
    layout = layout_of(spec)
    login, gpu = layout.pools
    assert [n.subnet.name for n in login.nodes] == ["public-a", "public-b", "public-a"]
    assert {n.subnet.name for n in gpu.nodes} == {"private-a"}
    assert gpu.efa_interfaces == 16


@pytest.mark.parametrize(
    ("change", "placement"),
    [({"count": 1}, False), ({"placement_group": False}, False), ({}, True)],
)
def test_placement_groups_only_for_multi_node_efa_pools(
    change: dict[str, Any], placement: bool
) -> None:
    spec = raw("aws-p5")
    spec["pools"][1].update(change)
    assert layout_of(spec).pools[1].placement_group is placement


def test_problems_are_all_listed() -> None:
    spec = raw("aws-p5")
    spec["pools"][2]["autoscaling"] = True
    spec["networks"].append({"name": "empty", "cidr": "10.9.0.0/16"})
    spec["pools"][0]["network"] = "empty"
    cluster, _ = load_spec(spec)
    with pytest.raises(AwsLayoutError) as caught:
        plan_layout(cluster)
    text = str(caught.value)
    assert len(caught.value.problems) == 3, text
    assert "put every pool on one network" in text
    assert "networks[1].subnets: is empty" in text
    assert "storage.ceph.osd_pool" in text


def test_duplicate_flows_become_one_rule() -> None:
    spec = raw("aws-p5")
    spec["firewall"]["flows"].append(
        {
            "source": "login",
            "destination": "gpu",
            "protocol": "tcp",
            "ports": 22,
            "description": "the same again",
        }
    )
    cluster, _ = load_spec(spec)
    rules = plan_rules(cluster, plan_layout(cluster))
    ssh = [r for r in rules if r.group == "gpu" and r.ports == (22, 22)]
    assert [r.description for r in ssh] == ["ssh from the login node"]
    assert len({r.resource_suffix() for r in rules}) == len(rules)
