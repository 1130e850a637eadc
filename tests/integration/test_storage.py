"""Ceph and the S3 object store on the lab (issue 7).

The module fixture converges the lab's common and storage phases through site.yml; the tests
then check the cluster (3 storage nodes, 3 OSDs up and in, HEALTH_OK, pools 3/2), talk S3 to
RGW from the host with boto3 (buckets from the spec, a 100 MB round trip, versioning, lifecycle,
wrong keys refused), stop one storage node (data stays readable) and start it again on its
preserved disk (back to HEALTH_OK with no manual step, and a storage run after it changes
nothing). A second run of common and storage changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aidc.configure import PlayResult, run_site
from aidc.inventory.contract import FilesystemVar, NodeOut
from tests.integration import objects
from tests.integration.conftest import Lab

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

pytestmark = pytest.mark.integration

OBJECT_MB = 100


@pytest.fixture(scope="module")
def storage(lab: Lab) -> PlayResult:
    result = run_site(lab.stack.name, "--tags", "common,storage", log_name="storage")
    assert result.ok, result.log.read_text()[-4000:]
    return result


def _storage_nodes(lab: Lab) -> list[NodeOut]:
    return list(lab.outputs.with_role("storage"))


def _on(lab: Lab, node: str, command: str, timeout: float = 60) -> str:
    done = lab.ssh(node, command, timeout=timeout)
    assert done.returncode == 0, f"{node}: {command}: {done.stderr or done.stdout}"
    return done.stdout


def _shared_fs(lab: Lab) -> FilesystemVar:
    (shared,) = (f for f in lab.outputs.cluster_vars.aidc_filesystems if f.kind == "cephfs")
    assert len(shared.clients) >= 2, shared
    return shared


def _ceph(lab: Lab, command: str, node: NodeOut | None = None) -> Any:
    target = node or _storage_nodes(lab)[0]
    done = lab.ssh(target.name, f"ceph {command} --format json", timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def payload() -> Iterator[tuple[bytes, str]]:
    data = os.urandom(OBJECT_MB * 1000 * 1000)
    yield data, hashlib.sha256(data).hexdigest()


def test_storage_converges(storage: PlayResult) -> None:
    assert storage.ok


def test_three_osds_up_and_in_and_health_ok(lab: Lab, storage: PlayResult) -> None:
    assert len(_storage_nodes(lab)) == 3
    stat = _ceph(lab, "osd stat")
    assert (stat["num_osds"], stat["num_up_osds"], stat["num_in_osds"]) == (3, 3, 3), stat
    hosts = {n["name"] for n in _ceph(lab, "osd tree")["nodes"] if n["type"] == "host"}
    assert len(hosts) == 3, hosts
    assert _ceph(lab, "health")["status"] == "HEALTH_OK"
    assert len(_ceph(lab, "quorum_status")["quorum_names"]) == 3


def test_pools_are_replicated_three_two(lab: Lab, storage: PlayResult) -> None:
    pools = _ceph(lab, "osd pool ls detail")
    assert any(p["pool_name"] == "rbd" for p in pools)
    for pool in pools:
        assert (pool["size"], pool["min_size"]) == (3, 2), pool["pool_name"]
        assert pool["pg_autoscale_mode"] == "on", pool["pool_name"]


def test_cephx_and_msgr2_secure(lab: Lab, storage: PlayResult) -> None:
    node = _storage_nodes(lab)[0]
    conf = lab.ssh(node.name, "cat /etc/ceph/ceph.conf").stdout
    for line in (
        "auth_cluster_required = cephx",
        "auth_client_required = cephx",
        "ms_cluster_mode = secure",
        "auth_allow_insecure_global_id_reclaim = false",
    ):
        assert line in conf
    for mon in _ceph(lab, "mon dump")["mons"]:
        assert "v2" in {a["type"] for a in mon["public_addrs"]["addrvec"]}
    fact = json.loads(lab.ssh(node.name, "cat /etc/ansible/facts.d/aidc_ceph.fact").stdout)
    assert fact["health"] == "HEALTH_OK" and fact["osds_up"] == 3


def test_keys_stay_off_the_log(lab: Lab, storage: PlayResult) -> None:
    """Nothing the run leaves behind (its text output, its events) holds a secret key."""
    files = [p for p in storage.artifacts.rglob("*") if p.is_file()]
    assert storage.log in files
    for purpose in ("datasets", "checkpoints", "logs"):
        secret = objects.creds(lab, purpose)["secret_key"]
        assert [p.name for p in files if secret in p.read_text(errors="replace")] == []


def test_buckets_from_the_spec_exist(lab: Lab, storage: PlayResult) -> None:
    for bucket in lab.outputs.cluster_vars.aidc_buckets:
        name, purpose = bucket.name, bucket.purpose
        listed = {b["Name"] for b in objects.s3(lab, purpose).list_buckets()["Buckets"]}
        assert name in listed


def test_object_round_trip(lab: Lab, storage: PlayResult, payload: tuple[bytes, str]) -> None:
    data, digest = payload
    s3, bucket = objects.s3(lab, "datasets"), objects.bucket(lab, "datasets")
    s3.put_object(Bucket=bucket, Key="blob-100mb", Body=data)
    back = s3.get_object(Bucket=bucket, Key="blob-100mb")["Body"].read()
    assert hashlib.sha256(back).hexdigest() == digest


def test_versioned_overwrite_keeps_the_old_version(lab: Lab, storage: PlayResult) -> None:
    s3, bucket = objects.s3(lab, "checkpoints"), objects.bucket(lab, "checkpoints")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    first = s3.put_object(Bucket=bucket, Key="step", Body=b"one")["VersionId"]
    s3.put_object(Bucket=bucket, Key="step", Body=b"two")
    assert s3.get_object(Bucket=bucket, Key="step")["Body"].read() == b"two"
    old = s3.get_object(Bucket=bucket, Key="step", VersionId=first)["Body"].read()
    assert old == b"one"


def test_lifecycle_rules_read_back(lab: Lab, storage: PlayResult) -> None:
    s3, bucket = objects.s3(lab, "checkpoints"), objects.bucket(lab, "checkpoints")
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["aidc-noncurrent"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    assert rules["aidc-abort-multipart"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7
    }


def test_wrong_keys_are_refused(lab: Lab, storage: PlayResult) -> None:
    s3 = objects.s3(lab, "datasets", secret="not-the-secret-key-at-all-0000000000000")
    with pytest.raises(ClientError) as refused:
        s3.list_buckets()
    assert refused.value.response["Error"]["Code"] in {"SignatureDoesNotMatch", "AccessDenied"}


def test_second_run_changes_nothing(lab: Lab, storage: PlayResult) -> None:
    second = run_site(lab.stack.name, "--tags", "common,storage", log_name="storage-second")
    assert second.ok, second.log.read_text()[-4000:]
    assert second.changed and sum(second.changed.values()) == 0, second.changed


def _node_props(lab: Lab, hostname: str) -> dict[str, Any]:
    """The node resource's inputs from the stack state, secrets in plain text."""
    for resource in lab.stack.resources():
        outputs = resource.get("outputs") or {}
        if outputs.get("hostname") == hostname and "rootfs" in outputs:
            return {k: _plain(v) for k, v in outputs.items()}
    raise AssertionError(f"no node resource for {hostname}")


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and "plaintext" in value:
        return json.loads(value["plaintext"])
    return value


