"""What a spec will build: nodes, GPUs, compute, memory, power, cost, Ceph capacity."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from aidc import catalog
from aidc.spec import Cluster, NodePool, pool_gpus


@dataclass(frozen=True)
class PoolPlan:
    name: str
    roles: tuple[str, ...]
    nodes: int
    instance_type: str | None
    gpu: str | None
    gpus: int
    bf16_pflops: float
    hbm_tb: float
    power_kw: float
    cost_per_hour: float | None


@dataclass(frozen=True)
class Plan:
    cluster: str
    target: str
    pools: tuple[PoolPlan, ...]
    nodes: int
    gpus: int
    bf16_pflops: float
    hbm_tb: float
    power_kw: float
    cost_per_hour: float | None
    ceph_raw_tb: float
    ceph_usable_tb: float
    assumptions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_pool(cluster: Cluster, pool: NodePool) -> PoolPlan:
    sku, per_node = pool_gpus(cluster, pool)
    gpus = per_node * pool.count
    spec = catalog.gpu(sku) if sku else None
    overhead_w = catalog.planning().node_overhead_w[pool.role]
    gpu_w = spec.tdp_w * gpus if spec else 0
    cost = None
    if cluster.target == "aws" and pool.instance_type:
        cost = round(catalog.instance_type(pool.instance_type).price_per_hour * pool.count, 2)
    return PoolPlan(
        name=pool.name,
        roles=pool.roles,
        nodes=pool.count,
        instance_type=pool.instance_type,
        gpu=sku,
        gpus=gpus,
        bf16_pflops=round(spec.bf16_dense_tflops * gpus / 1000, 3) if spec else 0.0,
        hbm_tb=round(spec.memory_gb * gpus / 1000, 3) if spec else 0.0,
        power_kw=round((gpu_w + overhead_w * pool.count) / 1000, 2),
        cost_per_hour=cost,
    )


def make_plan(cluster: Cluster) -> Plan:
    pools = tuple(plan_pool(cluster, p) for p in cluster.pools)
    raw_tb = usable_tb = 0.0
    ceph = cluster.storage.ceph
    if ceph is not None:
        hosts = cluster.pool(ceph.osd_pool)
        host_count = hosts.count if hosts else 0
        raw_tb = host_count * ceph.osds_per_host * ceph.osd_size_gb / 1000
        copies = max((p.size for p in ceph.pools), default=3)
        usable_tb = raw_tb / copies
    priced = [p.cost_per_hour for p in pools if p.cost_per_hour is not None]
    overhead = catalog.planning().node_overhead_w
    assumptions = [
        "compute is dense bf16 at the data-sheet peak, per GPU times GPUs",
        "power is GPU TDP plus per-node overhead: "
        + ", ".join(f"{role} {watts} W" for role, watts in overhead.items()),
        "Ceph usable = raw / the largest pool size (replicas)",
    ]
    if cluster.target == "aws":
        src = catalog.instance_source()
        assumptions.append(f"prices: {src.source}, as of {src.as_of}")
    return Plan(
        cluster=cluster.name,
        target=cluster.target,
        pools=pools,
        nodes=sum(p.nodes for p in pools),
        gpus=sum(p.gpus for p in pools),
        bf16_pflops=round(sum(p.bf16_pflops for p in pools), 3),
        hbm_tb=round(sum(p.hbm_tb for p in pools), 3),
        power_kw=round(sum(p.power_kw for p in pools), 2),
        cost_per_hour=round(sum(priced), 2) if priced else None,
        ceph_raw_tb=round(raw_tb, 3),
        ceph_usable_tb=round(usable_tb, 3),
        assumptions=tuple(assumptions),
    )
