"""`Bastion`: a small SSH jump host in a public subnet, for clusters whose login nodes cannot
be reached directly (see layout.py for when). It holds no credentials and no instance role."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from aidc.targets.aws.common import child, named
from aidc.targets.aws.pools import ROOT_VOLUME_TYPE, instance_metadata

BASTION_INSTANCE_TYPE = "t3.micro"
BASTION_ROOT_GB = 16


@dataclass(frozen=True)
class BastionArgs:
    subnet_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    image_id: pulumi.Input[str]
    instance_type: str = BASTION_INSTANCE_TYPE
    tags: dict[str, str] = field(default_factory=dict)


class Bastion(pulumi.ComponentResource):
    public_ip: pulumi.Output[str]
    private_ip: pulumi.Output[str]

    def __init__(
        self, name: str, args: BastionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aidc:aws:Bastion", name, None, opts)
        host = aws.ec2.Instance(
            f"{name}-host",
            ami=args.image_id,
            instance_type=args.instance_type,
            subnet_id=args.subnet_id,
            vpc_security_group_ids=[args.security_group_id],
            associate_public_ip_address=True,
            metadata_options=instance_metadata(),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                volume_size=BASTION_ROOT_GB,
                volume_type=ROOT_VOLUME_TYPE,
                encrypted=True,
                delete_on_termination=True,
            ),
            tags=named(args.tags, name, **{"aidc:roles": "bastion"}),
            opts=child(self),
        )
        self.public_ip = host.public_ip
        self.private_ip = host.private_ip
        self.register_outputs({"public_ip": self.public_ip, "private_ip": self.private_ip})
