"""Monitoring on the converged lab (issue 5): node_exporter everywhere, Prometheus on the monitor
node scraping every node and the Ceph managers, the spec's retention and interval, the alert
rules loaded and unit-tested with the node's own promtool, and a stopped exporter turning its
target down and firing NodeDown through Prometheus' API.
"""

from __future__ import annotations

import json
import shlex
import time
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
import yaml

from aidc.configure import PlayResult
from tests.integration.conftest import Lab, layout
from tests.unit.test_prometheus_rules import CASES, rule_test_document

pytestmark = pytest.mark.integration

T = TypeVar("T")
LAYOUT = layout()
MONITOR = next(n for n in LAYOUT.nodes if "monitor" in n.roles)
API = f"http://{MONITOR.address.ip}:9090/api/v1"
RULES_DIR = "/etc/prometheus/rules"
EXPORTER = "prometheus-node-exporter"


def api(path: str) -> Any:
    with urllib.request.urlopen(f"{API}/{path}", timeout=10) as response:  # noqa: S310 - lab node
        body = json.load(response)
    assert body["status"] == "success", body
    return body["data"]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(3)


def targets(job: str) -> dict[str, dict[str, Any]]:
    return {
        t["labels"]["instance"]: t
        for t in api("targets?state=active")["activeTargets"]
        if t["labels"]["job"] == job
    }


@pytest.fixture(scope="module")
def monitored(lab: Lab, converged: PlayResult) -> Lab:
    assert converged.ok, converged.log.read_text()[-3000:]
    return lab


def test_every_node_exporter_is_up(monitored: Lab) -> None:
    expected = {f"{n.address.ip}:9100": n.hostname for n in LAYOUT.nodes}

    def all_up() -> dict[str, dict[str, Any]] | None:
        seen = targets("node")
        return seen if all(t["health"] == "up" for t in seen.values()) and seen else None

    seen = wait_for("every node target up", all_up, 90)
    assert {i: t["labels"]["node"] for i, t in seen.items()} == expected


def test_exporters_bind_only_their_node_address(monitored: Lab) -> None:
    for node in LAYOUT.nodes:
        result = monitored.ssh(node.hostname, "ss -ltnH 'sport = :9100'")
        assert result.returncode == 0, result.stderr
        assert [line.split()[3] for line in result.stdout.splitlines()] == [
            f"{node.address.ip}:9100"
        ]


def test_ceph_managers_are_scraped(monitored: Lab) -> None:
    mons = monitored.outputs.cluster_vars.aidc_ceph_mon_hosts
    seen = wait_for(
        "every ceph manager target up",
        lambda: (
            t if (t := targets("ceph")) and all(x["health"] == "up" for x in t.values()) else None
        ),
        90,
    )
    assert set(seen) == {f"{m}:9283" for m in mons}
    # Only the active manager serves the cluster's series: one health value, three OSDs up.
    health = wait_for(
        "ceph_health_status", lambda: api("query?query=ceph_health_status")["result"] or None, 60
    )
    assert len(health) == 1 and health[0]["value"][1] in {"0", "1"}
    osds = api("query?query=sum(ceph_osd_up)")["result"]
    assert osds and osds[0]["value"][1] == "3"


def test_retention_and_scrape_interval_come_from_the_spec(monitored: Lab) -> None:
    cluster_vars = monitored.outputs.cluster_vars
    days = cluster_vars.aidc_monitoring_retention_days
    flags = api("status/flags")
    assert flags["storage.tsdb.retention.time"] in {f"{days}d", f"{days // 7}w"}
    assert flags["web.listen-address"] == f"{MONITOR.address.ip}:9090"
    assert flags["web.enable-admin-api"] == "false"
    config = yaml.safe_load(api("status/config")["yaml"])
    assert (
        config["global"]["scrape_interval"] == f"{cluster_vars.aidc_monitoring_scrape_interval_s}s"
    )


def test_alert_rules_are_loaded(monitored: Lab) -> None:
    groups = {g["name"]: {r["name"] for r in g["rules"]} for g in api("rules")["groups"]}
    assert {"aidc-node", "aidc-gpu", "aidc-ceph", "aidc-gpu-inventory"} <= set(groups)
    assert {"NodeDown", "NodeFilesystemAlmostFull", "NodeMemoryPressure", "NodeClockSkew"} <= (
        groups["aidc-node"]
    )
    assert {"GpuXidError", "GpuEccDoubleBitError", "GpuRowRemapPending"} <= groups["aidc-gpu"]
    assert groups["aidc-gpu-inventory"] == {"GpuMissing"}


def _promtool_test(lab: Lab, name: str, document: dict[str, Any]) -> None:
    """`promtool test rules` on the monitor node, over the rule files the role installed."""
    path = f"/tmp/aidc-rule-test-{name}.yml"
    text = yaml.safe_dump(document, sort_keys=False)
    command = f"printf %s {shlex.quote(text)} > {path} && promtool test rules {path}; rm -f {path}"
    result = lab.ssh(MONITOR.hostname, command)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_cases_pass_on_the_monitor_node(monitored: Lab, case: str) -> None:
    _promtool_test(monitored, case, rule_test_document(f"{RULES_DIR}/aidc-alerts.yml", case))


@pytest.mark.parametrize("gpus", [7, 8])
def test_gpu_missing_rule_from_the_inventory(monitored: Lab, gpus: int) -> None:
    """The generated rule expects each gpu node's GPU count from the spec (8 H200s)."""
    node = next(n for n in LAYOUT.nodes if "gpu" in n.roles)
    series = [
        {
            "series": f'DCGM_FI_DEV_GPU_TEMP{{gpu="{i}",Hostname="{node.hostname}"}}',
            "values": "40x20",
        }
        for i in range(gpus)
    ]
    fired = {
        "exp_labels": {"Hostname": node.hostname, "node": node.hostname, "severity": "critical"},
        "exp_annotations": {"summary": f"{node.hostname} shows 7 of 8 GPUs"},
    }
    document = {
        "rule_files": [f"{RULES_DIR}/aidc-gpu-inventory.yml"],
        "evaluation_interval": "15s",
        "tests": [
            {
                "interval": "15s",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "1m", "alertname": "GpuMissing", "exp_alerts": []},
                    {
                        "eval_time": "3m",
                        "alertname": "GpuMissing",
                        "exp_alerts": [fired] if gpus < 8 else [],
                    },
                ],
            }
        ],
    }
    _promtool_test(monitored, f"gpu-missing-{gpus}", document)


def test_stopped_exporter_fires_node_down(monitored: Lab) -> None:
    node = next(n for n in LAYOUT.nodes if "storage" in n.roles)
    instance = f"{node.address.ip}:9100"

    def firing() -> list[dict[str, Any]] | None:
        alerts = [
            a
            for a in api("alerts")["alerts"]
            if a["labels"]["alertname"] == "NodeDown" and a["labels"].get("instance") == instance
        ]
        return alerts if alerts and alerts[0]["state"] == "firing" else None

    assert firing() is None
    assert monitored.ssh(node.hostname, f"systemctl stop {EXPORTER}").returncode == 0
    try:
        wait_for(
            f"{instance} down", lambda: targets("node")[instance]["health"] == "down" or None, 90
        )
        alert = wait_for("NodeDown firing", firing, 180)[0]
        assert alert["labels"]["node"] == node.hostname
        assert alert["labels"]["severity"] == "critical"
    finally:
        assert monitored.ssh(node.hostname, f"systemctl start {EXPORTER}").returncode == 0
    wait_for(
        f"{instance} up again", lambda: targets("node")[instance]["health"] == "up" or None, 90
    )
