"""inventory/aws_ec2.yml against a local moto EC2: the aidc inventory contract from tags.

A moto server on 127.0.0.1 plays EC2; instances are tagged the way the aws target
tags them; `ansible-inventory` (the venv's) runs the amazon.aws.aws_ec2 plugin
against it, pointed there with AWS_URL (the plugin's endpoint_url option). No
traffic leaves the machine: fake credentials, and every AWS_* and proxy variable
of the calling environment is dropped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import moto.server as moto_server
import pytest

from tests.ansible_cli import inventory_list, members
from tests.conftest import REPO

INVENTORY = REPO / "inventory" / "aws_ec2.yml"
REGION = "us-east-1"

# (Name, pool, roles tag) as the aws target tags a cluster named "p5".
NODES = [
    ("p5-login-1", "login", "login,monitor"),
    ("p5-gpu-1", "gpu", "gpu"),
    ("p5-gpu-2", "gpu", "gpu"),
    ("p5-storage-1", "storage", "storage"),
    ("p5-storage-2", "storage", "storage"),
    ("p5-storage-3", "storage", "storage"),
]


def _clean_env(endpoint: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "ANSIBLE_", "BOTO")) and "proxy" not in k.lower()
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        # The aws_ec2 plugin's endpoint_url option reads AWS_URL.
        AWS_URL=endpoint,
    )
    return env


@pytest.fixture(scope="module")
def ec2_endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster(ec2_endpoint: str) -> dict[str, str]:
    """Create the VPC, subnet and tagged instances; return Name -> private IP."""
    ec2 = boto3.client(
        "ec2",
        region_name=REGION,
        endpoint_url=ec2_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/20")["Subnet"]["SubnetId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    addresses = {}
    for name, pool, roles in NODES:
        tags = [
            {"Key": "Name", "Value": name},
            {"Key": "aidc:cluster", "Value": "p5"},
            {"Key": "aidc:pool", "Value": pool},
            {"Key": "aidc:roles", "Value": roles},
        ]
        reservation = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="m7i.large",
            SubnetId=subnet,
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )
        addresses[name] = reservation["Instances"][0]["PrivateIpAddress"]
    # Not aidc's: no aidc:cluster tag, so it must not appear.
    ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SubnetId=subnet,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "bystander"}]}
        ],
    )
    return addresses


@pytest.fixture(scope="module")
def inventory(ec2_endpoint: str, cluster: dict[str, str]) -> dict[str, Any]:
    return inventory_list(INVENTORY, env=_clean_env(ec2_endpoint))


def test_every_tagged_instance_is_a_host_named_from_its_name_tag(
    inventory: dict[str, Any], cluster: dict[str, str]
) -> None:
    assert set(inventory["_meta"]["hostvars"]) == set(cluster)
    assert members(inventory, "aidc") == set(cluster)
    assert "bystander" not in members(inventory, "all")


def test_role_groups(inventory: dict[str, Any]) -> None:
    assert members(inventory, "gpu") == {"p5-gpu-1", "p5-gpu-2"}
    assert members(inventory, "storage") == {"p5-storage-1", "p5-storage-2", "p5-storage-3"}
    assert members(inventory, "login") == {"p5-login-1"}
    assert members(inventory, "monitor") == {"p5-login-1"}
    assert members(inventory, "cpu") == set()
    assert not any(group.startswith("_") for group in inventory if group != "_meta")


def test_pool_groups_are_children_of_aidc(inventory: dict[str, Any]) -> None:
    assert members(inventory, "pool_gpu") == {"p5-gpu-1", "p5-gpu-2"}
    assert members(inventory, "pool_storage") == {
        "p5-storage-1",
        "p5-storage-2",
        "p5-storage-3",
    }
    assert members(inventory, "pool_login") == {"p5-login-1"}
    children = set(inventory["aidc"]["children"])
    assert {"pool_gpu", "pool_storage", "pool_login", "gpu", "storage", "login"} <= children


@pytest.mark.parametrize(("name", "pool", "roles"), NODES)
def test_host_vars(
    inventory: dict[str, Any], cluster: dict[str, str], name: str, pool: str, roles: str
) -> None:
    hostvars = inventory["_meta"]["hostvars"][name]
    address = cluster[name]
    assert hostvars["ansible_host"] == address
    assert hostvars["ansible_user"] == "ubuntu"
    assert hostvars["aidc_pool"] == pool
    assert hostvars["aidc_roles"] == roles.split(",")
    assert hostvars["aidc_addresses"] == {"vpc": address}
    assert hostvars["aidc_cluster_name"] == "p5"
    assert hostvars["aidc_target"] == "aws"


def test_cluster_wide_variables_are_present(inventory: dict[str, Any]) -> None:
    for hostvars in inventory["_meta"]["hostvars"].values():
        assert hostvars["aidc_apt_proxy"] == ""
        assert hostvars["aidc_rgw_endpoint"] == ""
        for key in (
            "aidc_monitoring_targets",
            "aidc_admin_sources",
            "aidc_firewall_flows",
            "aidc_ceph_mon_hosts",
        ):
            assert hostvars[key] == [], key
