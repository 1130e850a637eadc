"""Pydantic models of a cluster. Immutable; defaults are the safe choice."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aidc.spec.types import (
    ROLES,
    Bool,
    BucketName,
    BucketPurpose,
    CephfsClient,
    Cidr,
    ContainerRuntime,
    Count,
    DebianSuite,
    Description,
    DiskGb,
    Encryption,
    FilesystemKind,
    GpuSku,
    HardeningProfile,
    ImageRef,
    InstanceTypeName,
    Int,
    KmsKeyId,
    MountPath,
    Name,
    PortRange,
    Protocol,
    Role,
    Site,
    SubPath,
    TagKey,
    TagValue,
    Target,
    Zone,
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Subnet(_Model):
    """A part of a network; on aws, a subnet in one availability zone."""

    name: Name = Field(description="unique within its network")
    cidr: Cidr = Field(
        description="inside the network's CIDR, host bits zero, not overlapping its other subnets"
    )
    zone: Zone | None = Field(
        default=None,
        description="availability zone; required on aws, where it is the region and a letter",
    )
    public: Bool = Field(
        default=False,
        description="public subnets get an internet route; on aws only they auto-assign public IPs",
    )


class Network(_Model):
    """A virtual network: a VPC on aws, a Linux bridge with no route off the machine on lab."""

    name: Name = Field(description="unique among networks; pools name it in `network`")
    cidr: Cidr = Field(
        description="host bits zero; must not overlap another network; aws: /16 to /28; "
        "lab: /30 or larger"
    )
    subnets: tuple[Subnet, ...] = Field(default=(), description="the network's subnets")


class Flow(_Model):
    """Traffic allowed from nodes of one role to nodes of another."""

    source: Role = Field(description="role whose nodes open the connection; a pool must have it")
    destination: Role = Field(description="role whose nodes accept it; a pool must have it")
    protocol: Protocol = Field(default="tcp", description="IP protocol")
    ports: PortRange | None = Field(
        default=None, description="required for tcp and udp; refused for icmp and all"
    )
    description: Description = Field(
        description="why the flow exists; kept on the firewall rule (an AWS security group "
        "rule's description, a comment in the lab's nftables rules)"
    )


class Firewall(_Model):
    """Who may reach the cluster, and what may flow between roles: everything else is denied."""

    admin_cidrs: tuple[Cidr, ...] = Field(
        default=(),
        description="sources allowed to reach SSH on login nodes, judged together: if they "
        "cover every public IPv4 address (0.0.0.0/0, or halves such as 0.0.0.0/1 and "
        "128.0.0.0/1) they are refused unless allow_world_admin is true; if they cover more "
        "public addresses than a /8 holds (1/256 of IPv4) they are refused unless "
        "allow_broad_admin is true",
    )
    allow_world_admin: Bool = Field(
        default=False,
        description="explicit override that permits admin_cidrs covering the whole internet, "
        "such as 0.0.0.0/0 (with a warning); implies allow_broad_admin",
    )
    allow_broad_admin: Bool = Field(
        default=False,
        description="explicit override that permits admin_cidrs covering more public "
        "addresses than a /8 holds, short of the whole internet (with a warning)",
    )
    flows: tuple[Flow, ...] = Field(
        default=(), description="traffic allowed between roles; the rest between roles is denied"
    )
    egress_cidrs: tuple[Cidr, ...] = Field(
        default=(), description="destinations nodes may reach beyond the cluster (aws)"
    )


class NodePool(_Model):
    """A group of identical nodes, named `<cluster>-<pool>-<n>`."""

    name: Name = Field(
        description="unique among pools; `<cluster>-<pool>-<count>` must fit in 63 characters"
    )
    roles: tuple[Role, ...] = Field(
        min_length=1,
        max_length=len(ROLES),
        description="what the nodes do, each role once; the first is the primary role",
    )
    count: Count = Field(
        description="number of nodes; on lab all pools together must not exceed lab.max_nodes, "
        "at most 16 per pool, within the network's addresses (pool n starts at offset 10 + 16n)"
    )
    gpu: GpuSku | None = Field(
        default=None,
        description="GPU SKU from the catalog; needed for role gpu unless instance_type carries "
        "one, and on aws it must agree with the instance type",
    )
    gpus_per_node: Int | None = Field(
        default=None,
        ge=1,
        le=16,
        description="on aws taken from the instance type (must match it when set); elsewhere 1 "
        "when unset, and when set one of the node forms of the SKU in the catalog (e.g. 4 or 8 "
        "for HGX boards, 1, 2, 4 or 8 for PCIe cards); needs gpu",
    )
    instance_type: InstanceTypeName | None = Field(
        default=None,
        description="aws instance type from the catalog; required on aws, refused on lab",
    )
    image: ImageRef | None = Field(
        default=None,
        description="aws: an AMI id (ami- and 8 to 17 hex digits), an SSM parameter path "
        "(/...) or the ARN of an SSM parameter (default: Canonical's Ubuntu 24.04 parameter); "
        "refused on lab, whose image is lab.suite",
    )
    root_disk_gb: DiskGb = Field(default=100, description="root volume size in GB")
    network: Name | None = Field(
        default=None, description="the network the nodes join; defaults to the first network"
    )
    efa: Bool = Field(
        default=False,
        description="aws: attach the instance type's EFA interfaces; EFA-capable types only",
    )
    placement_group: Bool = Field(
        default=True,
        description="aws: put an EFA pool of more than one node in a cluster placement group",
    )
    capacity_reservation_id: str | None = Field(
        default=None,
        pattern=r"^(cr|cb)-[0-9a-f]{8,17}$",
        description="aws: capacity reservation (cr-) or capacity block (cb-) to launch into",
    )
    autoscaling: Bool = Field(
        default=False,
        description="aws: an auto scaling group instead of single instances; not on the Ceph "
        "OSD pool, and not on every pool",
    )

    @property
    def role(self) -> Role:
        """The primary role: the first listed."""
        return self.roles[0]


class CephPool(_Model):
    """A Ceph pool and its replication."""

    name: Name = Field(description="unique among the Ceph pools")
    size: Int = Field(
        default=3,
        ge=1,
        le=10,
        description="copies of each object; at least 2, and with failure domain host at most "
        "the OSD hosts",
    )
    min_size: Int = Field(
        default=2, ge=1, le=10, description="copies needed to serve I/O; below size"
    )
    failure_domain: str = Field(
        default="host",
        pattern=r"^(host|osd|rack)$",
        description="what two copies never share (CRUSH failure domain)",
    )
    application: str = Field(
        default="rbd", pattern=r"^(rbd|rgw|cephfs)$", description="what the pool is used by"
    )
    pg_autoscale: Bool = Field(
        default=True, description="let Ceph's autoscaler set the placement group count"
    )


class Ceph(_Model):
    """Ceph on the storage nodes, from the distribution's packages."""

    osd_pool: Name = Field(
        description="node pool whose hosts carry the OSDs; it must have role storage"
    )
    osds_per_host: Int = Field(default=1, ge=1, le=24, description="OSDs on each host")
    osd_size_gb: Int = Field(
        default=20,
        ge=1,
        le=1_000_000,
        description="size of each OSD in GB (on lab, the size of its sparse file)",
    )
    pools: tuple[CephPool, ...] = Field(default=(), description="the Ceph pools to create")
    rgw: Bool = Field(
        default=False, description="run the RADOS gateway (S3 API); lab buckets need it"
    )
    msgr2_secure: Bool = Field(
        default=True, description="encrypt Ceph's wire protocol (msgr2 secure mode)"
    )


