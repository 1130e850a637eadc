"""An instance that takes everything, its type included, from an H100 launch template, and an
Elastic IP associated with it afterwards."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-004"}


def tagged(**extra: str) -> dict[str, str]:
    return {"project": "orion", "environment": "dev", **extra}


def program() -> None:
    tmpl = aws.ec2.LaunchTemplate(
        "h100-node",
        image_id="ami-00000000000000001",
        instance_type="p5.48xlarge",
        metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
        tags=tagged(),
    )
    box = aws.ec2.Instance(
        "box",
        launch_template={"id": tmpl.id, "version": "$Default"},
        subnet_id="subnet-0abc",
        tags=tagged(Name="box"),
    )
    ip = aws.ec2.Eip("box-address", domain="vpc", tags=tagged())
    aws.ec2.EipAssociation("box-address-link", instance_id=box.id, allocation_id=ip.allocation_id)
