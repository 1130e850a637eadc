"""Facts derived from a valid spec that several consumers need (nodes, totals)."""

from __future__ import annotations

from dataclasses import dataclass

from aidc import catalog
from aidc.spec.models import Cluster, Flow, NodePool, SharedFilesystem
from aidc.spec.types import Role


@dataclass(frozen=True)
class NodeRef:
    """One node the spec asks for."""

    hostname: str
    pool: str
    index: int
    roles: tuple[Role, ...]


def node_refs(cluster: Cluster, pool: NodePool) -> list[NodeRef]:
    return [
        NodeRef(f"{cluster.name}-{pool.name}-{i}", pool.name, i, pool.roles)
        for i in range(1, pool.count + 1)
    ]


def all_nodes(cluster: Cluster) -> list[NodeRef]:
    return [n for pool in cluster.pools for n in node_refs(cluster, pool)]


def pool_gpus(cluster: Cluster, pool: NodePool) -> tuple[str | None, int]:
    """(GPU SKU, GPUs per node): from the instance type on aws, else as the pool declares."""
    if cluster.target == "aws" and pool.instance_type:
        itype = catalog.instance_type(pool.instance_type)
        return itype.gpu, itype.gpus
    if pool.gpu is None:
        return None, 0
    return pool.gpu, pool.gpus_per_node or 1


# Slurm's daemons (slurm.conf SlurmctldPort, SlurmdPort); slurmdbd and MariaDB listen on
# the controller's loopback only.
SLURMCTLD_PORT = 6817
SLURMD_PORT = 6818
COMPUTE_ROLES: tuple[Role, ...] = ("gpu", "cpu")


def compute_pools(cluster: Cluster) -> tuple[NodePool, ...]:
    """Pools whose nodes run jobs (slurmd, the container runtime)."""
    return tuple(p for p in cluster.pools if any(r in COMPUTE_ROLES for r in p.roles))


def slurm_controller(cluster: Cluster) -> NodePool | None:
    """The pool whose first node runs slurmctld, or None when Slurm is off."""
    slurm = cluster.workload.slurm
    if not slurm.enabled:
        return None
    if slurm.controller_pool is not None:
        return cluster.pool(slurm.controller_pool)
    # A login pool, else a monitor pool, else the first pool that is not storage.
    fronts = (*cluster.pools_with_role("login"), *cluster.pools_with_role("monitor"))
    others = (p for p in cluster.pools if "storage" not in p.roles)
    return next(iter(fronts), next(others, None))


def workload_flows(cluster: Cluster) -> tuple[Flow, ...]:
    """The flows Slurm needs between roles, from the spec's workload section: nodes to the
    controller, the controller and login nodes to slurmd, slurmd to slurmd (message fan-out),
    and tasks back to srun (SrunPortRange) on login and compute nodes."""
    controller = slurm_controller(cluster)
    computes = [r for r in COMPUTE_ROLES if cluster.pools_with_role(r)]
    if controller is None or not computes:
        return ()
    ctl = controller.role
    srun = cluster.workload.slurm.srun_ports
    login: list[Role] = ["login"] if cluster.pools_with_role("login") else []
    logins: list[Role] = list(dict.fromkeys([ctl, *login]))
    flows: list[Flow] = []

    def add(source: Role, destination: Role, ports: tuple[int, int], why: str) -> None:
        flow = Flow(source=source, destination=destination, ports=ports, description=why)
        if flow not in flows:
            flows.append(flow)

    for node in computes:
        add(node, ctl, (SLURMCTLD_PORT, SLURMCTLD_PORT), "slurm: slurmd to slurmctld")
        for front in logins:
            add(front, node, (SLURMD_PORT, SLURMD_PORT), "slurm: slurmctld and srun to slurmd")
            add(node, front, srun, "slurm: tasks to srun on login nodes")
        for peer in computes:
            add(node, peer, (SLURMD_PORT, SLURMD_PORT), "slurm: slurmd message fan-out")
            add(node, peer, srun, "slurm: tasks to srun in batch jobs")
    return tuple(flows)