class Bucket(_Model):
    """An object-store bucket: S3 on aws, Ceph RGW on lab."""

    name: BucketName = Field(
        description="unique; a valid S3 bucket name: 3-63 lowercase letters, digits, '.' and "
        "'-', starting and ending with a letter or digit, not an IP address"
    )
    purpose: BucketPurpose = Field(description="what the bucket holds")
    versioning: Bool | None = Field(default=None, description="default: on for checkpoints")
    noncurrent_expiry_days: Int | None = Field(
        default=None, ge=1, le=3650, description="delete noncurrent versions after these days"
    )
    expiry_days: Int | None = Field(
        default=None, ge=1, le=36500, description="delete objects after these days"
    )
    encryption: Encryption = Field(default="sse-s3", description="server-side encryption")
    kms_key_id: KmsKeyId | None = Field(
        default=None,
        description="KMS key: a key id, alias/<name>, or a key or alias ARN; required with "
        "encryption kms, refused otherwise",
    )
    access_logging: Bool = Field(
        default=False, description="aws: log requests to a separate access-log bucket"
    )
    quota_gb: Int | None = Field(
        default=None, ge=1, le=10_000_000, description="size quota in GB; none: no quota"
    )

    @property
    def versioned(self) -> bool:
        return self.versioning if self.versioning is not None else self.purpose == "checkpoints"


