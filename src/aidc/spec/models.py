"""Pydantic models of a cluster. Immutable; defaults are the safe choice."""

from __future__ import annotations

from ipaddress import IPv4Network

from pydantic import BaseModel, ConfigDict, Field

from aidc.spec.types import (
    ROLES,
    BucketPurpose,
    Count,
    DebianSuite,
    DiskGb,
    Encryption,
    HardeningProfile,
    Name,
    PortRange,
    Protocol,
    Role,
    TagKey,
    TagValue,
    Target,
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Subnet(_Model):
    name: Name
    cidr: IPv4Network
    zone: str | None = Field(default=None, description="availability zone (aws)")
    public: bool = Field(default=False, description="public subnets get an internet route")


class Network(_Model):
    name: Name
    cidr: IPv4Network
    subnets: tuple[Subnet, ...] = ()


class Flow(_Model):
    """Traffic allowed from nodes of one role to nodes of another."""

    source: Role
    destination: Role
    protocol: Protocol = "tcp"
    ports: PortRange | None = Field(default=None, description="required for tcp and udp")
    description: str = Field(min_length=1, max_length=200)


class Firewall(_Model):
    admin_cidrs: tuple[IPv4Network, ...] = Field(
        default=(), description="sources allowed to reach SSH on login nodes"
    )
    allow_world_admin: bool = Field(
        default=False, description="explicit override that permits 0.0.0.0/0 in admin_cidrs"
    )
    flows: tuple[Flow, ...] = ()
    egress_cidrs: tuple[IPv4Network, ...] = Field(
        default=(), description="destinations nodes may reach beyond the cluster (aws)"
    )


class NodePool(_Model):
    name: Name
    roles: tuple[Role, ...] = Field(min_length=1, max_length=len(ROLES))
    count: Count
    gpu: str | None = Field(default=None, description="GPU SKU from the catalog")
    gpus_per_node: int | None = Field(default=None, ge=1, le=16)
    instance_type: str | None = Field(default=None, description="aws instance type")
    image: str | None = Field(default=None, description="aws: AMI id or SSM parameter path")
    root_disk_gb: DiskGb = 100
    network: Name | None = Field(default=None, description="defaults to the first network")
    efa: bool = False
    placement_group: bool = True
    capacity_reservation_id: str | None = Field(default=None, pattern=r"^(cr|cb)-[0-9a-f]+$")
    autoscaling: bool = False

    @property
    def role(self) -> Role:
        """The primary role: the first listed."""
        return self.roles[0]


class CephPool(_Model):
    name: Name
    size: int = Field(default=3, ge=1, le=10)
    min_size: int = Field(default=2, ge=1, le=10)
    failure_domain: str = Field(default="host", pattern=r"^(host|osd|rack)$")
    application: str = Field(default="rbd", pattern=r"^(rbd|rgw|cephfs)$")
    pg_autoscale: bool = True


class Ceph(_Model):
    osd_pool: Name = Field(description="node pool whose hosts carry the OSDs")
    osds_per_host: int = Field(default=1, ge=1, le=24)
    osd_size_gb: int = Field(default=20, ge=1, le=1_000_000)
    pools: tuple[CephPool, ...] = ()
    rgw: bool = False
    msgr2_secure: bool = True


class Bucket(_Model):
    name: str
    purpose: BucketPurpose
    versioning: bool | None = Field(default=None, description="default: on for checkpoints")
    noncurrent_expiry_days: int | None = Field(default=None, ge=1, le=3650)
    expiry_days: int | None = Field(default=None, ge=1, le=36500)
    encryption: Encryption = "sse-s3"
    kms_key_id: str | None = None
    access_logging: bool = False
    quota_gb: int | None = Field(default=None, ge=1)

    @property
    def versioned(self) -> bool:
        return self.versioning if self.versioning is not None else self.purpose == "checkpoints"


class Storage(_Model):
    ceph: Ceph | None = None
    buckets: tuple[Bucket, ...] = ()


class Monitoring(_Model):
    enabled: bool = True
    retention_days: int = Field(default=15, ge=1, le=3650)
    scrape_interval_s: int = Field(default=15, ge=5, le=300)
    alert_rules: bool = True


class Hardening(_Model):
    profile: HardeningProfile = "baseline"


class LabSettings(_Model):
    suite: DebianSuite = "bookworm"
    max_nodes: int = Field(default=12, ge=1, le=64, description="refuse specs larger than this")
    node_memory_mb: int = Field(default=2048, ge=256, le=65536)


class Cluster(_Model):
    name: Name
    target: Target
    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    site: str | None = Field(default=None, max_length=64)
    networks: tuple[Network, ...] = Field(min_length=1)
    firewall: Firewall = Firewall()
    pools: tuple[NodePool, ...] = Field(min_length=1)
    storage: Storage = Storage()
    monitoring: Monitoring = Monitoring()
    hardening: Hardening = Hardening()
    lab: LabSettings = LabSettings()
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, max_length=40)

    def pools_with_role(self, role: Role) -> tuple[NodePool, ...]:
        return tuple(p for p in self.pools if role in p.roles)

    def pool(self, name: str) -> NodePool | None:
        return next((p for p in self.pools if p.name == name), None)

    def network(self, name: str | None) -> Network:
        """The named network, or the first one when name is None."""
        if name is None:
            return self.networks[0]
        return next(n for n in self.networks if n.name == name)

    @property
    def node_count(self) -> int:
        return sum(p.count for p in self.pools)
