"""Facts derived from a valid spec that several consumers need (nodes, totals)."""

from __future__ import annotations

from dataclasses import dataclass

from aidc import catalog
from aidc.spec.models import Cluster, Flow, NodePool
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


def effective_flows(cluster: Cluster) -> tuple[Flow, ...]:
    """Every flow the firewall allows between roles: the spec's own, then the workload's."""
    return (*cluster.firewall.flows, *workload_flows(cluster))
