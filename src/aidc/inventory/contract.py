"""The stack-output contract: what every target exports and every later stage reads.

Provisioning (a target's top-level component) produces one of these models; the Pulumi
program exports its fields once; the inventory plugin, the report, the tests and the
benchmarks parse the exported values back with `parse_outputs`. The models are the only
description of that hand-off: a field a reader needs is a field here, with its type.

`contract_version` says which version of this module wrote a stack's outputs. A stack written
by another version is refused with a message that names both versions, never half-read.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aidc.spec.types import Role

CONTRACT_VERSION: Final = 1
# Outputs a target exports as secrets beside the contract (the lab's SSH private key): they
# stay encrypted in state, and no reader needs them.
SECRET_OUTPUTS = frozenset({"ssh_private_key"})


class ContractError(ValueError):
    """The outputs are missing, of another contract version, or not of this shape."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeOut(_Model):
    """One node: how to reach it and what it is."""

    name: str
    pool: str
    roles: tuple[Role, ...]
    addresses: dict[str, str] = Field(description="network name -> the node's address on it")
    ansible_host: str = Field(description="the address configuration connects to")
    ssh_user: str
    ssh_private_key_file: str | None = None
    public_ip: str | None = Field(default=None, description="set when reached directly")
    jump_host: str | None = Field(default=None, description="user@host to jump through")
    gpu_sku: str = ""
    gpus: int = 0

    @property
    def connect_address(self) -> str:
        """Where SSH goes: a public address when the node has one and no jump host."""
        return self.public_ip if self.public_ip and not self.jump_host else self.ansible_host


class FlowVar(_Model):
    """A firewall flow with roles resolved to node addresses (host firewalls read these)."""

    description: str
    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    protocol: str
    ports: tuple[int, int] | None = None


class BucketVar(_Model):
    name: str
    purpose: str
    versioning: bool
    # 0 means "no such rule": Pulumi drops None from outputs.
    expiration_days: int = 0
    noncurrent_expiry_days: int = 0
    quota_gb: int = 0


class CephPoolVar(_Model):
    name: str
    size: int
    min_size: int
    application: str
    failure_domain: str
    pg_autoscale: bool


class SlurmPartitionVar(_Model):
    """One Slurm partition: a compute pool's nodes and what each offers."""

    name: str
    nodes: tuple[str, ...]
    gres: str = Field(default="", description="gpu:<sku>:<count> per node; empty: no GPUs")
    efa: bool = Field(default=False, description="the nodes have EFA interfaces (aws)")


class SlurmVar(_Model):
    """The scheduler: where slurmctld runs and what it schedules."""

    cluster_name: str
    controller: str = Field(description="hostname of the node that runs slurmctld and slurmdbd")
    controller_address: str
    partitions: tuple[SlurmPartitionVar, ...]
    health_check_interval_s: int
    srun_ports: tuple[int, int]
    container_runtime: str = "none"


class QuotaVar(_Model):
    path: str = Field(description="directory below the mount path")
    max_bytes: int


class FilesystemVar(_Model):
    """A shared file system and the nodes that mount it."""

    name: str
    kind: Literal["cephfs", "lustre", "efs"]
    mount_path: str
    clients: tuple[str, ...] = Field(description="hostnames of the nodes that mount it")
    quotas: tuple[QuotaVar, ...] = ()
    # cephfs
    size: int = 0
    min_size: int = 0
    standby_mds: bool = False
    client: str = Field(default="auto", description="cephfs: kernel, fuse or auto")
    # aws services: what a node mounts (lustre: <dns>@tcp:/<mount name>; efs: <dns>:/)
    source: str = ""


class HdfsVar(_Model):
    """HDFS: the NameNode, the DataNodes and the nodes with the client."""

    namenode: str = Field(description="hostname of the node that runs the NameNode")
    namenode_address: str
    datanodes: tuple[str, ...] = Field(description="hostnames of the nodes that run DataNodes")
    clients: tuple[str, ...] = Field(description="hostnames of the nodes with the hdfs client")
    replication: int
    block_size_mb: int


class ClusterVars(_Model):
    """Group variables every role may read (the inventory's `aidc` group vars)."""

    aidc_cluster_name: str
    aidc_target: str
    aidc_apt_proxy: str = ""
    aidc_monitoring_targets: tuple[str, ...] = ()
    aidc_monitoring_retention_days: int
    aidc_monitoring_scrape_interval_s: int
    aidc_admin_sources: tuple[str, ...]
    aidc_firewall_flows: tuple[FlowVar, ...] = ()
    aidc_ceph_mon_hosts: tuple[str, ...] = ()
    aidc_rgw_endpoint: str = ""
    aidc_buckets: tuple[BucketVar, ...] = ()
    aidc_ceph_pools: tuple[CephPoolVar, ...] = ()
    aidc_ceph_osds_per_host: int = 0
    aidc_ceph_osd_size_gb: int = 0
    aidc_hardening_profile: str
    aidc_slurm: SlurmVar | None = None
    aidc_container_runtime: str = "none"
    aidc_container_base_rootfs: str = Field(
        default="", description="root file system on the controller that base images come from"
    )
    aidc_filesystems: tuple[FilesystemVar, ...] = ()
    aidc_hdfs: HdfsVar | None = None

    def bucket(self, purpose: str) -> BucketVar | None:
        return next((b for b in self.aidc_buckets if b.purpose == purpose), None)


