"""A launch template with hop limit 2 (containers reach IMDS)."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-CMP-002"


def program() -> None:
    aws.ec2.LaunchTemplate(
        "lt",
        image_id="ami-1",
        instance_type="m7i.2xlarge",
        tags=TAGS,
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_tokens="required", http_put_response_hop_limit=2
        ),
    )
