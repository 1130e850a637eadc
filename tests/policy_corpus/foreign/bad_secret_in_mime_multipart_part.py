"""Multipart MIME user data whose shell part is base64 wrapped at 76 columns and writes an
AWS credentials file."""

import base64
import textwrap

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-005"}
SHELL = """#!/bin/bash
mkdir -p /root/.aws
cat > /root/.aws/credentials <<'CREDS'
[default]
aws_access_key_id = AKIA2OGYBAH6QWERTYUI
aws_secret_access_key = 9drTJvcXLB89EXAMPLEbPxRfiCYzAKIAqwertyui
CREDS
"""


def mime(*parts: tuple[str, str]) -> str:
    out = ['Content-Type: multipart/mixed; boundary="==part=="', "MIME-Version: 1.0", ""]
    for kind, body in parts:
        wrapped = "\n".join(textwrap.wrap(base64.b64encode(body.encode()).decode(), 76))
        out += [
            "--==part==",
            f"Content-Type: {kind}",
            "Content-Transfer-Encoding: base64",
            "",
            wrapped,
        ]
    return "\n".join([*out, "--==part==--", ""])


def program() -> None:
    document = mime(
        ("text/cloud-config", "#cloud-config\nhostname: render\n"),
        ("text/x-shellscript", SHELL),
    )
    aws.ec2.LaunchTemplate(
        "render-farm",
        image_id="ami-r",
        instance_type="g6.12xlarge",
        user_data=base64.b64encode(document.encode()).decode(),
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        block_device_mappings=[{"device_name": "/dev/sda1", "ebs": {"encrypted": "true"}}],
        tags={"project": "render", "environment": "prod"},
    )
