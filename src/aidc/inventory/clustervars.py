"""Group variables every role may read, derived from the spec and the nodes a target made.

Targets export these as the `cluster_vars` stack output; roles read them only through the
inventory, never from the spec or the stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aidc.inventory.contract import (
    BucketVar,
    CephPoolVar,
    ClusterVars,
    FilesystemVar,
    FlowVar,
    HdfsVar,
    NodeOut,
    QuotaVar,
    SlurmPartitionVar,
    SlurmVar,
)
from aidc.spec import (
    Cluster,
    compute_pools,
    effective_flows,
    filesystem_pools,
    hdfs_client_pools,
    hdfs_pool,
    pool_gpus,
    slurm_controller,
)

CEPH_MONITORS = 3
RGW_PORT = 7480


def cluster_vars(
    cluster: Cluster,
    nodes: Sequence[NodeOut],
    flows: Sequence[FlowVar],
    admin_sources: Sequence[str],
    apt_proxy: str = "",
    container_base_rootfs: str = "",
    filesystem_sources: dict[str, str] | None = None,
) -> ClusterVars:
    """`nodes` are the target's nodes; `flows` are the firewall's rules resolved to addresses;
    `filesystem_sources` (file system name -> what a node mounts) where a service serves one."""

    def hosts(role: str) -> list[str]:
        return [n.ansible_host for n in nodes if role in n.roles]

    ceph = cluster.storage.ceph
    storage_hosts = hosts("storage")
    mons = storage_hosts[:CEPH_MONITORS] if ceph else []
    rgw = f"http://{storage_hosts[0]}:{RGW_PORT}" if ceph and ceph.rgw and storage_hosts else ""
    return ClusterVars(
        aidc_cluster_name=cluster.name,
        aidc_target=cluster.target,
        aidc_apt_proxy=apt_proxy,
        aidc_monitoring_targets=tuple(n.ansible_host for n in nodes)
        if cluster.monitoring.enabled
        else (),
        aidc_monitoring_retention_days=cluster.monitoring.retention_days,
        aidc_monitoring_scrape_interval_s=cluster.monitoring.scrape_interval_s,
        aidc_admin_sources=tuple(admin_sources),
        aidc_firewall_flows=tuple(flows),
        aidc_ceph_mon_hosts=tuple(mons),
        aidc_rgw_endpoint=rgw,
        aidc_buckets=tuple(
            BucketVar(
                name=b.name,
                purpose=b.purpose,
                versioning=b.versioned,
                expiration_days=b.expiry_days or 0,
                noncurrent_expiry_days=b.noncurrent_expiry_days or 0,
                quota_gb=b.quota_gb or 0,
            )
            for b in cluster.storage.buckets
        ),
        aidc_ceph_pools=tuple(
            CephPoolVar(
                name=p.name,
                size=p.size,
                min_size=p.min_size,
                application=p.application,
                failure_domain=p.failure_domain,
                pg_autoscale=p.pg_autoscale,
            )
            for p in (ceph.pools if ceph else ())
        )
        + cephfs_pools(cluster),
        aidc_ceph_osds_per_host=ceph.osds_per_host if ceph else 0,
        aidc_ceph_osd_size_gb=ceph.osd_size_gb if ceph else 0,
        aidc_hardening_profile=cluster.hardening.profile,
        aidc_slurm=slurm_vars(cluster, nodes),
        aidc_container_runtime=cluster.workload.containers.runtime
        if compute_pools(cluster)
        else "none",
        aidc_container_base_rootfs=container_base_rootfs,
        aidc_filesystems=filesystem_vars(cluster, nodes, filesystem_sources),
        aidc_hdfs=hdfs_vars(cluster, nodes),
    )


def cephfs_pools(cluster: Cluster) -> tuple[CephPoolVar, ...]:
    """The metadata and data pools of each CephFS (`cephfs.<name>.meta`, `.data`)."""
    if cluster.storage.ceph is None:
        return ()
    return tuple(
        CephPoolVar(
            name=f"cephfs.{fs.name}.{part}",
            size=fs.size,
            min_size=fs.min_size,
            application="cephfs",
            failure_domain="host",
            pg_autoscale=True,
        )
        for fs in cluster.storage.filesystems
        if fs.kind == "cephfs"
        for part in ("meta", "data")
    )


def _pool_nodes(nodes: Sequence[NodeOut], pools: Sequence[Any]) -> tuple[str, ...]:
    names = {p.name for p in pools}
    return tuple(n.name for n in nodes if n.pool in names)


def filesystem_vars(
    cluster: Cluster, nodes: Sequence[NodeOut], sources: dict[str, str] | None = None
) -> tuple[FilesystemVar, ...]:
    """Each shared file system with its clients; `sources` (name -> what a node mounts) come
    from the target where a service serves the file system (aws)."""
    return tuple(
        FilesystemVar(
            name=fs.name,
            kind=fs.kind,
            mount_path=fs.mount_path,
            clients=_pool_nodes(nodes, filesystem_pools(cluster, fs)),
            quotas=tuple(QuotaVar(path=q.path, max_bytes=q.max_mb * 10**6) for q in fs.quotas),
            size=fs.size if fs.kind == "cephfs" else 0,
            min_size=fs.min_size if fs.kind == "cephfs" else 0,
            standby_mds=fs.kind == "cephfs" and fs.standby_mds,
            client=fs.client,
            source=(sources or {}).get(fs.name, ""),
        )
        for fs in cluster.storage.filesystems
    )


def hdfs_vars(cluster: Cluster, nodes: Sequence[NodeOut]) -> HdfsVar | None:
    """HDFS's layout, or None when it is off or its pool has no nodes."""
    home = hdfs_pool(cluster)
    datanodes = [n for n in nodes if home is not None and n.pool == home.name]
    if not datanodes:
        return None
    hdfs = cluster.storage.hdfs
    return HdfsVar(
        namenode=datanodes[0].name,
        namenode_address=datanodes[0].ansible_host,
        datanodes=tuple(n.name for n in datanodes),
        clients=_pool_nodes(nodes, hdfs_client_pools(cluster)),
        replication=hdfs.replication,
        block_size_mb=hdfs.block_size_mb,
    )


