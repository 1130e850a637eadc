"""An encrypted EFS file system with no policy: clients may mount it over plain NFS."""

import pulumi  # noqa: F401
import pulumi_aws as aws

from tests.policy_corpus._common import TAGS

EXPECT = "AIDC-STO-009"


def program() -> None:
    aws.efs.FileSystem("home", encrypted=True, throughput_mode="elastic", tags=TAGS)
