"""A deploy key handed over as hex and turned back with xxd at boot."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-005"}
KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)


def program() -> None:
    aws.ec2.Instance(
        "ci-runner",
        ami="ami-ci",
        instance_type="m7i.xlarge",
        user_data="\n".join(
            [
                "#!/bin/sh",
                f"echo {KEY.encode().hex()} | xxd -r -p > /home/ci/.ssh/id_ed25519",
                "chmod 600 /home/ci/.ssh/id_ed25519",
            ]
        ),
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True},
        tags={"project": "ci", "environment": "prod"},
    )