class _Outputs(_Model):
    contract_version: Literal[1] = CONTRACT_VERSION
    nodes: tuple[NodeOut, ...] = Field(min_length=1)
    cluster_vars: ClusterVars

    def node(self, name: str) -> NodeOut:
        found = next((n for n in self.nodes if n.name == name), None)
        if found is None:
            raise KeyError(f"no node {name!r}; nodes: {', '.join(n.name for n in self.nodes)}")
        return found

    def with_role(self, role: Role) -> tuple[NodeOut, ...]:
        return tuple(n for n in self.nodes if role in n.roles)

    @property
    def known_hosts(self) -> str | None:
        """A known_hosts file that pins every node's host key, where the target writes one."""
        return None

    def export_values(self) -> dict[str, Any]:
        """The values the program exports, one stack output per top-level field."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


# lab --------------------------------------------------------------------------------------


class LabNetworkOut(_Model):
    name: str
    bridge: str
    cidr: str
    host_address: str


class LabFlowOut(_Model):
    description: str
    from_: tuple[str, ...] = Field(alias="from")
    to: tuple[str, ...]
    protocol: str
    ports: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LabFirewallOut(_Model):
    default: str
    flows: tuple[LabFlowOut, ...]


class LabEndpoints(_Model):
    apt_proxy: tuple[str, ...] = ()


class LabOutputs(_Outputs):
    target: Literal["lab"] = "lab"
    networks: tuple[LabNetworkOut, ...]
    firewall: LabFirewallOut
    endpoints: LabEndpoints
    ssh_key_path: str
    known_hosts_path: str

    @property
    def known_hosts(self) -> str | None:
        return self.known_hosts_path


# aws --------------------------------------------------------------------------------------


class AwsSubnetOut(_Model):
    name: str
    cidr: str
    zone: str | None = None
    public: bool
    id: str


class AwsNetworkOut(_Model):
    name: str
    cidr: str
    vpc_id: str
    subnets: tuple[AwsSubnetOut, ...]
    nat_public_ips: tuple[str, ...] = ()
    flow_log_group: str


class AwsRuleOut(_Model):
    group: str
    direction: str
    protocol: str
    ports: str
    peer: str
    description: str


class AwsFirewallOut(_Model):
    default: str
    groups: dict[str, str]
    rules: tuple[AwsRuleOut, ...]


class AwsEndpoints(_Model):
    region: str
    access: Literal["login", "bastion", "ssm"]
    jump_host: str = ""
    s3: str
    s3_gateway_endpoint: str


class AwsBucketOut(_Model):
    name: str
    arn: str
    purpose: str
    versioning: bool
    encryption: str
    access_logging: bool


class AutoscalingGroupOut(_Model):
    pool: str
    count: int
    name: str


class AwsOutputs(_Outputs):
    target: Literal["aws"] = "aws"
    networks: tuple[AwsNetworkOut, ...]
    firewall: AwsFirewallOut
    endpoints: AwsEndpoints
    buckets: tuple[AwsBucketOut, ...] = ()
    autoscaling_groups: tuple[AutoscalingGroupOut, ...] = ()


StackOutputs = Annotated[LabOutputs | AwsOutputs, Field(discriminator="target")]
TARGETS: dict[str, type[LabOutputs] | type[AwsOutputs]] = {"lab": LabOutputs, "aws": AwsOutputs}


def parse_outputs(raw: Any) -> LabOutputs | AwsOutputs:
    """The typed outputs of a stack, from `pulumi stack output --json --show-secrets` values.

    Raises ContractError naming what is wrong: no outputs, another contract version, an
    unknown target, or the fields that do not fit (one line each).
    """
    if not raw:
        raise ContractError("the stack has no outputs; run `pulumi up` for it first (make lab)")
    if not isinstance(raw, dict):
        raise ContractError(f"stack outputs are a {type(raw).__name__}, not a mapping")
    version = raw.get("contract_version")
    if version is None:
        raise ContractError(
            "the stack outputs carry no contract_version: they were written by an aidc release "
            f"before output contract {CONTRACT_VERSION}; run `pulumi up` on the stack with this "
            "release to rewrite them"
        )
    if version != CONTRACT_VERSION:
        raise ContractError(
            f"the stack outputs were written with output contract {version!r}; this release "
            f"reads contract {CONTRACT_VERSION}; run `pulumi up` with the release that matches"
        )
    target = raw.get("target")
    model = TARGETS.get(target) if isinstance(target, str) else None
    if model is None:
        raise ContractError(
            f"target: {target!r} is not a target this release knows; known: {', '.join(TARGETS)}"
        )
    try:
        return model.model_validate({k: v for k, v in raw.items() if k not in SECRET_OUTPUTS})
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in err['loc']) or 'outputs'}: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ContractError(
            f"the stack outputs do not fit output contract {CONTRACT_VERSION} "
            f"(target {target}):\n" + "\n".join(lines)
        ) from None
