"""An instance built from its own EFA network interfaces (no launch template), in a cluster
placement group; the group's self rules are SecurityGroupRule resources."""

import pulumi_aws as aws

EXPECT: set[str] = set()
TAGS = {"project": "hpc", "environment": "prod"}


def program() -> None:
    sg = aws.ec2.SecurityGroup("rdma", vpc_id="vpc-h", description="rdma peers", tags=TAGS)
    for direction in ("ingress", "egress"):
        aws.ec2.SecurityGroupRule(
            f"rdma-{direction}",
            type=direction,
            security_group_id=sg.id,
            source_security_group_id=sg.id,
            protocol="-1",
            from_port=0,
            to_port=0,
            description="all traffic between rdma peers",
        )
    pg = aws.ec2.PlacementGroup("rdma-pg", strategy="cluster", tags=TAGS)
    nic = aws.ec2.NetworkInterface(
        "rdma-nic0", subnet_id="subnet-h1", interface_type="efa", security_groups=[sg.id]
    )
    aws.ec2.Instance(
        "rdma-node0",
        ami="ami-h",
        instance_type="p4d.24xlarge",
        placement_group=pg.name,
        primary_network_interface={"network_interface_id": nic.id},
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True},
        tags=TAGS,
    )