class Quota(_Model):
    """A size limit on one directory of a shared file system."""

    path: SubPath = Field(description="directory below the mount path, e.g. datasets or home")
    max_mb: Int = Field(
        ge=1, le=10_000_000_000, description="most MB (10^6 bytes) the directory may hold"
    )


class SharedFilesystem(_Model):
    """A POSIX file system that every node of the named pools mounts at one path: CephFS on
    the spec's Ceph (lab, on-prem, any target with Ceph), FSx for Lustre or EFS on aws."""

    name: Name = Field(description="unique among the file systems")
    kind: FilesystemKind = Field(
        default="cephfs",
        description="cephfs (needs storage.ceph), lustre (aws: FSx for Lustre, persistent) or "
        "efs (aws: Elastic File System)",
    )
    mount_path: MountPath = Field(
        default="/shared",
        description="absolute path where nodes mount it, unique among the file systems; not a "
        "system directory",
    )
    pools: tuple[Name, ...] | None = Field(
        default=None,
        description="node pools that mount it; default: every pool with role login, gpu or cpu",
    )
    size: Int = Field(
        default=3,
        ge=2,
        le=10,
        description="cephfs: copies of each object in the data and metadata pools; at most the "
        "OSD hosts",
    )
    min_size: Int = Field(
        default=2, ge=1, le=10, description="cephfs: copies needed to serve I/O; below size"
    )
    standby_mds: Bool = Field(
        default=True,
        description="cephfs: a standby metadata server beside the active one (needs two "
        "storage hosts)",
    )
    client: CephfsClient = Field(
        default="auto",
        description="cephfs: kernel client, ceph-fuse, or auto (the kernel's client where the "
        "kernel has one, else ceph-fuse)",
    )
    quotas: tuple[Quota, ...] = Field(
        default=(), description="directories created below the mount path with a size limit"
    )
    capacity_gb: Int | None = Field(
        default=None,
        ge=1200,
        le=2_016_000,
        description="lustre: storage capacity, 1200, 2400 or a multiple of 2400 (default 1200); "
        "refused on other kinds",
    )
    throughput_mb_per_tib: Int = Field(
        default=125,
        description="lustre: throughput per TiB of storage (PERSISTENT_2: 125, 250, 500 or 1000)",
    )
    data_repository_bucket: BucketName | None = Field(
        default=None,
        description="lustre: a bucket of storage.buckets linked to /<mount>/ by a data "
        "repository association; default: the first bucket with purpose datasets",
    )


class Hdfs(_Model):
    """HDFS from Apache Hadoop's release artifacts: a NameNode and DataNodes on storage hosts,
    listening on the cluster network only (no Kerberos)."""

    enabled: Bool = Field(default=False, description="run HDFS")
    pool: Name | None = Field(
        default=None,
        description="storage pool whose hosts run the DataNodes (the first also the NameNode); "
        "default: storage.ceph.osd_pool, else the first pool with role storage",
    )
    replication: Int = Field(
        default=3, ge=1, le=10, description="copies of each block; at most the pool's hosts"
    )
    block_size_mb: Int = Field(default=128, ge=1, le=2048, description="HDFS block size in MB")
    clients: tuple[Name, ...] | None = Field(
        default=None,
        description="pools whose nodes get the hdfs client; default: every pool with role "
        "login, gpu or cpu",
    )


