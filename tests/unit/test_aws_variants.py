"""Spec variants the example stacks do not show: a bastion, SSM-only access, auto scaling
groups, EBS-backed Ceph OSDs, capacity blocks, images from the spec."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from aidc.spec import Cluster, load_spec
from aidc.targets.aws.layout import plan_layout
from tests.unit.aws_mocks import UBUNTU_AMI, Run, fake_public_ip, run_cluster, tags_of

STACKS = Path(__file__).resolve().parents[2] / "stacks"
INSTANCE = "aws:ec2/instance:Instance"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def raw(stack: str = "aws-p5") -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def build(spec: dict[str, Any]) -> tuple[Cluster, Run]:
    cluster, _ = load_spec(spec)
    return cluster, run_cluster(cluster)


def without_login(spec: dict[str, Any]) -> dict[str, Any]:
    """The p5 spec with its login node gone: a monitor pool stays, flows from login go."""
    spec["pools"][0]["roles"] = ["monitor"]
    spec["pools"][0]["name"] = "mon"
    spec["firewall"]["flows"] = [f for f in spec["firewall"]["flows"] if f["source"] != "login"]
    return spec


def test_without_a_login_pool_a_bastion_is_the_jump_host() -> None:
    cluster, run = build(without_login(raw()))
    assert plan_layout(cluster).access == "bastion"
    host = run.named("p5-bastion-host", INSTANCE)
    assert host.inputs["associatePublicIpAddress"] is True, f"{host}"
    assert host.inputs["subnetId"] == "p5-vpc-subnet-public-a-id", f"{host}: subnet"
    assert host.inputs["metadataOptions"]["httpTokens"] == "required", f"{host}: IMDSv1"
    assert host.inputs["rootBlockDevice"]["encrypted"] is True, f"{host}: root"
    assert host.inputs["vpcSecurityGroupIds"] == ["p5-firewall-bastion-id"], f"{host}"
    assert "iamInstanceProfile" not in host.inputs, f"{host}: a bastion needs no role"
    ssh_in = [r for r in run.of_type(INGRESS) if r.inputs.get("fromPort") == 22]
    for rule in ssh_in:
        sg = rule.inputs["securityGroupId"]
        if sg == "p5-firewall-bastion-id":
            assert rule.inputs["cidrIpv4"] == "203.0.113.0/24", f"{rule}: bastion SSH source"
        else:
            assert rule.inputs["referencedSecurityGroupId"] == "p5-firewall-bastion-id", f"{rule}"
    groups = {r.inputs["securityGroupId"] for r in ssh_in}
    assert groups == {f"p5-firewall-{g}-id" for g in ("bastion", "gpu", "storage", "monitor")}
    jump = f"ubuntu@{fake_public_ip(host.name)}"
    assert run.outputs["endpoints"]["jump_host"] == jump
    for node in run.outputs["nodes"]:
        assert node["jump_host"] == jump, node
        assert "public_ip" not in node
    nodes = [r for r in run.of_type(INSTANCE) if r is not host]
    assert not any(r.inputs.get("associatePublicIpAddress") for r in nodes)
    sources = run.outputs["cluster_vars"]["aidc_admin_sources"]
    assert len(sources) == 1 and sources[0].endswith("/32")


def test_without_public_subnets_access_is_ssm_only() -> None:
    spec = raw()
    spec["networks"][0]["subnets"] = [
        s for s in spec["networks"][0]["subnets"] if not s.get("public")
    ]
    cluster, run = build(spec)
    assert plan_layout(cluster).access == "ssm"
    for typ in ("aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway"):
        assert not run.of_type(typ), f"{typ} without a public subnet"
    assert not any(r.inputs.get("associatePublicIpAddress") for r in run.of_type(INSTANCE))
    assert all("jump_host" not in n for n in run.outputs["nodes"])
    assert run.outputs["endpoints"]["jump_host"] == ""
    assert run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"), "S3 stays reachable privately"


def test_autoscaling_pools_become_groups_on_the_shared_template() -> None:
    spec = raw("aws-h200")
    spec["pools"][1]["autoscaling"] = True
    _, run = build(spec)
    assert not [r for r in run.of_type(INSTANCE) if r.name.startswith("h200-gpu-")]
    (asg,) = run.of_type("aws:autoscaling/group:Group")
    i = asg.inputs
    assert (i["minSize"], i["maxSize"], i["desiredCapacity"]) == (8, 8, 8), f"{asg}: {i}"
    assert i["launchTemplate"]["id"] == "h200-gpu-lt-id", f"{asg}: template"
    assert i["vpcZoneIdentifiers"] == ["h200-vpc-subnet-private-a-id"], f"{asg}: one subnet (EFA)"
    assert i["placementGroup"] == "h200-gpu-placement-pg", f"{asg}: placement group"
    tags = {t["key"]: t["value"] for t in i["tags"]}
    assert tags["aidc:pool"] == "gpu" and tags["aidc:cluster"] == "h200", f"{asg}: {tags}"
    assert all(t["propagateAtLaunch"] for t in i["tags"]), f"{asg}: tags not propagated"
    lt = run.named("h200-gpu-lt")
    assert all("subnetId" not in nic for nic in lt.inputs["networkInterfaces"]), f"{lt}"
    assert [n["name"] for n in run.outputs["nodes"]] == ["h200-login-1"]
    assert run.outputs["autoscaling_groups"] == [{"pool": "gpu", "count": 8, "name": asg.name}]


def test_ceph_osds_without_local_nvme_get_encrypted_gp3_volumes() -> None:
    spec = raw()
    spec["pools"][2]["instance_type"] = "c7i.4xlarge"
    spec["storage"]["ceph"]["osds_per_host"] = 2
    spec["storage"]["ceph"]["osd_size_gb"] = 2000
    cluster, run = build(spec)
    volumes = run.of_type("aws:ebs/volume:Volume")
    attachments = run.of_type("aws:ec2/volumeAttachment:VolumeAttachment")
    assert len(volumes) == len(attachments) == 3 * 2
    for vol in volumes:
        assert vol.inputs["encrypted"] is True, f"{vol}: not encrypted"
        assert vol.inputs["type"] == "gp3", f"{vol}: type"
        assert vol.inputs["size"] == 2000, f"{vol}: size"
        host = tags_of(vol)["aidc:host"]
        inst = run.named(host, INSTANCE)
        subnet = inst.inputs["subnetId"].removeprefix("p5-vpc-subnet-").removesuffix("-id")
        zone = next(s.zone for s in cluster.networks[0].subnets if s.name == subnet)
        assert vol.inputs["availabilityZone"] == zone, f"{vol}: zone apart from {inst}"
    for att in attachments:
        vol_name = att.name.removesuffix("-attach")
        host = vol_name.rsplit("-osd-", 1)[0]
        assert att.inputs["volumeId"] == f"{vol_name}-id", f"{att}"
        assert att.inputs["instanceId"] == f"{host}-id", f"{att}"
    devices = sorted(
        a.inputs["deviceName"] for a in attachments if a.name.startswith("p5-storage-1")
    )
    assert devices == ["/dev/sdf", "/dev/sdg"]


def test_a_capacity_block_launches_with_its_market_type() -> None:
    spec = raw("aws-h200")
    spec["pools"][1]["capacity_reservation_id"] = "cb-0123456789abcdef0"
    _, run = build(spec)
    lt = run.named("h200-gpu-lt")
    assert lt.inputs["instanceMarketOptions"] == {"marketType": "capacity-block"}, f"{lt}"


def test_images_from_the_spec() -> None:
    spec = raw()
    spec["pools"][0]["image"] = "ami-0fedcba9876543210"
    spec["pools"][1]["image"] = "/custom/gpu-image/ami-id"
    _, run = build(spec)
    assert run.named("p5-login-lt").inputs["imageId"] == "ami-0fedcba9876543210"
    assert run.named("p5-gpu-lt").inputs["imageId"] == UBUNTU_AMI
    asked = sorted(c.args["name"] for c in run.calls)
    assert asked == sorted(
        [
            "/custom/gpu-image/ami-id",
            "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
        ]
    )


def test_nodes_spread_over_the_private_subnets_of_every_zone() -> None:
    spec = raw("aws-h200")
    spec["pools"].append(
        {"name": "cpu", "roles": ["cpu"], "count": 4, "instance_type": "c7i.4xlarge"}
    )
    _, run = build(spec)
    subnets = [run.named(f"h200-cpu-{i}", INSTANCE).inputs["subnetId"] for i in range(1, 5)]
    assert subnets == [
        "h200-vpc-subnet-private-a-id",
        "h200-vpc-subnet-private-b-id",
        "h200-vpc-subnet-private-a-id",
        "h200-vpc-subnet-private-b-id",
    ]
