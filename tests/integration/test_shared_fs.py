"""CephFS on the lab (issue 17): metadata servers, the shared mount on the login and GPU nodes,
per-pool client keys, directory quotas.

Runs on the session's converged lab (site.yml mounts the spec's file systems). Data staying
readable while a storage node is down, and HEALTH_OK after it returns, are checked in
test_storage's node-loss test, which stops that node once for Ceph, RGW and CephFS together.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from aidc.configure import PlayResult
from aidc.inventory.contract import FilesystemVar
from tests.integration.conftest import Lab

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shared(lab: Lab, converged: PlayResult) -> FilesystemVar:
    assert converged.ok, [str(f) for f in converged.failures]
    fs = lab.outputs.cluster_vars.aidc_filesystems
    assert [f.kind for f in fs] == ["cephfs"], fs
    return fs[0]


def on(lab: Lab, node: str, command: str, timeout: float = 120) -> str:
    done = lab.ssh(node, command, timeout=timeout)
    assert done.returncode == 0, f"{node}: {command}: {done.stderr or done.stdout}"
    return done.stdout


def _ceph(lab: Lab, command: str) -> dict:
    storage = next(iter(lab.outputs.with_role("storage")))
    return json.loads(on(lab, storage.name, f"ceph {command} --format json"))


def test_clients_are_the_login_and_gpu_nodes(lab: Lab, shared: FilesystemVar) -> None:
    want = sorted(n.name for n in lab.outputs.nodes if {"login", "gpu"} & set(n.roles))
    assert sorted(shared.clients) == want
    for node in lab.outputs.nodes:
        mounts = on(
            lab, node.name, f"findmnt -n -o FSTYPE {shlex.quote(shared.mount_path)} || true"
        )
        if node.name in shared.clients:
            assert mounts.strip() in {"fuse.ceph-fuse", "ceph"}, (node.name, mounts)
        else:
            assert not mounts.strip(), f"{node.name} mounts {shared.mount_path}: {mounts}"


def test_a_file_reads_back_the_same_on_every_client(lab: Lab, shared: FilesystemVar) -> None:
    writer, *readers = shared.clients
    path = f"{shared.mount_path}/it-{writer}.bin"
    on(lab, writer, f"head -c 8388608 /dev/urandom > {path} && sync {path}")
    digest = on(lab, writer, f"sha256sum {path}").split()[0]
    assert len(readers) >= 2
    for reader in readers:
        assert on(lab, reader, f"sha256sum {path}").split()[0] == digest, reader
    on(lab, readers[0], f"rm {path}")
    assert on(lab, writer, f"test -e {path} && echo there || echo gone").strip() == "gone"


def test_metadata_servers_active_and_standby(lab: Lab, shared: FilesystemVar) -> None:
    status = _ceph(lab, f"fs status {shared.name}")
    states = sorted(m["state"] for m in status["mdsmap"])
    assert states == ["active", "standby"], status["mdsmap"]
    pools = {p["name"]: p for p in status["pools"]}
    assert set(pools) == {f"cephfs.{shared.name}.meta", f"cephfs.{shared.name}.data"}
    for name in pools:
        size = _ceph(lab, f"osd pool get {name} size")["size"]
        min_size = _ceph(lab, f"osd pool get {name} min_size")["min_size"]
        assert (size, min_size) == (shared.size, shared.min_size), name


def test_each_pool_has_its_own_least_privilege_key(lab: Lab, shared: FilesystemVar) -> None:
    for pool in {lab.hostvars(c)["aidc_pool"] for c in shared.clients}:
        entity = f"client.{shared.name}-{pool}"
        caps = _ceph(lab, f"auth get {entity}")[0]["caps"]
        assert caps["mds"] == f"allow rw fsname={shared.name}", caps
        assert "p" not in caps["mds"].split()[1], caps  # no quota or layout changes
    for client in shared.clients:
        pool = lab.hostvars(client)["aidc_pool"]
        keyring = f"/etc/ceph/ceph.client.{shared.name}-{pool}.keyring"
        mode = on(lab, client, f"stat -c '%a %U' {keyring}").split()
        assert mode == ["600", "root"], (client, mode)
        # Only this pool's key is on the node, and the admin key is not.
        names = on(lab, client, "ls /etc/ceph").split()
        assert "ceph.client.admin.keyring" not in names, (client, names)
        assert [n for n in names if n.endswith(".keyring")] == [Path(keyring).name], names
    inventory = json.dumps([lab.hostvars(n.name) for n in lab.outputs.nodes])
    secret = on(lab, shared.clients[0], "grep -h 'key = ' /etc/ceph/*.keyring").split()[-1]
    assert secret not in inventory


def test_quotas_are_set_and_enforced(lab: Lab, shared: FilesystemVar) -> None:
    client = shared.clients[-1]
    read = "import os,sys; print(os.getxattr(sys.argv[1], 'ceph.quota.max_bytes').decode())"
    for quota in shared.quotas:
        path = f"{shared.mount_path}/{quota.path}"
        got = on(lab, client, f"python3 -c {shlex.quote(read)} {path}").strip()
        assert int(got) == quota.max_bytes, (path, got)
    # A client key of a pool cannot change a quota.
    change = "import os,sys; os.setxattr(sys.argv[1], 'ceph.quota.max_bytes', b'1')"
    small = min(shared.quotas, key=lambda q: q.max_bytes)
    path = f"{shared.mount_path}/{small.path}"
    refused = lab.ssh(client, f"python3 -c {shlex.quote(change)} {path}")
    assert refused.returncode != 0 and "Permission denied" in refused.stderr, refused
    # Writing past the quota fails with EDQUOT; what was written stays within it (Ceph's
    # quotas are checked as data is flushed, so the last write may pass the limit a little).
    over = small.max_bytes // 1_000_000 * 2
    target = f"{path}/it-over-quota"
    done = lab.ssh(
        client, f"dd if=/dev/zero of={target} bs=1M count={over} conv=fsync", timeout=300
    )
    try:
        assert done.returncode != 0, done.stdout
        assert "Disk quota exceeded" in done.stderr, done.stderr
        size = int(on(lab, client, f"stat -c %s {target}"))
        assert size < over * 1_048_576, size
    finally:
        on(lab, client, f"rm -f {target}")


def test_the_record_says_which_client_mounted(lab: Lab, shared: FilesystemVar) -> None:
    kernel = "\tceph\n" in Path("/proc/filesystems").read_text()
    for client in shared.clients:
        record = json.loads(on(lab, client, "cat /etc/ansible/facts.d/aidc_shared_fs.fact"))
        assert record["mounts"] == [
            {
                "name": shared.name,
                "kind": "cephfs",
                "mount_path": shared.mount_path,
                "client": "kernel" if kernel else "ceph-fuse",
            }
        ], record
