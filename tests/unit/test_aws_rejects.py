"""Bad input stops the aws program before any resource is registered, with a message that
names the field. The program runs the way Pulumi runs it: the spec comes from stack config
(`aidc:cluster`), is read by the program's `read_cluster`, and handed to `build`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from aidc.program import read_cluster
from aidc.spec import Cluster, load_spec
from aidc.targets.aws import build
from tests.unit.aws_mocks import Run, run_program

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def raw(stack: str = "aws-p5") -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def program() -> None:
    build(read_cluster())


def run_from_config(spec: dict[str, Any]) -> Run:
    return run_program(program, config={"aidc:cluster": json.dumps(spec)})


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


def unchecked(spec: dict[str, Any]) -> Cluster:
    """A Cluster that skipped the cross-field rules (built by hand, not by load_spec)."""
    return Cluster.model_validate(spec)


def test_build_itself_refuses_what_the_loader_would_have() -> None:
    spec = raw()
    spec["pools"][0]["efa"] = True
    with pytest.raises(pulumi.RunError, match=r"pools\[0\]\.efa: m7i\.2xlarge does not support"):
        run_program(lambda: build(unchecked(spec)))


def test_build_refuses_pools_on_two_networks() -> None:
    spec = raw()
    spec["networks"].append(
        {
            "name": "other",
            "cidr": "10.1.0.0/16",
            "subnets": [{"name": "a", "cidr": "10.1.0.0/20", "zone": "us-east-1a"}],
        }
    )
    spec["pools"][2]["network"] = "other"
    cluster, _ = load_spec(spec)
    with pytest.raises(pulumi.RunError, match="put every pool on one network") as caught:
        run_program(lambda: build(cluster))
    assert caught.value.run.resources == []  # type: ignore[attr-defined]


def test_build_refuses_an_autoscaling_ceph_pool() -> None:
    spec = raw()
    spec["pools"][2]["autoscaling"] = True
    cluster, _ = load_spec(spec)
    with pytest.raises(pulumi.RunError, match=r"storage\.ceph\.osd_pool: pool 'storage'") as e:
        run_program(lambda: build(cluster))
    assert e.value.run.resources == []  # type: ignore[attr-defined]


def test_build_refuses_a_lab_spec() -> None:
    lab = yaml.safe_load((STACKS / "Pulumi.lab.yaml").read_text())["config"]["aidc:cluster"]
    cluster, _ = load_spec(lab)
    with pytest.raises(pulumi.RunError, match="target: is 'lab'") as caught:
        run_program(lambda: build(cluster))
    assert caught.value.run.resources == []  # type: ignore[attr-defined]
