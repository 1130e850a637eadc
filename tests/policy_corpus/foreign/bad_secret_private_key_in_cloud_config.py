"""cloud-config that writes an EC private key onto the node."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-005"}
CLOUD_CONFIG = """#cloud-config
write_files:
  - path: /etc/ssl/private/node.key
    permissions: "0600"
    content: |
      -----BEGIN EC PRIVATE KEY-----
      MHcCAQEEIBkZf2mX0wq3n9Qp1vT5rE8sY7uH6jK4lA2bC3dE4fG5oAoGCCqGSM49
      -----END EC PRIVATE KEY-----
"""


def program() -> None:
    aws.ec2.Instance(
        "gateway",
        ami="ami-9",
        instance_type="m7i.xlarge",
        user_data=CLOUD_CONFIG,
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        root_block_device={"encrypted": True},
        tags={"project": "edge", "environment": "prod"},
    )
