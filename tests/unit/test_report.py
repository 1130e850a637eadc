"""The report: what each node answered to the facts run, and one-line summaries over the roles'
records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aidc import report
from aidc.report import Answer, NodeReport, _hardening, answers, build_report, format_report

DATA = Path(__file__).parent / "data"


def _node(name: str, record: dict[str, Any] | None) -> NodeReport:
    facts = {"aidc_hardening": record} if record is not None else {}
    return NodeReport(name, "pool", ["gpu"], "10.0.0.1", True, facts)


def test_hardening_summary_merges_nodes() -> None:
    not_live = ["auditd (no audit netlink in a container)", "kernel.* sysctls (host-owned)"]
    nodes = [
        _node("a", {"controls_applied": 118, "profile": "baseline", "not_live_in_container": []}),
        _node(
            "b",
            {"controls_applied": 121, "profile": "baseline", "not_live_in_container": not_live},
        ),
        _node("c", None),
    ]
    assert _hardening(nodes) == (
        "2/3 nodes, 118-121 controls each (profile baseline); in a container, not live: "
        "auditd (no audit netlink in a container), kernel.* sysctls (host-owned)"
    )


def test_hardening_summary_without_records() -> None:
    assert _hardening([_node("a", None)]) == "not configured: hardening role not applied"


def test_answers_keep_aidc_records_and_mark_unreadable_ones() -> None:
    events = json.loads((DATA / "runner-events-facts.json").read_text())
    said = answers(events)
    assert said["alpha"].reachable
    assert said["alpha"].facts["aidc_common"] == {"result": "ok", "version": 1}
    assert said["alpha"].facts["aidc_broken"]["unreadable"].startswith("error loading facts")
    assert "other" not in said["alpha"].facts  # not an aidc record
    assert not said["gone"].reachable
    assert "Connection refused" in said["gone"].error


@pytest.fixture
def lab_outputs() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((DATA / "outputs-lab.json").read_text())
    return raw


def test_nodes_that_do_not_answer_are_reported_unreachable(
    lab_outputs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [n["name"] for n in lab_outputs["nodes"]]
    said = {name: Answer(True, {"aidc_common": {}}) for name in names[1:]}
    said[names[1]] = Answer(False, {}, "ssh: connect to host: No route to host")
    monkeypatch.setattr(report, "read_facts", lambda stack, on_event=None: said)
    monkeypatch.setattr(report, "_answers", lambda url: "answers")
    built = build_report("lab", lab_outputs, {})
    reachable = {n.name: n.reachable for n in built.nodes}
    assert reachable[names[0]] is False  # no answer at all
    assert reachable[names[1]] is False
    assert all(reachable[n] for n in names[2:])
    assert built.checks["configured (common role)"] == f"{len(names) - 2}/{len(names)}"
    text = format_report(built)
    assert f"{names[1]}: unreachable: ssh: connect to host: No route to host" in text
    assert f"{names[0]}: unreachable: no answer from Ansible" in text


def test_shared_file_systems_line_counts_the_clients_records() -> None:
    from aidc.inventory.contract import ClusterVars, FilesystemVar

    vars_ = ClusterVars(
        aidc_cluster_name="lab",
        aidc_target="lab",
        aidc_monitoring_retention_days=7,
        aidc_monitoring_scrape_interval_s=15,
        aidc_admin_sources=(),
        aidc_hardening_profile="baseline",
        aidc_filesystems=(
            FilesystemVar(name="shared", kind="cephfs", mount_path="/shared", clients=("a", "b")),
        ),
    )
    mount = {"name": "shared", "kind": "cephfs", "mount_path": "/shared", "client": "ceph-fuse"}
    nodes = [
        NodeReport("a", "gpu", ["gpu"], "10.0.0.1", True, {"aidc_shared_fs": {"mounts": [mount]}}),
        NodeReport("b", "gpu", ["gpu"], "10.0.0.2", True, {}),
    ]
    assert report._filesystems(nodes, vars_) == (
        "shared (cephfs) at /shared: mounted on 1/2 clients (ceph-fuse)"
    )
    assert report._filesystems(nodes, vars_.model_copy(update={"aidc_filesystems": ()})) == (
        "none in the spec"
    )


def test_hdfs_line_reads_the_namenodes_record() -> None:
    from aidc.inventory.contract import ClusterVars, HdfsVar

    hdfs = HdfsVar(
        namenode="s1",
        namenode_address="10.0.0.5",
        datanodes=("s1", "s2"),
        clients=(),
        replication=2,
        block_size_mb=16,
    )
    vars_ = ClusterVars(
        aidc_cluster_name="lab",
        aidc_target="lab",
        aidc_monitoring_retention_days=7,
        aidc_monitoring_scrape_interval_s=15,
        aidc_admin_sources=(),
        aidc_hardening_profile="baseline",
        aidc_hdfs=hdfs,
    )
    record = {"aidc_hdfs": {"state": "Operational", "datanodes_live": 2}}
    nodes = [NodeReport("s1", "storage", ["storage"], "10.0.0.5", True, record)]
    assert report._hdfs(nodes, vars_) == "s1: Operational, 2/2 DataNodes live, replication 2"
    assert report._hdfs([], vars_) == "not configured: hdfs role not applied on s1"
    off = vars_.model_copy(update={"aidc_hdfs": None})
    assert report._hdfs(nodes, off) == "none: HDFS is off in the spec"
