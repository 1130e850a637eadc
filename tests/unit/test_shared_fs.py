"""Shared file systems and HDFS in the spec (issue 17): the rules with their exact messages,
the flows they add, and the inventory variables roles read."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from aidc.inventory.clustervars import cephfs_pools, filesystem_vars, hdfs_vars
from aidc.inventory.contract import NodeOut
from aidc.spec import SpecError, effective_flows, load_spec
from aidc.spec.derive import storage_flows


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(data)
    return [str(p) for p in info.value.problems]


def nodes(spec: dict[str, Any]) -> list[NodeOut]:
    cluster, _ = load_spec(spec)
    out = []
    n = 10
    for pool in cluster.pools:
        for i in range(1, pool.count + 1):
            n += 1
            out.append(
                NodeOut(
                    name=f"{cluster.name}-{pool.name}-{i}",
                    pool=pool.name,
                    roles=pool.roles,
                    addresses={"cluster": f"10.0.0.{n}"},
                    ansible_host=f"10.0.0.{n}",
                    ssh_user="root",
                )
            )
    return out


def test_the_lab_example_mounts_cephfs_on_login_and_gpu(lab_spec: dict[str, Any]) -> None:
    cluster, warnings = load_spec(lab_spec)
    assert warnings == []
    (fs,) = filesystem_vars(cluster, nodes(lab_spec))
    assert (fs.name, fs.kind, fs.mount_path) == ("shared", "cephfs", "/shared")
    assert fs.clients == ("lab-login-1", "lab-gpu-1", "lab-gpu-2")
    assert [(q.path, q.max_bytes) for q in fs.quotas] == [
        ("datasets", 4_000_000_000),
        ("scratch", 64_000_000),
    ]
    assert (fs.size, fs.min_size, fs.standby_mds, fs.client) == (3, 2, True, "auto")
    assert [(p.name, p.application, p.size, p.min_size) for p in cephfs_pools(cluster)] == [
        ("cephfs.shared.meta", "cephfs", 3, 2),
        ("cephfs.shared.data", "cephfs", 3, 2),
    ]


def test_hdfs_vars_name_the_namenode_and_clients(lab_spec: dict[str, Any]) -> None:
    cluster, _ = load_spec(lab_spec)
    hdfs = hdfs_vars(cluster, nodes(lab_spec))
    assert hdfs is not None
    assert hdfs.namenode == "lab-storage-1"
    assert hdfs.datanodes == ("lab-storage-1", "lab-storage-2", "lab-storage-3")
    assert hdfs.clients == ("lab-login-1", "lab-gpu-1", "lab-gpu-2")
    assert (hdfs.replication, hdfs.block_size_mb) == (2, 16)
    off = copy.deepcopy(lab_spec)
    off["storage"]["hdfs"]["enabled"] = False
    cluster, _ = load_spec(off)
    assert hdfs_vars(cluster, nodes(off)) is None
    assert all("hdfs" not in f.description for f in effective_flows(cluster))


def test_storage_flows_add_only_what_the_spec_lacks(lab_spec: dict[str, Any]) -> None:
    cluster, _ = load_spec(lab_spec)
    added = [
        (f.source, f.destination, f.ports)
        for f in effective_flows(cluster)[len(cluster.firewall.flows) :]
        if f.description.startswith(("cephfs", "hdfs"))
    ]
    # gpu -> storage 3300 and 6800-7300 are the spec's own flows already.
    assert added == [
        ("login", "storage", (3300, 3300)),
        ("login", "storage", (6800, 7300)),
        ("storage", "storage", (8020, 8020)),
        ("storage", "storage", (9866, 9866)),
        ("login", "storage", (8020, 8020)),
        ("login", "storage", (9866, 9866)),
        ("gpu", "storage", (8020, 8020)),
        ("gpu", "storage", (9866, 9866)),
    ]
    none = copy.deepcopy(lab_spec)
    none["storage"]["filesystems"] = []
    none["storage"]["hdfs"] = {"enabled": False}
    cluster, _ = load_spec(none)
    assert storage_flows(cluster) == ()


def test_pools_named_by_a_file_system_are_its_clients(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["filesystems"][0]["pools"] = ["gpu"]
    cluster, _ = load_spec(lab_spec)
    (fs,) = filesystem_vars(cluster, nodes(lab_spec))
    assert fs.clients == ("lab-gpu-1", "lab-gpu-2")
    assert not any(
        f.source == "login" and f.description.startswith("cephfs") for f in effective_flows(cluster)
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"mount_path": "/etc/shared"},
            "storage.filesystems[0].mount_path: /etc/shared is at or below system directory "
            "/etc; choose another path, such as /shared",
        ),
        (
            {"pools": ["gpu", "nope"]},
            "storage.filesystems[0].pools[1]: 'nope' is not a pool of this spec; allowed: "
            "login, gpu, storage",
        ),
        (
            {"pools": ["gpu", "gpu"]},
            "storage.filesystems[0].pools: pool 'gpu' is named more than once",
        ),
        (
            {"size": 4},
            "storage.filesystems[0].size: 4 copies need 4 OSD hosts, pool 'storage' has 3; "
            "at most 3",
        ),
        (
            {"min_size": 3},
            "storage.filesystems[0].min_size: 3 must be below size 3; at most 2",
        ),
        (
            {"quotas": [{"path": "a", "max_mb": 1}, {"path": "a", "max_mb": 2}]},
            "storage.filesystems[0].quotas: directory 'a' has more than one quota",
        ),
        (
            {"capacity_gb": 2400},
            "storage.filesystems[0].capacity_gb: applies only to kind lustre; remove it",
        ),
        (
            {"kind": "efs"},
            "storage.filesystems[0].kind: efs is an aws service; on target lab use kind cephfs",
        ),
    ],
)
def test_bad_file_systems_get_one_message_each(
    lab_spec: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    lab_spec["storage"]["filesystems"][0].update(change)
    assert problems(lab_spec) == [message]


@pytest.mark.parametrize(
    "path", ["/", "relative", "/a/../b", "/a//b", "/sp ace", "/" + "x" * 70, "/.hidden"]
)
def test_mount_paths_are_plain_absolute_paths(lab_spec: dict[str, Any], path: str) -> None:
    lab_spec["storage"]["filesystems"][0]["mount_path"] = path
    (only,) = problems(lab_spec)
    assert only.startswith("storage.filesystems[0].mount_path: "), only


@pytest.mark.parametrize("path", ["../up", "/abs", "a/../b", ".dot", ""])
def test_quota_paths_stay_below_the_mount(lab_spec: dict[str, Any], path: str) -> None:
    lab_spec["storage"]["filesystems"][0]["quotas"] = [{"path": path, "max_mb": 1}]
    (only,) = problems(lab_spec)
    assert only.startswith("storage.filesystems[0].quotas[0].path: "), only


def test_cephfs_needs_ceph_and_a_second_host_for_a_standby(lab_spec: dict[str, Any]) -> None:
    no_ceph = copy.deepcopy(lab_spec)
    del no_ceph["storage"]["ceph"]
    no_ceph["storage"]["buckets"] = []
    no_ceph["storage"]["hdfs"]["enabled"] = False
    assert problems(no_ceph) == [
        "storage.filesystems[0].kind: cephfs needs storage.ceph; add a Ceph cluster"
    ]
    lab_spec["pools"][2]["count"] = 1
    for pool in lab_spec["storage"]["ceph"]["pools"]:
        pool.update(size=2, min_size=1)  # the Ceph pools' own limits are judged elsewhere
    lab_spec["storage"]["filesystems"][0].update(size=2, min_size=1)
    lab_spec["storage"]["hdfs"]["replication"] = 1
    found = problems(lab_spec)
    assert (
        "storage.filesystems[0].standby_mds: a standby MDS needs a second host, pool 'storage' "
        "has one; set it false"
    ) in found
    assert (
        "storage.filesystems[0].size: 2 copies need 2 OSD hosts, pool 'storage' has 1; at most 1"
    ) in found


def test_lustre_fields_are_judged_on_aws(aws_spec: dict[str, Any]) -> None:
    aws_spec["storage"]["filesystems"] = [
        {
            "name": "fast",
            "kind": "lustre",
            "mount_path": "/fsx",
            "capacity_gb": 3000,
            "throughput_mb_per_tib": 300,
            "data_repository_bucket": "no-such-bucket",
        }
    ]
    found = problems(aws_spec)
    assert found[:2] == [
        "storage.filesystems[0].capacity_gb: 3000 is not 1200, 2400 or a multiple of 2400",
        "storage.filesystems[0].throughput_mb_per_tib: 300 is not offered; allowed: 125, 250, "
        "500, 1000",
    ]
    assert found[2].startswith(
        "storage.filesystems[0].data_repository_bucket: 'no-such-bucket' is not a bucket of "
        "storage.buckets; allowed: "
    )


def test_hdfs_rules(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["hdfs"].update(replication=4, clients=["gpu", "nope"])
    assert problems(lab_spec) == [
        "storage.hdfs.clients[1]: 'nope' is not a pool of this spec; allowed: login, gpu, storage",
        "storage.hdfs.replication: 4 copies need 4 DataNodes, pool 'storage' has 3; at most 3",
    ]
    lab_spec["storage"]["hdfs"] = {"enabled": True, "pool": "gpu"}
    assert problems(lab_spec) == [
        "storage.hdfs.pool: pool 'gpu' lacks role storage; DataNodes go on a storage pool"
    ]