def slurm_vars(cluster: Cluster, nodes: Sequence[NodeOut]) -> SlurmVar | None:
    """Slurm's layout: the controller (first node of its pool) and a partition per compute
    pool, or None when Slurm is off or nothing would run jobs."""
    pool = slurm_controller(cluster)
    computes = compute_pools(cluster)
    controller = next((n for n in nodes if pool is not None and n.pool == pool.name), None)
    if controller is None or not computes:
        return None
    partitions = []
    for p in computes:
        sku, count = pool_gpus(cluster, p)
        partitions.append(
            SlurmPartitionVar(
                name=p.name,
                nodes=tuple(n.name for n in nodes if n.pool == p.name),
                gres=f"gpu:{sku}:{count}" if sku and count else "",
                efa=p.efa,
            )
        )
    slurm = cluster.workload.slurm
    return SlurmVar(
        cluster_name=cluster.name,
        controller=controller.name,
        controller_address=controller.ansible_host,
        partitions=tuple(partitions),
        health_check_interval_s=slurm.health_check_interval_s,
        srun_ports=slurm.srun_ports,
        container_runtime=cluster.workload.containers.runtime,
    )


def resolved_flows(cluster: Cluster, nodes: Sequence[NodeOut]) -> tuple[FlowVar, ...]:
    """The spec's flows with roles replaced by the addresses of the nodes that have them."""

    def hosts(role: str) -> tuple[str, ...]:
        return tuple(n.ansible_host for n in nodes if role in n.roles)

    return tuple(
        FlowVar(
            description=f.description,
            sources=hosts(f.source),
            destinations=hosts(f.destination),
            protocol=f.protocol,
            ports=f.ports,
        )
        for f in effective_flows(cluster)
    )


def gpu_of(cluster: Cluster, pool_name: str) -> dict[str, Any]:
    """A node's GPU SKU and count, as host variables of its stack output entry."""
    pool = cluster.pool(pool_name)
    if pool is None:
        raise KeyError(pool_name)
    sku, count = pool_gpus(cluster, pool)
    return {"gpu_sku": sku or "", "gpus": count}
