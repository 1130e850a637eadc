"""EBS encryption on by default for the account and region: volumes need not ask for it."""

import pulumi_aws as aws

EXPECT: set[str] = set()
TAGS = {"project": "scratch", "environment": "dev"}


def program() -> None:
    aws.ebs.EncryptionByDefault("ebs-default", enabled=True)
    node = aws.ec2.Instance(
        "scratch",
        ami="ami-sc",
        instance_type="m7i.xlarge",
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"volume_size": 100},
        ebs_block_devices=[{"device_name": "/dev/sdf", "volume_size": 500}],
        tags=TAGS,
    )
    vol = aws.ebs.Volume("scratch-extra", availability_zone="us-east-1a", size=1000, tags=TAGS)
    aws.ec2.VolumeAttachment(
        "scratch-extra-at", device_name="/dev/sdg", volume_id=vol.id, instance_id=node.id
    )
