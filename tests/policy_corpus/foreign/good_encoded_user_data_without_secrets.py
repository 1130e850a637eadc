"""User data in forms that look like payloads but hold no secret: a MIME multipart document
with base64 parts, a checksum in hex, an SSH public key; and ICMP from anywhere (every type,
ports -1), which opens no port."""

import base64
import textwrap

import pulumi_aws as aws

EXPECT: set[str] = set()
LABELS = {"project": "edge", "environment": "prod"}
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SHELL = f"""#!/bin/bash
curl -fsSL -o /tmp/agent.tgz https://downloads.example.com/agent-2.4.1.tgz
echo "{DIGEST}  /tmp/agent.tgz" | sha256sum -c
tar -C /opt -xzf /tmp/agent.tgz
export AGENT_TOKEN_FILE=/run/agent/token
"""
CLOUD_CONFIG = """#cloud-config
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx5h7Ymq0b3tPZ2Xv8Qd1Rk9WcJf4Ls6Ne2Ho0Ta7 ops@edge
package_update: true
"""


def part(kind: str, body: str) -> list[str]:
    wrapped = "\n".join(textwrap.wrap(base64.b64encode(body.encode()).decode(), 76))
    return ["--b", f"Content-Type: {kind}", "Content-Transfer-Encoding: base64", "", wrapped]


def program() -> None:
    doc = [
        'Content-Type: multipart/mixed; boundary="b"',
        "MIME-Version: 1.0",
        "",
        *part("text/cloud-config", CLOUD_CONFIG),
        *part("text/x-shellscript", SHELL),
        "--b--",
    ]
    sg = aws.ec2.SecurityGroup("edge", vpc_id="vpc-e", description="edge nodes", tags=LABELS)
    aws.vpc.SecurityGroupIngressRule(
        "edge-ping",
        security_group_id=sg.id,
        ip_protocol="icmp",
        from_port=-1,
        to_port=-1,
        cidr_ipv4="0.0.0.0/0",
        description="ping from anywhere",
        tags=LABELS,
    )
    aws.ec2.LaunchTemplate(
        "edge",
        image_id="ami-e",
        instance_type="m7i.xlarge",
        user_data=base64.b64encode("\n".join(doc).encode()).decode(),
        vpc_security_group_ids=[sg.id],
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "true"}}],
        tags=LABELS,
    )
