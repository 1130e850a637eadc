"""Group variables every role may read, derived from the spec and the nodes a target made.

Targets export these as the `cluster_vars` stack output; roles read them only through the
inventory, never from the spec or the stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aidc.spec import Cluster, pool_gpus

CEPH_MONITORS = 3
RGW_PORT = 7480


def cluster_vars(
    cluster: Cluster,
    nodes: Sequence[dict[str, Any]],
    flows: Sequence[dict[str, Any]],
    admin_sources: Sequence[str],
    apt_proxy: str = "",
) -> dict[str, Any]:
    """`nodes` carry name, roles and ansible_host; `flows` are the firewall's resolved rules."""

    def hosts(role: str) -> list[str]:
        return [n["ansible_host"] for n in nodes if role in n["roles"]]

    ceph = cluster.storage.ceph
    storage_hosts = hosts("storage")
    mons = storage_hosts[:CEPH_MONITORS] if ceph else []
    rgw = f"http://{storage_hosts[0]}:{RGW_PORT}" if ceph and ceph.rgw and storage_hosts else ""
    return {
        "aidc_cluster_name": cluster.name,
        "aidc_target": cluster.target,
        "aidc_apt_proxy": apt_proxy,
        "aidc_monitoring_targets": [n["ansible_host"] for n in nodes]
        if cluster.monitoring.enabled
        else [],
        "aidc_monitoring_retention_days": cluster.monitoring.retention_days,
        "aidc_monitoring_scrape_interval_s": cluster.monitoring.scrape_interval_s,
        "aidc_admin_sources": list(admin_sources),
        "aidc_firewall_flows": list(flows),
        "aidc_ceph_mon_hosts": mons,
        "aidc_rgw_endpoint": rgw,
        "aidc_buckets": [
            {
                "name": b.name,
                "purpose": b.purpose,
                "versioning": b.versioned,
                # 0 means "no such rule": Pulumi drops None from outputs.
                "expiration_days": b.expiry_days or 0,
                "noncurrent_expiry_days": b.noncurrent_expiry_days or 0,
                "quota_gb": b.quota_gb or 0,
            }
            for b in cluster.storage.buckets
        ],
        "aidc_ceph_pools": [
            {
                "name": p.name,
                "size": p.size,
                "min_size": p.min_size,
                "application": p.application,
                "failure_domain": p.failure_domain,
                "pg_autoscale": p.pg_autoscale,
            }
            for p in (ceph.pools if ceph else ())
        ],
        "aidc_ceph_osds_per_host": ceph.osds_per_host if ceph else 0,
        "aidc_ceph_osd_size_gb": ceph.osd_size_gb if ceph else 0,
        "aidc_hardening_profile": cluster.hardening.profile,
    }


def gpu_of(cluster: Cluster, pool_name: str) -> dict[str, Any]:
    """A node's GPU SKU and count, as host variables of its stack output entry."""
    pool = cluster.pool(pool_name)
    if pool is None:
        raise KeyError(pool_name)
    sku, count = pool_gpus(cluster, pool)
    return {"gpu_sku": sku or "", "gpus": count}
