"""Bad input stops the aws program before any resource is registered, with a message that
names the field. The program runs the way Pulumi runs it: `aidc.program.main` reads the spec
from stack config (`aidc:cluster`) and validates it with the same rules as `aidc validate`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from aidc import program
from aidc.spec import Cluster
from tests.unit.aws_mocks import Run, run_program

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def raw(stack: str = "aws-p5") -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def run_from_config(spec: dict[str, Any]) -> Run:
    return run_program(program.main, config={"aidc:cluster": json.dumps(spec)})


def rejected(spec: dict[str, Any]) -> tuple[str, Run]:
    with pytest.raises(pulumi.RunError) as caught:
        run_from_config(spec)
    run: Run = caught.value.run  # type: ignore[attr-defined]
    return str(caught.value), run


def test_the_valid_spec_runs_from_config() -> None:
    run = run_from_config(raw())
    assert run.of_type("aws:ec2/instance:Instance")
    assert run.outputs["target"] == "aws"


def test_efa_on_a_type_without_efa_is_refused_before_any_resource() -> None:
    spec = raw()
    spec["pools"][0]["efa"] = True  # login on m7i.2xlarge: no EFA
    message, run = rejected(spec)
    assert "pools[0].efa: m7i.2xlarge does not support EFA" in message
    assert "p5.48xlarge" in message  # the allowed types are named
    assert run.resources == [], [str(r) for r in run.resources]


def test_an_invalid_bucket_name_is_refused_before_any_resource() -> None:
    spec = raw()
    spec["storage"]["buckets"][0]["name"] = "P5_Datasets"
    message, run = rejected(spec)
    assert "storage.buckets[0].name: 'P5_Datasets' is not a valid S3 bucket name" in message
    assert run.resources == [], [str(r) for r in run.resources]


def test_a_zone_outside_the_region_is_refused_before_any_resource() -> None:
    spec = raw()
    spec["networks"][0]["subnets"][0]["zone"] = "us-west-2a"
    message, run = rejected(spec)
    assert "networks[0].subnets[0].zone: 'us-west-2a' is not a zone of region us-east-1" in message
    assert run.resources == [], [str(r) for r in run.resources]


def test_every_problem_is_reported_at_once() -> None:
    spec = raw()
    spec["pools"][0]["efa"] = True
    spec["storage"]["buckets"][1]["name"] = "x"
    message, run = rejected(spec)
    assert "pools[0].efa" in message and "storage.buckets[1].name" in message
    assert run.resources == []


def other_network(spec: dict[str, Any]) -> dict[str, Any]:
    spec["networks"].append(
        {
            "name": "other",
            "cidr": "10.1.0.0/16",
            "subnets": [{"name": "a", "cidr": "10.1.0.0/20", "zone": "us-east-1a"}],
        }
    )
    return spec


def test_pools_on_two_networks_are_refused_before_any_resource() -> None:
    spec = other_network(raw())
    spec["pools"][2]["network"] = "other"
    message, run = rejected(spec)
    assert "pools[2].network: is 'other', but pools[0] runs on 'vpc'" in message
    assert run.resources == []


def test_a_network_without_subnets_is_refused_before_any_resource() -> None:
    spec = raw()
    spec["networks"][0]["subnets"] = []
    message, run = rejected(spec)
    assert "networks[0].subnets: is empty, but pools run on this network" in message
    assert run.resources == []


def test_an_autoscaling_ceph_pool_is_refused_before_any_resource() -> None:
    spec = raw()
    spec["pools"][2]["autoscaling"] = True
    message, run = rejected(spec)
    assert "pools[2].autoscaling: is true, but the pool carries the Ceph OSDs" in message
    assert run.resources == []


def test_build_of_an_unchecked_spec_stops_before_any_resource() -> None:
    """A Cluster built by hand skips the rules; the layout still refuses what it cannot place."""
    spec = other_network(raw())
    spec["pools"][2]["network"] = "other"
    cluster = Cluster.model_validate(spec)
    with pytest.raises(pulumi.RunError, match="pools: run on networks other, vpc") as caught:
        run_program(lambda: program.build(cluster))
    assert caught.value.run.resources == []  # type: ignore[attr-defined]