class Storage(_Model):
    """Ceph, object buckets, shared file systems and HDFS."""

    ceph: Ceph | None = Field(default=None, description="a Ceph cluster; none: no Ceph")
    buckets: tuple[Bucket, ...] = Field(default=(), description="object-store buckets")
    filesystems: tuple[SharedFilesystem, ...] = Field(
        default=(), max_length=8, description="shared POSIX file systems"
    )
    hdfs: Hdfs = Field(default=Hdfs(), description="HDFS for the big-data tier")


class Monitoring(_Model):
    """Prometheus on the monitor nodes, node_exporter on every node."""

    enabled: Bool = Field(default=True, description="needs a pool with role monitor")
    retention_days: Int = Field(
        default=15, ge=1, le=3650, description="days Prometheus keeps samples"
    )
    scrape_interval_s: Int = Field(default=15, ge=5, le=300, description="seconds between scrapes")
    alert_rules: Bool = Field(default=True, description="install aidc's alert rules")


class Hardening(_Model):
    """Host hardening by the hardening role."""

    profile: HardeningProfile = Field(
        default="baseline",
        description="strict adds AIDE and immutable audit rules; off applies no hardening",
    )


class Slurm(_Model):
    """Slurm from the distribution's packages: munge everywhere, slurmctld with slurmdbd and
    MariaDB accounting on the controller, slurmd on the gpu and cpu pools."""

    enabled: Bool = Field(
        default=True, description="run Slurm; needs a pool with role gpu or cpu to run jobs"
    )
    controller_pool: Name | None = Field(
        default=None,
        description="pool whose first node runs slurmctld and slurmdbd; default: the first "
        "pool with role login, else with role monitor, else the first pool without storage",
    )
    health_check_interval_s: Int = Field(
        default=60,
        ge=10,
        le=3600,
        description="seconds between runs of the GPU acceptance gate on each compute node; a "
        "node it fails is drained with the gate's reason and resumed when it passes",
    )
    srun_ports: PortRange = Field(
        default=(60001, 60100),
        description="ports srun listens on for its tasks' I/O (SrunPortRange), e.g. "
        "60001-60100; opened from compute nodes to login and compute nodes",
    )


class Containers(_Model):
    """A container runtime on the compute nodes, wired to the NVIDIA container toolkit."""

    runtime: ContainerRuntime = Field(
        default="podman",
        description="podman (daemonless: a container is a child of the job step that runs "
        "it) or none",
    )


class Workload(_Model):
    """What runs AI work on the cluster."""

    slurm: Slurm = Field(default=Slurm(), description="the Slurm scheduler")
    containers: Containers = Field(default=Containers(), description="the container runtime")


class LabSettings(_Model):
    """Settings of the lab target."""

    suite: DebianSuite = Field(
        default="bookworm", description="Debian release of the node image (12 or 13)"
    )
    max_nodes: Int = Field(default=12, ge=1, le=64, description="refuse specs larger than this")
    node_memory_mb: Int = Field(
        default=2048, ge=256, le=65536, description="memory limit of each node in MB"
    )


class Cluster(_Model):
    """One cluster: the document under `aidc:cluster` in a stack config."""

    name: Name = Field(description="the cluster's name; hostnames are `<name>-<pool>-<n>`")
    target: Target = Field(description="where the cluster is built")
    region: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$",
        description="AWS region; required on aws, refused elsewhere",
    )
    site: Site | None = Field(
        default=None,
        description="free-form location for lab and on-prem: printable text, no control "
        "characters, not starting or ending with a space",
    )
    networks: tuple[Network, ...] = Field(
        min_length=1, description="unique names; CIDRs must not overlap"
    )
    firewall: Firewall = Field(default=Firewall(), description="admin access and role flows")
    pools: tuple[NodePool, ...] = Field(min_length=1, description="the node pools")
    storage: Storage = Field(
        default=Storage(),
        description="Ceph, object buckets, shared file systems and HDFS",
    )
    monitoring: Monitoring = Field(default=Monitoring(), description="Prometheus and exporters")
    workload: Workload = Field(
        default=Workload(), description="the scheduler and container runtime"
    )
    hardening: Hardening = Field(default=Hardening(), description="host hardening")
    lab: LabSettings = Field(default=LabSettings(), description="lab target settings")
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict,
        max_length=40,
        description="applied to every resource that takes tags",
    )

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