# Roles whose pools mount shared file systems and get the HDFS client unless the spec says.
CLIENT_ROLES: tuple[Role, ...] = ("login", "gpu", "cpu")
# Ceph's client ports: the monitors (msgr2), then OSDs and MDSs (ms_bind_port_min..max).
CEPH_MON_PORT = 3300
CEPH_DAEMON_PORTS = (6800, 7300)
# HDFS: NameNode RPC (fs.defaultFS) and DataNode data transfer; their HTTP and IPC ports
# listen on loopback only.
HDFS_NAMENODE_PORT = 8020
HDFS_DATANODE_PORT = 9866


def _client_pools(cluster: Cluster, names: tuple[str, ...] | None) -> tuple[NodePool, ...]:
    if names is None:
        return tuple(p for p in cluster.pools if any(r in CLIENT_ROLES for r in p.roles))
    return tuple(p for p in cluster.pools if p.name in names)


def filesystem_pools(cluster: Cluster, fs: SharedFilesystem) -> tuple[NodePool, ...]:
    """The pools whose nodes mount a shared file system."""
    return _client_pools(cluster, fs.pools)


def hdfs_pool(cluster: Cluster) -> NodePool | None:
    """The pool whose nodes run the DataNodes (its first node also the NameNode), or None
    when HDFS is off."""
    hdfs = cluster.storage.hdfs
    if not hdfs.enabled:
        return None
    if hdfs.pool is not None:
        return cluster.pool(hdfs.pool)
    ceph = cluster.storage.ceph
    if ceph is not None and cluster.pool(ceph.osd_pool) is not None:
        return cluster.pool(ceph.osd_pool)
    return next(iter(cluster.pools_with_role("storage")), None)


def hdfs_client_pools(cluster: Cluster) -> tuple[NodePool, ...]:
    """The pools whose nodes get the hdfs command and the cluster's client configuration."""
    if hdfs_pool(cluster) is None:
        return ()
    return _client_pools(cluster, cluster.storage.hdfs.clients)


def storage_flows(cluster: Cluster) -> tuple[Flow, ...]:
    """The flows shared file systems and HDFS need: CephFS clients to the monitors, OSDs and
    MDSs; HDFS clients and DataNodes to the NameNode and the DataNodes."""
    flows: list[Flow] = []

    def add(source: Role, destination: Role, ports: tuple[int, int], why: str) -> None:
        flow = Flow(source=source, destination=destination, ports=ports, description=why)
        if flow not in flows:
            flows.append(flow)

    ceph = cluster.storage.ceph
    osd_pool = cluster.pool(ceph.osd_pool) if ceph else None
    for fs in cluster.storage.filesystems:
        if fs.kind != "cephfs" or osd_pool is None:
            continue
        for pool in filesystem_pools(cluster, fs):
            if pool.name == osd_pool.name:
                continue
            mon = (CEPH_MON_PORT, CEPH_MON_PORT)
            add(pool.role, osd_pool.role, mon, "cephfs: client to ceph monitors")
            add(pool.role, osd_pool.role, CEPH_DAEMON_PORTS, "cephfs: client to osds and mds")
    home = hdfs_pool(cluster)
    if home is not None:
        nn = (HDFS_NAMENODE_PORT, HDFS_NAMENODE_PORT)
        dn = (HDFS_DATANODE_PORT, HDFS_DATANODE_PORT)
        add(home.role, home.role, nn, "hdfs: datanode to namenode")
        add(home.role, home.role, dn, "hdfs: block replication between datanodes")
        for pool in hdfs_client_pools(cluster):
            if pool.name != home.name:
                add(pool.role, home.role, nn, "hdfs: client to namenode")
                add(pool.role, home.role, dn, "hdfs: client to datanodes")
    return tuple(flows)


def _flow_key(flow: Flow) -> tuple[object, ...]:
    return (flow.source, flow.destination, flow.protocol, flow.ports)


def effective_flows(cluster: Cluster) -> tuple[Flow, ...]:
    """Every flow the firewall allows between roles: the spec's own, then those the workload
    and the storage layers need that the spec does not already allow."""
    own = cluster.firewall.flows
    seen = {_flow_key(f) for f in own}
    extra = []
    for flow in (*workload_flows(cluster), *storage_flows(cluster)):
        if _flow_key(flow) not in seen:
            seen.add(_flow_key(flow))
            extra.append(flow)
    return (*own, *extra)
