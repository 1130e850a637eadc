"""Instance metadata defaults for the account (tokens required, one hop): instances inherit
them instead of repeating metadata options."""

import pulumi_aws as aws

EXPECT: set[str] = set()


def program() -> None:
    aws.ec2.InstanceMetadataDefaults("imds", http_tokens="required", http_put_response_hop_limit=1)
    for i, kind in enumerate(["m7i.xlarge", "c7i.4xlarge"]):
        aws.ec2.Instance(
            f"svc-{i}",
            ami="ami-svc",
            instance_type=kind,
            root_block_device={"encrypted": True},
            tags={"project": "svc", "environment": "prod"},
        )
