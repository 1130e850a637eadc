"""A GPU node that gets a public address through an Elastic IP on its network interface (not
on the instance itself)."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-004"}
LABELS = {"project": "notebooks", "environment": "dev"}


def program() -> None:
    nic = aws.ec2.NetworkInterface("nb-nic", subnet_id="subnet-nb", security_groups=["sg-nb"])
    aws.ec2.Instance(
        "notebook",
        ami="ami-nb",
        instance_type="g6e.xlarge",
        network_interfaces=[{"network_interface_id": nic.id, "device_index": 0}],
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True},
        tags=LABELS,
    )
    aws.ec2.Eip("nb-address", domain="vpc", network_interface=nic.id, tags=LABELS)
