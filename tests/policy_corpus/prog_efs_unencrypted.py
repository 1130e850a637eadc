"""An EFS file system that leaves encryption at rest off (the API's default)."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-006"


def program() -> None:
    aws.efs.FileSystem("home", creation_token="corpus-home", tags=TAGS)