def _halt(state_dir: Path, timeout: float = 90) -> None:
    """SIGTERM nspawn: the node's systemd halts cleanly and its upper dir (the OSD) stays."""
    pid = int((state_dir / "nspawn.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
        if stat.rpartition(")")[2].split()[:1] == ["Z"]:
            break
        time.sleep(0.5)


def test_node_loss_keeps_data_and_recovers(
    lab: Lab, storage: PlayResult, payload: tuple[bytes, str]
) -> None:
    from aidc.targets.lab.ops import node as node_ops
    from aidc.targets.lab.providers import NodeProvider

    data, digest = payload
    s3, bucket = objects.s3(lab, "datasets"), objects.bucket(lab, "datasets")
    s3.put_object(Bucket=bucket, Key="survivor", Body=data[: 10 * 1000 * 1000])
    victim = _storage_nodes(lab)[-1]  # not the RGW host (the first storage node)
    props = _node_props(lab, victim.name)  # the lab names a node by its hostname
    spec = NodeProvider()._spec(props)
    shared = _shared_fs(lab)
    before = f"{shared.mount_path}/it-before-node-loss"
    writer, reader = shared.clients[0], shared.clients[-1]
    _on(lab, writer, f"head -c 4194304 /dev/urandom > {before} && sync {before}")
    fs_digest = _on(lab, writer, f"sha256sum {before}").split()[0]
    _halt(spec.state_dir)
    try:
        objects.wait(
            "the OSD of the stopped node to be reported down",
            lambda: _ceph(lab, "osd stat")["num_up_osds"] == 2,
            120,
        )
        health = _ceph(lab, "health")
        assert health["status"] == "HEALTH_WARN", health
        back = s3.get_object(Bucket=bucket, Key="survivor")["Body"].read()
        assert back == data[: 10 * 1000 * 1000]
        again = s3.get_object(Bucket=bucket, Key="blob-100mb")["Body"].read()
        assert hashlib.sha256(again).hexdigest() == digest
        # CephFS: what was written before reads back on another client, and new files
        # can be written and read while the node is down.
        assert _on(lab, reader, f"sha256sum {before}", 180).split()[0] == fs_digest
        during = f"{shared.mount_path}/it-during-node-loss"
        _on(lab, reader, f"head -c 1048576 /dev/urandom > {during} && sync {during}", 180)
        assert (
            _on(lab, writer, f"sha256sum {during}").split()[0]
            == _on(lab, reader, f"sha256sum {during}").split()[0]
        )
    finally:
        node_ops.start_node(spec)
        node_ops.wait_for_ssh(victim.ansible_host, 120)
    objects.wait(
        "HEALTH_OK after the node came back",
        lambda: _ceph(lab, "health")["status"] == "HEALTH_OK",
        300,
    )
    assert _ceph(lab, "osd stat")["num_up_osds"] == 3
    assert _on(lab, writer, f"sha256sum {before}").split()[0] == fs_digest
    _on(lab, writer, f"rm -f {before} {shared.mount_path}/it-during-node-loss")
    # The restarted node keeps its monitor and OSD: the storage phase finds nothing to redo.
    # (The lab's boot rewrites /etc/hosts and the apt proxy drop-in, which the common phase
    # then rewrites again, so this run is limited to the storage tag.)
    again_run = run_site(lab.stack.name, "--tags", "storage", log_name="storage-after-restart")
    assert again_run.ok, again_run.log.read_text()[-4000:]
    assert sum(again_run.changed.values()) == 0, again_run.changed
