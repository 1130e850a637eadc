"""Node pools: `NodePool` (any pool), `GpuPool` (pools with role gpu) and `StoragePool` (the
Ceph OSD hosts). Each pool shares one launch template among its nodes (image, IMDSv2, the
encrypted root, EFA interfaces, placement, capacity reservation, instance profile); nodes are
plain instances named by hostname, or an auto scaling group when the spec asks for one."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import pulumi
import pulumi_aws as aws

from aidc.spec import Ceph
from aidc.targets.aws.common import child, named
from aidc.targets.aws.layout import NodePlan, PoolPlan

# Canonical's Ubuntu images boot from this device.
ROOT_DEVICE = "/dev/sda1"
ROOT_VOLUME_TYPE = "gp3"
# Instances keep what the launch template says: later template versions (a newer AMI) apply to
# new launches only and never replace a running node.
TEMPLATE_VERSION = "$Default"
# IMDSv2 only; one hop, so containers on the node cannot borrow its role's credentials.
HTTP_TOKENS = "required"
HOP_LIMIT = 1
# EBS device names for OSD volumes: the recommended /dev/sd[f-z], then /dev/xvd[b-d].
OSD_DEVICES = (
    *(f"/dev/sd{c}" for c in "fghijklmnopqrstuvwxyz"),
    "/dev/xvdb",
    "/dev/xvdc",
    "/dev/xvdd",
)


def ec2_assume_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def ssm_core_policy_arn(partition: str) -> str:
    return f"arn:{partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"


def cloud_init(hostname: str) -> str:
    """Per-node user data: the hostname and nothing else (no keys, no secrets)."""
    return f"#cloud-config\nhostname: {hostname}\npreserve_hostname: false\n"


def template_metadata() -> aws.ec2.LaunchTemplateMetadataOptionsArgs:
    return aws.ec2.LaunchTemplateMetadataOptionsArgs(
        http_endpoint="enabled",
        http_tokens=HTTP_TOKENS,
        http_put_response_hop_limit=HOP_LIMIT,
        instance_metadata_tags="disabled",
    )


def instance_metadata() -> aws.ec2.InstanceMetadataOptionsArgs:
    return aws.ec2.InstanceMetadataOptionsArgs(
        http_endpoint="enabled",
        http_tokens=HTTP_TOKENS,
        http_put_response_hop_limit=HOP_LIMIT,
        instance_metadata_tags="disabled",
    )


def efa_interfaces(
    count: int,
    security_groups: Sequence[pulumi.Input[str]],
    subnet_id: pulumi.Input[str] | None,
) -> list[aws.ec2.LaunchTemplateNetworkInterfaceArgs]:
    """The interfaces of an EFA node: card 0 carries the primary ENA+EFA interface (device 0);
    every further card an EFA-only interface (device 1), which takes no IP address, so large
    pools do not exhaust the subnet."""
    return [
        aws.ec2.LaunchTemplateNetworkInterfaceArgs(
            network_card_index=card,
            device_index=0 if card == 0 else 1,
            interface_type="efa" if card == 0 else "efa-only",
            subnet_id=subnet_id,
            security_groups=list(security_groups),
            associate_public_ip_address="false",
            delete_on_termination="true",
            description=f"efa {card}",
        )
        for card in range(count)
    ]


@dataclass(frozen=True)
class NodePoolArgs:
    cluster_name: str
    network_name: str
    plan: PoolPlan
    subnet_ids: Mapping[str, pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    image_id: pulumi.Input[str]
    partition: str
    tags: dict[str, str] = field(default_factory=dict)
    # StoragePool only: how many OSD volumes of what size each host needs.
    ceph: Ceph | None = None


@dataclass(frozen=True)
class PoolNode:
    plan: NodePlan
    instance: aws.ec2.Instance

    @property
    def private_ip(self) -> pulumi.Output[str]:
        return self.instance.private_ip

    @property
    def public_ip(self) -> pulumi.Output[str] | None:
        return self.instance.public_ip if self.plan.public else None


class NodePool(pulumi.ComponentResource):
    TYPE: ClassVar[str] = "aidc:aws:NodePool"

    nodes: list[PoolNode]
    launch_template_id: pulumi.Output[str]
    instance_profile_arn: pulumi.Output[str]
    placement_group_name: pulumi.Output[str] | None
    autoscaling_group_name: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: NodePoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        plan, pool = args.plan, args.plan.pool
        self.pool_tags = {
            **args.tags,
            "aidc:pool": pool.name,
            "aidc:roles": ",".join(pool.roles),
            "aidc:network": args.network_name,
        }
        profile = self._instance_profile(name, args)
        self.instance_profile_arn = profile.arn
        placement = None
        self.placement_group_name = None
        if plan.placement_group:
            placement = aws.ec2.PlacementGroup(
                f"{name}-placement",
                strategy="cluster",
                tags=named(self.pool_tags, f"{name}-placement"),
                opts=child(self),
            )
            self.placement_group_name = placement.name
        template = self._launch_template(name, args, profile, placement)
        self.launch_template_id = template.id
        # Shared by every node of the pool: built once, not per node.
        self._template_ref = aws.ec2.InstanceLaunchTemplateArgs(
            id=template.id, version=TEMPLATE_VERSION
        )
        self.nodes = []
        self.autoscaling_group_name = None
        if pool.autoscaling:
            self.autoscaling_group_name = self._autoscaling_group(name, args, template, placement)
        else:
            self.nodes = [self._instance(node, args) for node in plan.nodes]
        self._extend(name, args)
        self.register_outputs(
            {
                "launch_template_id": self.launch_template_id,
                "hostnames": [n.plan.hostname for n in self.nodes],
                "autoscaling_group": self.autoscaling_group_name,
            }
        )

    def _extend(self, name: str, args: NodePoolArgs) -> None:
        """Subclasses add their own children here, before outputs are registered."""

    def _instance_profile(self, name: str, args: NodePoolArgs) -> aws.iam.InstanceProfile:
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=ec2_assume_policy(),
            description=f"nodes of pool {args.plan.pool.name}: SSM session access only",
            tags=named(self.pool_tags, f"{name}-role"),
            opts=child(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-ssm",
            role=role.name,
            policy_arn=ssm_core_policy_arn(args.partition),
            opts=child(self),
        )
        return aws.iam.InstanceProfile(
            f"{name}-profile",
            role=role.name,
            tags=named(self.pool_tags, f"{name}-profile"),
            opts=child(self),
        )

    def _launch_template(
        self,
        name: str,
        args: NodePoolArgs,
        profile: aws.iam.InstanceProfile,
        placement: aws.ec2.PlacementGroup | None,
    ) -> aws.ec2.LaunchTemplate:
        plan, pool = args.plan, args.plan.pool
        interfaces = None
        if plan.efa_interfaces:
            # Interfaces on the template carry subnet and groups; an auto scaling group picks
            # the subnet itself, so its template names none.
            subnet = None if pool.autoscaling else args.subnet_ids[plan.subnets[0].name]
            interfaces = efa_interfaces(plan.efa_interfaces, args.security_group_ids, subnet)
        elif pool.autoscaling:
            interfaces = [
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    device_index=0,
                    security_groups=list(args.security_group_ids),
                    associate_public_ip_address="false",
                    delete_on_termination="true",
                )
            ]
        reservation = market = None
        if pool.capacity_reservation_id:
            reservation = aws.ec2.LaunchTemplateCapacityReservationSpecificationArgs(
                capacity_reservation_target=aws.ec2.LaunchTemplateCapacityReservationSpecificationCapacityReservationTargetArgs(
                    capacity_reservation_id=pool.capacity_reservation_id
                )
            )
            if pool.capacity_reservation_id.startswith("cb-"):
                # Capacity Blocks for ML launch only with this market type.
                market = aws.ec2.LaunchTemplateInstanceMarketOptionsArgs(
                    market_type="capacity-block"
                )
        # What the template itself creates (root volume, interfaces) carries the pool's tags.
        launch_tags = named(self.pool_tags, f"{name}-lt")
        return aws.ec2.LaunchTemplate(
            f"{name}-lt",
            description=f"aidc {args.cluster_name}: pool {pool.name}",
            image_id=args.image_id,
            instance_type=pool.instance_type,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            metadata_options=template_metadata(),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=ROOT_DEVICE,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=pool.root_disk_gb,
                        volume_type=ROOT_VOLUME_TYPE,
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            network_interfaces=interfaces,
            placement=aws.ec2.LaunchTemplatePlacementArgs(group_name=placement.name)
            if placement is not None
            else None,
            capacity_reservation_specification=reservation,
            instance_market_options=market,
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=launch_tags)
                for kind in ("volume", "network-interface")
            ],
            update_default_version=True,
            tags=launch_tags,
            opts=child(self),
        )

    def _instance(self, node: NodePlan, args: NodePoolArgs) -> PoolNode:
        # With template interfaces (EFA) the template names subnet, groups and addressing;
        # otherwise the instance does.
        own_network = not args.plan.efa_interfaces
        instance = aws.ec2.Instance(
            node.hostname,
            # IMDS settings, root volume, image and profile come from the template alone:
            # repeating them per node would double the work per node for nothing.
            launch_template=self._template_ref,
            subnet_id=args.subnet_ids[node.subnet.name] if own_network else None,
            vpc_security_group_ids=list(args.security_group_ids) if own_network else None,
            associate_public_ip_address=node.public if own_network else None,
            user_data=cloud_init(node.hostname),
            tags=named(self.pool_tags, node.hostname),
            opts=child(self),
        )
        return PoolNode(node, instance)

    def _autoscaling_group(
        self,
        name: str,
        args: NodePoolArgs,
        template: aws.ec2.LaunchTemplate,
        placement: aws.ec2.PlacementGroup | None,
    ) -> pulumi.Output[str]:
        count = args.plan.pool.count
        tags = named(self.pool_tags, name)
        group = aws.autoscaling.Group(
            f"{name}-asg",
            min_size=count,
            max_size=count,
            desired_capacity=count,
            vpc_zone_identifiers=[args.subnet_ids[s.name] for s in args.plan.subnets],
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
                id=template.id, version=TEMPLATE_VERSION
            ),
            placement_group=placement.name if placement is not None else None,
            tags=[
                aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=True)
                for k, v in tags.items()
            ],
            opts=child(self),
        )
        return group.name


class GpuPool(NodePool):
    """A pool with role gpu: the same pieces; EFA and placement come from its plan."""

    TYPE: ClassVar[str] = "aidc:aws:GpuPool"


class StoragePool(NodePool):
    """Ceph OSD hosts: local NVMe where the type has it, else encrypted gp3 volumes per OSD."""

    TYPE: ClassVar[str] = "aidc:aws:StoragePool"

    osd_volume_ids: list[pulumi.Output[str]]

    def _extend(self, name: str, args: NodePoolArgs) -> None:
        self.osd_volume_ids = []
        ceph = args.ceph
        if ceph is None or args.plan.local_nvme:
            return
        for node in self.nodes:
            for osd in range(ceph.osds_per_host):
                vol_name = f"{node.plan.hostname}-osd-{osd}"
                volume = aws.ebs.Volume(
                    vol_name,
                    availability_zone=node.plan.subnet.zone,
                    size=ceph.osd_size_gb,
                    type="gp3",
                    encrypted=True,
                    tags=named(self.pool_tags, vol_name, **{"aidc:host": node.plan.hostname}),
                    opts=child(self),
                )
                aws.ec2.VolumeAttachment(
                    f"{vol_name}-attach",
                    device_name=OSD_DEVICES[osd],
                    volume_id=volume.id,
                    instance_id=node.instance.id,
                    opts=child(self),
                )
                self.osd_volume_ids.append(volume.id)


def pool_class(kind: str) -> type[NodePool]:
    return {"gpu": GpuPool, "storage": StoragePool}.get(kind, NodePool)
