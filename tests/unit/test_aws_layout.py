"""The aws layout and rule plan: pure functions of the spec, no Pulumi involved."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.spec import Cluster, SpecError, load_spec
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


def test_what_the_layout_cannot_place_is_refused_at_load_all_at_once() -> None:
    spec = raw("aws-p5")
    spec["pools"][2]["autoscaling"] = True
    spec["networks"].append({"name": "empty", "cidr": "10.9.0.0/16"})
    spec["pools"][0]["network"] = "empty"
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    paths = [p.path for p in caught.value.problems]
    assert paths == [
        "pools[1].network",
        "pools[2].network",
        "networks[1].subnets",
        "pools[2].autoscaling",
    ], str(caught.value)


def test_layout_of_an_unchecked_spec_fails_loudly() -> None:
    """A spec that skipped load_spec gets an error naming each broken invariant."""
    spec = raw("aws-p5")
    spec["pools"][2]["autoscaling"] = True
    spec["networks"].append({"name": "other", "cidr": "10.9.0.0/16"})
    spec["pools"][0]["network"] = "other"
    with pytest.raises(AwsLayoutError) as caught:
        plan_layout(Cluster.model_validate(spec))
    assert caught.value.problems == (
        "pools: run on networks other, vpc; the layout needs one",
        "pools: 'storage' autoscales; the layout needs the OSD hosts",
    )
    spec["pools"][0]["network"] = "vpc"
    spec["networks"][0]["subnets"] = []
    with pytest.raises(AwsLayoutError, match="networks: 'vpc' has no subnets"):
        plan_layout(Cluster.model_validate(spec))


def test_the_aws_layout_refuses_a_lab_spec() -> None:
    cluster, _ = load_spec(raw("lab"))
    with pytest.raises(AwsLayoutError, match="target: is 'lab'; the aws components build"):
        plan_layout(cluster)


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
