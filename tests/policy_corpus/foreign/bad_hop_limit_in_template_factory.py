"""Templates made by a helper, one per pool; the inference pool asks for three hops so its
containers can reach the metadata service."""

import pulumi_aws as aws

EXPECT = {"AIDC-CMP-002"}
POOLS = {"train": ("p5.48xlarge", 1), "infer": ("g6e.xlarge", 3), "cpu": ("m7i.xlarge", 1)}


def template(pool: str, kind: str, hops: int) -> aws.ec2.LaunchTemplate:
    return aws.ec2.LaunchTemplate(
        f"tpl-{pool}",
        name_prefix=f"{pool}-",
        image_id="ami-7",
        instance_type=kind,
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_tokens="required", http_put_response_hop_limit=hops
        ),
        tags={"project": "serve", "environment": "prod", "pool": pool},
    )


def program() -> None:
    for pool, (kind, hops) in POOLS.items():
        template(pool, kind, hops)
