"""Spec changes map onto resource changes: removing a pool removes exactly its resources and
leaves every other resource's inputs as they were; the runtime state does not leak between
programs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime import settings

from aidc.spec import load_spec
from tests.unit.aws_mocks import Run, run_cluster

STACKS = Path(__file__).resolve().parents[2] / "stacks"

EXTRA_POOL = {
    "name": "gpu2",
    "roles": ["gpu"],
    "count": 2,
    "instance_type": "p5.48xlarge",
    "efa": True,
}
CPU_POOL = {"name": "cpu", "roles": ["cpu"], "count": 2, "instance_type": "c7i.4xlarge"}


def raw(stack: str) -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def run_spec(spec: dict[str, Any]) -> Run:
    cluster, _ = load_spec(spec)
    return run_cluster(cluster)


def pool_resources(run: Run, cluster_name: str, pool: str) -> set[tuple[str, str]]:
    """The pool's component, everything under it, and its EFA security group with its rules."""
    component = run.named(f"{cluster_name}-{pool}")
    owned = {(component.type, component.name)}
    owned |= {(r.type, r.name) for r in run.descendants(component.urn)}
    efa = f"{cluster_name}-firewall-efa-{pool}"
    owned |= {(r.type, r.name) for r in run.resources if r.name.startswith(f"{efa}")}
    return owned


@pytest.mark.parametrize("stack", ["aws-p5", "aws-h200"])
@pytest.mark.parametrize("extra", [EXTRA_POOL, CPU_POOL], ids=["gpu-pool", "cpu-pool"])
def test_removing_a_pool_removes_exactly_its_resources(stack: str, extra: dict[str, Any]) -> None:
    base = raw(stack)
    grown = copy.deepcopy(base)
    grown["pools"].append(copy.deepcopy(extra))
    before, after = run_spec(grown), run_spec(base)
    name = base["name"]

    removed = before.names() - after.names()
    expected = pool_resources(before, name, extra["name"])
    if extra["roles"] == ["cpu"]:
        # A role no other pool has takes its security group (and its rules) with it, and the
        # rules of other groups that let it in (Slurm's flows from compute nodes).
        expected |= {
            (r.type, r.name)
            for r in before.resources
            if r.name.startswith(f"{name}-firewall-cpu") or r.name.endswith("-from-cpu")
        }
    assert removed == expected, f"unexpected: {removed ^ expected}"
    assert after.names() <= before.names(), f"added: {after.names() - before.names()}"

    kept = {(r.type, r.name): r for r in before.resources}
    for res in after.resources:
        assert res.inputs == kept[(res.type, res.name)].inputs, f"{res}: inputs changed"


def test_removing_a_pool_drops_its_nodes_from_the_outputs() -> None:
    base = raw("aws-p5")
    grown = copy.deepcopy(base)
    grown["pools"].append(copy.deepcopy(EXTRA_POOL))
    before, after = run_spec(grown), run_spec(base)
    names_before = {n["name"] for n in before.outputs["nodes"]}
    names_after = {n["name"] for n in after.outputs["nodes"]}
    assert names_before - names_after == {"p5-gpu2-1", "p5-gpu2-2"}
    kept = {n["name"]: n for n in before.outputs["nodes"]}
    for node in after.outputs["nodes"]:
        assert node == kept[node["name"]], node["name"]


def test_growing_a_pool_adds_nodes_only() -> None:
    base = raw("aws-p5")
    grown = copy.deepcopy(base)
    grown["pools"][1]["count"] = 6
    small, big = run_spec(base), run_spec(grown)
    assert big.names() - small.names() == {
        ("aws:ec2/instance:Instance", "p5-gpu-5"),
        ("aws:ec2/instance:Instance", "p5-gpu-6"),
    }


def test_runs_do_not_leak_state() -> None:
    first = run_spec(raw("aws-p5"))
    assert settings.get_root_resource() is None
    assert settings.SETTINGS.monitor is None
    second = run_spec(raw("aws-p5"))
    # Registration order is the event loop's; what is registered is not.
    assert {r.urn: r.inputs for r in first.resources} == {r.urn: r.inputs for r in second.resources}
    assert len(first.resources) == len(second.resources)
    assert first.outputs == second.outputs
