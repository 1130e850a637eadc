"""A launch template's user data (base64, as templates take it) clones a private repository
with a token written into the script."""

import base64

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-005"}
SCRIPT = """#!/bin/bash
set -euo pipefail
git clone \\
  https://oauth2:ghp_4f9Qx2LmT7vZa1KcN8pR3sW6yB0dE5hJ9uXo@github.com/acme/train.git
"""


def program() -> None:
    aws.ec2.LaunchTemplate(
        "trainer",
        image_id="ami-8",
        instance_type="g5.xlarge",
        user_data=base64.b64encode(SCRIPT.encode()).decode(),
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        tags={"project": "acme", "environment": "dev"},
    )
