"""An EFA interface whose only security group comes through a separate attachment; the group
admits SSH from the VPC but no traffic from itself."""

import pulumi_aws as aws

EXPECT = {"AIDC-NET-007"}
T = {"project": "hpc", "environment": "prod"}


def program() -> None:
    fabric = aws.ec2.SecurityGroup("fabric", vpc_id="vpc-0123", description="hpc fabric", tags=T)
    aws.vpc.SecurityGroupIngressRule(
        "fabric-ssh",
        security_group_id=fabric.id,
        ip_protocol="tcp",
        from_port=22,
        to_port=22,
        cidr_ipv4="10.8.0.0/16",
        description="ssh inside the vpc",
        tags=T,
    )
    nic = aws.ec2.NetworkInterface("rdma0", subnet_id="subnet-0123", interface_type="efa")
    aws.ec2.NetworkInterfaceSecurityGroupAttachment(
        "rdma0-fabric", security_group_id=fabric.id, network_interface_id=nic.id
    )
