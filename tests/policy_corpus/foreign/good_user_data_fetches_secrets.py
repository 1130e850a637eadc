"""User data that handles credentials only by reference: parameter and secret lookups, a
public SSH key, settings whose names mention tokens but hold none."""

import pulumi_aws as aws

EXPECT: set[str] = set()
CLOUD_CONFIG = """#cloud-config
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx5h7Ymq0b3tPZ2Xv8Qd1Rk9WcJf4Ls6Ne2Ho0Ta7 ops@acme
write_files:
  - path: /etc/trainer.env
    content: |
      TOKEN_URL=https://sts.amazonaws.com
      PASSWORD_FILE=/run/secrets/db
      DB_PASSWORD=${DB_PASSWORD}
runcmd:
  - export DB_PASSWORD="$(aws ssm get-parameter --name /trainer/db --with-decryption)"
  - export HF_TOKEN=$(aws secretsmanager get-secret-value --secret-id hf-token)
  - systemctl start trainer
"""


def program() -> None:
    aws.ec2.LaunchTemplate(
        "trainer",
        image_id="ami-t",
        instance_type="g6e.48xlarge",
        user_data=__import__("base64").b64encode(CLOUD_CONFIG.encode()).decode(),
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        block_device_mappings=[
            {"device_name": "/dev/sda1", "ebs": {"encrypted": "true", "volume_size": 300}}
        ],
        tags={"project": "trainer", "environment": "prod"},
    )
