"""HDFS on the lab: the NameNode and three DataNodes on the storage hosts, the hdfs command on
the login and GPU nodes, as the spec's storage.hdfs and the inventory's aidc_hdfs lay it out.

The module configures the session's converged lab with playbooks/hdfs.yml, then writes a file
on one client and reads it back on another, checks where every daemon listens, stops a
DataNode that holds a block and waits (bounded) until the NameNode has copied its blocks back
to the spec's replication factor on the live DataNodes, starts it again, and runs the
playbook a second time, which changes nothing.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
import time

import pytest

from aidc.configure import PlayResult, run_site
from aidc.inventory.contract import HdfsVar
from aidc.spec.derive import HDFS_DATANODE_PORT, HDFS_NAMENODE_PORT
from tests.integration import objects
from tests.integration.conftest import Lab
from tests.integration.test_workload import (
    BATCH,
    JOB_USER,
    as_job_user,
    job_events,
    newest_step,
    on,
)

pytestmark = pytest.mark.integration

PLAYBOOK = "playbooks/hdfs.yml"
TRAIN_DIR = "/opt/aidc/train"
DATANODE_UNIT = "hdfs-datanode.service"
FILE_MIB = 4
# Dead after 2 x recheck (15 s in the lab) + 10 heartbeats (3 s) = 60 s; then re-replication.
REREPLICATION_TIMEOUT_S = 300
_LOCATION = re.compile(r"DatanodeInfoWithStorage\[([\d.]+):(\d+),")
_BLOCK = re.compile(r"^\d+\. \S+ len=\d+ Live_repl=(\d+)\s+\[(.*)\]", re.MULTILINE)


@pytest.fixture(scope="module")
def first_run(lab: Lab, converged: PlayResult) -> PlayResult:
    assert converged.ok, [str(f) for f in converged.failures]
    return run_site(lab.stack.name, log_name="it-hdfs", playbook=PLAYBOOK)


@pytest.fixture(scope="module")
def hdfs(lab: Lab, first_run: PlayResult) -> HdfsVar:
    assert first_run.ok, [str(f) for f in first_run.failures] or first_run.log.read_text()[-3000:]
    layout = lab.outputs.cluster_vars.aidc_hdfs
    assert layout is not None, "the lab spec enables storage.hdfs"
    return layout


def as_hdfs(command: str) -> str:
    return f"runuser -u hdfs -- {command}"


def address_to_node(lab: Lab, hdfs: HdfsVar) -> dict[str, str]:
    return {lab.hostvars(n)["ansible_host"]: n for n in hdfs.datanodes}


def blocks(lab: Lab, hdfs: HdfsVar, path: str) -> list[tuple[int, list[str]]]:
    """(live replicas, DataNodes holding one) for each block of `path`, from fsck, which asks
    the NameNode's HTTP port and so runs on the NameNode's host."""
    out = on(lab, hdfs.namenode, as_hdfs(f"hdfs fsck {path} -files -blocks -locations"))
    names = address_to_node(lab, hdfs)
    found = []
    for live, where in _BLOCK.findall(out):
        found.append((int(live), [names[a] for a, _ in _LOCATION.findall(where)]))
    assert found, out
    return found


def live_datanodes(lab: Lab, hdfs: HdfsVar) -> int:
    out = on(lab, hdfs.namenode, as_hdfs("hdfs dfsadmin -report -live"))
    match = re.search(r"Live datanodes \((\d+)\)", out)
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="module")
def written(lab: Lab, hdfs: HdfsVar) -> tuple[str, str]:
    """A random file of FILE_MIB MiB put from the first GPU node: (HDFS path, its sha256)."""
    writer = next(n for n in hdfs.clients if "gpu" in n)
    path = f"/tmp/it-hdfs-{secrets.token_hex(4)}.bin"
    local = f"/tmp/{path.rsplit('/', 1)[1]}"
    on(lab, writer, f"head -c {FILE_MIB * 2**20} /dev/urandom > {local}")
    digest = on(lab, writer, f"sha256sum {local}").split()[0]
    on(lab, writer, f"hdfs dfs -put {local} {path} && rm -f {local}")
    return path, digest


def test_the_playbook_configures_exactly_the_hdfs_nodes(
    lab: Lab, hdfs: HdfsVar, first_run: PlayResult
) -> None:
    members = {hdfs.namenode, *hdfs.datanodes, *hdfs.clients}
    assert {h for h, n in first_run.ok_tasks.items() if n > 0} == members
    assert hdfs.namenode in hdfs.datanodes
    assert set(hdfs.datanodes) == {n.name for n in lab.outputs.with_role("storage")}


def test_namenode_leaves_safe_mode_with_every_datanode_live(lab: Lab, hdfs: HdfsVar) -> None:
    out = on(lab, hdfs.namenode, as_hdfs("hdfs dfsadmin -safemode get"))
    assert "Safe mode is OFF" in out, out
    assert live_datanodes(lab, hdfs) == len(hdfs.datanodes)
    record = json.loads(on(lab, hdfs.namenode, "cat /etc/ansible/facts.d/aidc_hdfs.fact"))
    assert record["parts"] == ["namenode", "datanode", "client"]
    assert (record["state"], record["datanodes_live"]) == ("Operational", len(hdfs.datanodes))
    assert (record["replication"], record["block_size_mb"]) == (hdfs.replication, 16)


def test_daemons_run_as_hdfs_and_listen_beyond_loopback_only_on_the_declared_ports(
    lab: Lab, hdfs: HdfsVar
) -> None:
    for node in hdfs.datanodes:
        address = lab.hostvars(node)["ansible_host"]
        users = on(lab, node, "ps -o user= -C java").split()
        expected = 2 if node == hdfs.namenode else 1
        assert users == ["hdfs"] * expected, f"{node}: {users}"
        listening = on(lab, node, "ss -Hltnp | grep '\"java\"' | awk '{print $4}'").split()
        open_to_network = sorted(a for a in listening if not a.startswith("127.0.0.1:"))
        ports = [HDFS_DATANODE_PORT] + ([HDFS_NAMENODE_PORT] if node == hdfs.namenode else [])
        assert open_to_network == sorted(f"{address}:{p}" for p in ports), f"{node}: {listening}"


def test_a_file_put_on_one_node_reads_back_whole_on_another(
    lab: Lab, hdfs: HdfsVar, written: tuple[str, str]
) -> None:
    path, digest = written
    reader = next(n for n in hdfs.clients if "login" in n)
    local = f"/tmp/it-hdfs-get-{secrets.token_hex(4)}"
    on(lab, reader, f"hdfs dfs -get {path} {local}")
    try:
        assert on(lab, reader, f"sha256sum {local}").split()[0] == digest
    finally:
        on(lab, reader, f"rm -f {local}")
    listing = on(lab, reader, f"hdfs dfs -stat '%r %o %b' {path}").split()
    assert listing == [
        str(hdfs.replication),
        str(hdfs.block_size_mb * 2**20),
        str(FILE_MIB * 2**20),
    ]


def test_a_stopped_datanodes_blocks_are_copied_back_to_full_replication(
    lab: Lab, hdfs: HdfsVar, written: tuple[str, str]
) -> None:
    path, _ = written
    placed = blocks(lab, hdfs, path)
    assert all(live == hdfs.replication for live, _ in placed), placed
    holders = {n for _, where in placed for n in where}
    # A DataNode with a replica, other than the NameNode's host where one is at hand.
    victim = sorted(holders - {hdfs.namenode} or holders)[0]
    on(lab, victim, f"systemctl stop {DATANODE_UNIT}")
    started = time.monotonic()
    try:

        def healed() -> list[tuple[int, list[str]]] | None:
            now = blocks(lab, hdfs, path)
            whole = all(
                live == hdfs.replication and victim not in where and len(where) == live
                for live, where in now
            )
            return now if whole else None

        now = objects.wait(
            f"the blocks of {path} back at {hdfs.replication} copies without {victim}",
            healed,
            timeout=REREPLICATION_TIMEOUT_S,
            every=3,
        )
        print(f"re-replication after stopping {victim}: {time.monotonic() - started:.0f} s")
        assert {n for _, where in now for n in where} <= set(hdfs.datanodes) - {victim}
    finally:
        on(lab, victim, f"systemctl start {DATANODE_UNIT}")
    objects.wait(
        "every DataNode live again",
        lambda: live_datanodes(lab, hdfs) == len(hdfs.datanodes),
        timeout=120,
        every=3,
    )
    # The file still reads back whole from the NameNode's host.
    on(lab, hdfs.namenode, f"hdfs dfs -cat {shlex.quote(path)} > /dev/null")


def test_the_training_job_reads_its_shards_from_hdfs(lab: Lab, hdfs: HdfsVar) -> None:
    """The Slurm training job with --source hdfs: shards written to HDFS by `prepare` as the
    job's user, read by both ranks from HDFS, the checkpoint in the object store as always."""
    slurm = lab.outputs.cluster_vars.aidc_slurm
    assert slurm is not None
    datasets = objects.bucket(lab, "datasets")
    top = f"/{datasets}"
    on(lab, hdfs.namenode, as_hdfs(f"hdfs dfs -mkdir -p {top}"))
    on(lab, hdfs.namenode, as_hdfs(f"hdfs dfs -chown {JOB_USER} {top}"))
    prepare = on(
        lab,
        slurm.controller,
        as_job_user(
            f"python3 {TRAIN_DIR}/train_smoke.py prepare --datasets {datasets} --source hdfs"
        ),
        timeout=300,
    )
    event = json.loads(prepare.strip().splitlines()[-1])
    assert (event["source"], event["shards"]) == ("hdfs", 8), event
    listed = on(lab, hdfs.namenode, as_hdfs(f"hdfs dfs -ls -C {top}/train-smoke/shards"))
    assert len(listed.split()) == 8, listed
    run = f"it-hdfs-{int(time.time())}"
    out = on(
        lab,
        slurm.controller,
        as_job_user(
            f"sbatch --parsable --wait --nodes 2 {BATCH} --source hdfs --run {run} "
            "--steps 60 --every 60"
        ),
        timeout=600,
    )
    job = out.strip().split(";")[0]
    events = job_events(lab, job)
    done = next(e for e in events if e.get("event") == "done")
    assert done["world"] == 2 and len(set(done["hosts"])) == 2, done
    assert done["loss_last"] < done["loss_first"], done
    assert newest_step(lab, run) == 60


def test_the_second_run_changes_nothing(lab: Lab, hdfs: HdfsVar) -> None:
    second = run_site(lab.stack.name, log_name="it-hdfs-second", playbook=PLAYBOOK)
    assert second.ok, [str(f) for f in second.failures] or second.log.read_text()[-3000:]
    assert second.total_changed == 0, second.changed
