"""Encrypted EFS home directories: a mount target in the private subnet of each zone behind a
group that admits NFS from the workers only, a policy that keeps mounts inside the VPC and
requires TLS, daily backups."""

import pulumi
import pulumi_aws as aws

EXPECT: set[str] = set()
TAGS = {"project": "research", "environment": "prod"}


def program() -> None:
    vpc = aws.ec2.Vpc("research", cidr_block="10.90.0.0/16", tags=TAGS)
    aws.ec2.FlowLog(
        "research-flows",
        vpc_id=vpc.id,
        traffic_type="ALL",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::research-flow-logs",
        tags=TAGS,
    )
    table = aws.ec2.RouteTable("research-private", vpc_id=vpc.id, tags=TAGS)
    aws.ec2.Route(
        "research-private-out",
        route_table_id=table.id,
        destination_cidr_block="0.0.0.0/0",
        nat_gateway_id="nat-0123456789abcdef0",
    )
    workers = aws.ec2.SecurityGroup("workers", vpc_id=vpc.id, description="workers", tags=TAGS)
    nfs = aws.ec2.SecurityGroup("homes-nfs", vpc_id=vpc.id, description="EFS homes", tags=TAGS)
    aws.vpc.SecurityGroupIngressRule(
        "homes-nfs-from-workers",
        security_group_id=nfs.id,
        referenced_security_group_id=workers.id,
        ip_protocol="tcp",
        from_port=2049,
        to_port=2049,
        description="nfs from the workers",
        tags=TAGS,
    )
    homes = aws.efs.FileSystem(
        "homes",
        encrypted=True,
        kms_key_id="arn:aws:kms:us-west-2:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666",
        throughput_mode="elastic",
        lifecycle_policies=[{"transition_to_ia": "AFTER_30_DAYS"}],
        tags=TAGS,
    )
    aws.efs.BackupPolicy(
        "homes-backup", file_system_id=homes.id, backup_policy={"status": "ENABLED"}
    )
    aws.efs.FileSystemPolicy(
        "homes-policy",
        file_system_id=homes.id,
        policy=pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": [
                            "elasticfilesystem:ClientMount",
                            "elasticfilesystem:ClientWrite",
                        ],
                        "Resource": homes.arn,
                        "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
                    },
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "*",
                        "Resource": homes.arn,
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            }
        ),
    )
    for i, zone in enumerate(("us-west-2a", "us-west-2b")):
        private = aws.ec2.Subnet(
            f"research-{zone}",
            vpc_id=vpc.id,
            cidr_block=f"10.90.{16 * i}.0/20",
            availability_zone=zone,
            tags=TAGS,
        )
        aws.ec2.RouteTableAssociation(
            f"research-{zone}-rt", subnet_id=private.id, route_table_id=table.id
        )
        aws.efs.MountTarget(
            f"homes-{zone}", file_system_id=homes.id, subnet_id=private.id, security_groups=[nfs.id]
        )
