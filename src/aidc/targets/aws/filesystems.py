"""`FileSystems`: the shared file systems AWS serves for the spec (`storage.filesystems` of kind
lustre or efs; CephFS runs on the cluster's own Ceph).

- lustre: FSx for Lustre, PERSISTENT_2 (encrypted at rest with the service's key, in transit
  between Nitro instances), in one private subnet of the pools' network, linked by a data
  repository association to the datasets bucket (imports every change of the bucket, exports
  new and changed files);
- efs: an encrypted EFS file system (general purpose, elastic throughput, infrequent-access
  tier after 30 days), daily backups, a mount target in a private subnet of each zone its
  clients use, and a file system policy that admits clients through mount targets only and
  refuses NFS without TLS.

Each file system sits behind a security group of its own, which the firewall plans with the
other groups (`aidc.targets.aws.firewall`). Where each one goes is a pure function of the spec
and the layout (`plan_filesystems`), so tests compare it with the spec without mocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from aidc.spec import Cluster, SharedFilesystem, Subnet, filesystem_pools
from aidc.spec.types import ROLES, Role
from aidc.targets.aws.common import child, named
from aidc.targets.aws.layout import AwsLayout, AwsLayoutError

SERVED = ("lustre", "efs")
# LNet listens on 988; Lustre clients and servers connect from the privileged ports 1018-1023.
LUSTRE_PORTS: tuple[tuple[int, int], ...] = ((988, 988), (1018, 1023))
NFS_PORTS: tuple[tuple[int, int], ...] = ((2049, 2049),)
LUSTRE_DEFAULT_GB = 1200
LUSTRE_VERSION = "2.15"
# Every change of the bucket reaches the file system; files written there reach the bucket,
# but deleting a file on the file system never deletes the dataset of record.
IMPORT_EVENTS = ("NEW", "CHANGED", "DELETED")
EXPORT_EVENTS = ("NEW", "CHANGED")
EFS_INFREQUENT_AFTER = "AFTER_30_DAYS"
CREATION_TOKEN_MAX = 64


def served(cluster: Cluster) -> tuple[SharedFilesystem, ...]:
    """The file systems an AWS service serves (lustre, efs), in spec order."""
    return tuple(fs for fs in cluster.storage.filesystems if fs.kind in SERVED)


def service_ports(fs: SharedFilesystem) -> tuple[tuple[int, int], ...]:
    return LUSTRE_PORTS if fs.kind == "lustre" else NFS_PORTS


def client_roles(cluster: Cluster, fs: SharedFilesystem) -> tuple[Role, ...]:
    """The node roles whose security groups reach the file system: the primary role of each
    pool that mounts it (every node wears its primary role's group), in ROLES order."""
    present = {p.role for p in filesystem_pools(cluster, fs)}
    return tuple(r for r in ROLES if r in present)


def data_repository_bucket(cluster: Cluster, fs: SharedFilesystem) -> str | None:
    """The bucket a Lustre file system is linked to: the spec's, else the first datasets
    bucket, else none."""
    if fs.kind != "lustre":
        return None
    if fs.data_repository_bucket is not None:
        return fs.data_repository_bucket
    return next((b.name for b in cluster.storage.buckets if b.purpose == "datasets"), None)


@dataclass(frozen=True)
class FilesystemPlan:
    """Where one file system goes: its subnets (lustre: one; efs: one per zone of its
    clients, for the mount targets) and the bucket it is linked to (lustre)."""

    fs: SharedFilesystem
    subnets: tuple[Subnet, ...]
    bucket: str | None


def plan_filesystems(cluster: Cluster, layout: AwsLayout) -> tuple[FilesystemPlan, ...]:
    """Place every served file system of a valid spec (one the aws rules accepted)."""
    private = tuple(s for s in layout.network.subnets if not s.public)
    plans: list[FilesystemPlan] = []
    problems: list[str] = []
    for fs in served(cluster):
        # The subnets its clients' nodes sit in, in pool order.
        used = tuple(
            dict.fromkeys(
                s for p in filesystem_pools(cluster, fs) for s in layout.pool(p.name).subnets
            )
        )
        if not private:
            problems.append(
                f"file system {fs.name}: network {layout.network.name} has no private subnet"
            )
            continue
        subnets: tuple[Subnet, ...]
        if fs.kind == "lustre":
            # Single-zone: beside the first of its clients in a private subnet.
            subnets = (next((s for s in used if not s.public), private[0]),)
        else:
            subnets = ()
            for zone in dict.fromkeys(s.zone for s in used):
                in_zone = [s for s in used if s.zone == zone and not s.public]
                in_zone += [s for s in private if s.zone == zone]
                if not in_zone:
                    problems.append(f"file system {fs.name}: zone {zone} has no private subnet")
                    continue
                subnets += (in_zone[0],)
        plans.append(FilesystemPlan(fs, subnets, data_repository_bucket(cluster, fs)))
    if problems:
        raise AwsLayoutError(problems)
    return tuple(plans)


def tls_only_policy(arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Clients mount through the file system's mount targets (inside the VPC) only, and never
    without TLS (amazon-efs-utils' `-o tls`)."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "MountThroughMountTargets",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "elasticfilesystem:ClientMount",
                        "elasticfilesystem:ClientWrite",
                        "elasticfilesystem:ClientRootAccess",
                    ],
                    "Resource": arn,
                    "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
                },
                {
                    "Sid": "DenyPlainNfs",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "*",
                    "Resource": arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )


@dataclass(frozen=True)
class FileSystemsArgs:
    cluster_name: str
    plans: tuple[FilesystemPlan, ...]
    subnet_ids: Mapping[str, pulumi.Input[str]]
    # File system name -> its security group (the firewall's).
    group_ids: Mapping[str, pulumi.Input[str]]
    # Bucket name -> the bucket's name as the bucket resource reports it (orders the link
    # after the bucket).
    bucket_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


class FileSystems(pulumi.ComponentResource):
    """FSx for Lustre and EFS file systems; `sources` is what a node mounts, by name."""

    sources: dict[str, pulumi.Output[str]]
    ids: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: FileSystemsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aidc:aws:FileSystems", name, None, opts)
        self.sources = {}
        self.ids = {}
        for plan in args.plans:
            res = f"{name}-{plan.fs.name}"
            if plan.fs.kind == "lustre":
                self._lustre(res, plan, args)
            else:
                self._efs(res, plan, args)
        self.register_outputs({"ids": self.ids, "sources": self.sources})

    def _tags(self, args: FileSystemsArgs, res: str, fs: SharedFilesystem) -> dict[str, str]:
        return named(args.tags, res, **{"aidc:filesystem": fs.name})

    def _lustre(self, res: str, plan: FilesystemPlan, args: FileSystemsArgs) -> None:
        fs = plan.fs
        lustre = aws.fsx.LustreFileSystem(
            res,
            deployment_type="PERSISTENT_2",
            storage_type="SSD",
            storage_capacity=fs.capacity_gb or LUSTRE_DEFAULT_GB,
            per_unit_storage_throughput=fs.throughput_mb_per_tib,
            file_system_type_version=LUSTRE_VERSION,
            data_compression_type="LZ4",
            # One subnet: a Lustre file system lives in one zone (the provider takes one id).
            subnet_ids=args.subnet_ids[plan.subnets[0].name],
            security_group_ids=[args.group_ids[fs.name]],
            # Import and export failures of the bucket link land in the service's log group.
            log_configuration=aws.fsx.LustreFileSystemLogConfigurationArgs(level="WARN_ERROR"),
            tags=self._tags(args, res, fs),
            opts=child(self),
        )
        if plan.bucket is not None:
            link = f"{res}-{plan.bucket}"
            aws.fsx.DataRepositoryAssociation(
                link,
                file_system_id=lustre.id,
                file_system_path=f"/{plan.bucket}",
                data_repository_path=pulumi.Output.concat(
                    "s3://", args.bucket_names.get(plan.bucket, plan.bucket), "/"
                ),
                batch_import_meta_data_on_create=True,
                delete_data_in_filesystem=False,
                s3=aws.fsx.DataRepositoryAssociationS3Args(
                    auto_import_policy=aws.fsx.DataRepositoryAssociationS3AutoImportPolicyArgs(
                        events=list(IMPORT_EVENTS)
                    ),
                    auto_export_policy=aws.fsx.DataRepositoryAssociationS3AutoExportPolicyArgs(
                        events=list(EXPORT_EVENTS)
                    ),
                ),
                tags=self._tags(args, link, fs),
                opts=child(self),
            )
        self.ids[fs.name] = lustre.id
        self.sources[fs.name] = pulumi.Output.concat(lustre.dns_name, "@tcp:/", lustre.mount_name)

    def _efs(self, res: str, plan: FilesystemPlan, args: FileSystemsArgs) -> None:
        fs = plan.fs
        efs = aws.efs.FileSystem(
            res,
            creation_token=f"{args.cluster_name}-{fs.name}"[:CREATION_TOKEN_MAX],
            encrypted=True,
            performance_mode="generalPurpose",
            throughput_mode="elastic",
            lifecycle_policies=[
                aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia=EFS_INFREQUENT_AFTER),
                aws.efs.FileSystemLifecyclePolicyArgs(
                    transition_to_primary_storage_class="AFTER_1_ACCESS"
                ),
            ],
            tags=self._tags(args, res, fs),
            opts=child(self),
        )
        aws.efs.BackupPolicy(
            f"{res}-backup",
            file_system_id=efs.id,
            backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
            opts=child(self),
        )
        aws.efs.FileSystemPolicy(
            f"{res}-policy",
            file_system_id=efs.id,
            policy=tls_only_policy(efs.arn),
            opts=child(self),
        )
        for subnet in plan.subnets:
            aws.efs.MountTarget(
                f"{res}-{subnet.name}",
                file_system_id=efs.id,
                subnet_id=args.subnet_ids[subnet.name],
                security_groups=[args.group_ids[fs.name]],
                opts=child(self),
            )
        self.ids[fs.name] = efs.id
        self.sources[fs.name] = pulumi.Output.concat(efs.dns_name, ":/")
