"""A checkpoint bucket without versioning."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-003"


def program() -> None:
    aws.s3.Bucket("ckpt", bucket="ckpt", tags={**TAGS, "aidc:purpose": "checkpoints"})
