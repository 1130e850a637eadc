"""The prometheus role's alert rules, checked and unit-tested with promtool.

`promtool check rules` and `promtool test rules` over roles/prometheus/files/aidc-alerts.yml:
a stopped exporter fires NodeDown after a minute, a full disk and memory pressure fire, and the
GPU rules fire on DCGM series but stay silent where those series do not exist.

`make setup` unpacks promtool from Debian's `prometheus` package into the cache and names it in
AIDC_PROMTOOL; one on PATH serves too. Run without either, these cases skip and say so;
tests/integration/test_monitoring.py runs the very same cases inside the lab's monitor node.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "roles" / "prometheus" / "files" / "aidc-alerts.yml"

NODE = {"job": "node", "instance": "10.0.0.2:9100", "node": "lab-gpu-1"}
GPU = {"gpu": "0", "Hostname": "lab-gpu-1", "UUID": "GPU-0"}
DCGM = {"job": "dcgm", "instance": "10.0.0.2:9400", "node": "lab-gpu-1"}
CEPH = {"job": "ceph", "instance": "10.0.0.5:9283"}
OSD = {**CEPH, "ceph_daemon": "osd.1"}
FS = {**NODE, "device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/"}


def _series(name: str, labels: dict[str, str], values: str) -> dict[str, str]:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{name}{{{inner}}}", "values": values}


def _alert(
    name: str, at: str, labels: dict[str, str] | None, annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    """One alert_rule_test: `labels` None means the alert must not be firing at `at`.

    promtool compares annotations too: a firing alert lists all of them, rendered."""
    expected: list[dict[str, Any]] = []
    if labels is not None:
        expected.append({"exp_labels": labels, "exp_annotations": annotations or {}})
    return {"eval_time": at, "alertname": name, "exp_alerts": expected}


# name -> (input series, alert expectations)
CASES: dict[str, tuple[list[dict[str, str]], list[dict[str, Any]]]] = {
    "node-down-fires-after-1m": (
        [_series("up", NODE, "1 1 1 0x12")],
        [
            _alert("NodeDown", "1m", None),
            _alert(
                "NodeDown",
                "2m",
                {**NODE, "severity": "critical"},
                {
                    "summary": "node_exporter on lab-gpu-1 (10.0.0.2:9100) is down",
                    "description": "Prometheus has not scraped 10.0.0.2:9100 for a minute: the "
                    "node, its exporter or the path to it (firewall) is down.",
                },
            ),
        ],
    ),
    "node-up-stays-quiet": (
        [_series("up", NODE, "1x20")],
        [_alert("NodeDown", "5m", None)],
    ),
    "disk-almost-full-fires": (
        [
            _series("node_filesystem_avail_bytes", FS, "5x40"),
            _series("node_filesystem_size_bytes", FS, "100x40"),
            _series("node_filesystem_readonly", FS, "0x40"),
        ],
        [
            _alert("NodeFilesystemAlmostFull", "4m", None),
            _alert(
                "NodeFilesystemAlmostFull",
                "6m",
                {**FS, "severity": "warning"},
                {
                    "summary": "/ on lab-gpu-1 is almost full",
                    "description": "5.0% free on /dev/sda1 (/).",
                },
            ),
            _alert("NodeFilesystemFillingUp", "6m", None),
        ],
    ),
    "disk-with-room-stays-quiet": (
        [
            _series("node_filesystem_avail_bytes", FS, "50x40"),
            _series("node_filesystem_size_bytes", FS, "100x40"),
            _series("node_filesystem_readonly", FS, "0x40"),
        ],
        [_alert("NodeFilesystemAlmostFull", "8m", None)],
    ),
    "memory-pressure-fires": (
        [
            _series("node_memory_MemAvailable_bytes", NODE, "5x40"),
            _series("node_memory_MemTotal_bytes", NODE, "100x40"),
        ],
        [
            _alert("NodeMemoryPressure", "4m", None),
            _alert(
                "NodeMemoryPressure",
                "6m",
                {**NODE, "severity": "warning"},
                {
                    "summary": "lab-gpu-1 has less than 10% memory available",
                    "description": "5.0% of memory available.",
                },
            ),
        ],
    ),
    "gpu-rules-silent-without-dcgm-series": (
        [_series("up", NODE, "1x60")],
        [
            _alert(name, "10m", None)
            for name in (
                "GpuXidError",
                "GpuEccDoubleBitError",
                "GpuRowRemapFailure",
                "GpuRowRemapPending",
                "GpuTemperatureHigh",
                "GpuMemoryTemperatureHigh",
            )
        ],
    ),
    "gpu-xid-error-fires": (
        [_series("DCGM_FI_DEV_XID_ERRORS", GPU, "0 0 0 79x10")],
        [
            _alert("GpuXidError", "30s", None),
            _alert(
                "GpuXidError",
                "1m",
                {**GPU, "severity": "critical"},
                {
                    "summary": "GPU 0 on lab-gpu-1 reported XID 79",
                    "description": "The driver reported XID 79; see NVIDIA's XID catalog (48, 63, "
                    "64, 74, 79, 94, 95 usually mean draining the node).",
                },
            ),
        ],
    ),
    "gpu-double-bit-ecc-fires": (
        [_series("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", GPU, "0x4 2x20")],
        [
            _alert("GpuEccDoubleBitError", "45s", None),
            _alert(
                "GpuEccDoubleBitError",
                "2m",
                {**GPU, "severity": "critical"},
                {
                    "summary": "GPU 0 on lab-gpu-1 had uncorrectable (double-bit) ECC errors",
                },
            ),
        ],
    ),
    "gpu-temperature-fires-after-5m": (
        [
            _series("DCGM_FI_DEV_GPU_TEMP", GPU, "90x40"),
            _series("DCGM_FI_DEV_MEMORY_TEMP", GPU, "80x40"),
        ],
        [
            _alert("GpuTemperatureHigh", "4m", None),
            _alert(
                "GpuTemperatureHigh",
                "6m",
                {**GPU, "severity": "warning"},
                {"summary": "GPU 0 on lab-gpu-1 at 90 C"},
            ),
            _alert("GpuMemoryTemperatureHigh", "6m", None),
        ],
    ),
    "gpu-row-remap-pending-fires": (
        [_series("DCGM_FI_DEV_ROW_REMAP_PENDING", GPU, "0 0 1x10")],
        [
            _alert("GpuRowRemapPending", "15s", None),
            _alert(
                "GpuRowRemapPending",
                "1m",
                {**GPU, "severity": "warning"},
                {"summary": "GPU 0 on lab-gpu-1 has a memory row remap pending: reset it"},
            ),
        ],
    ),
    "dcgm-exporter-down-fires-after-5m": (
        [_series("up", DCGM, "0x40")],
        [
            _alert("DcgmExporterDown", "4m", None),
            _alert(
                "DcgmExporterDown",
                "6m",
                {**DCGM, "severity": "critical"},
                {"summary": "DCGM exporter on lab-gpu-1 is down: its GPUs are not watched"},
            ),
            _alert("NodeDown", "6m", None),
        ],
    ),
    "clock-skew-fires-after-10m": (
        [_series("node_timex_offset_seconds", NODE, "0.2x60")],
        [
            _alert("NodeClockSkew", "9m", None),
            _alert(
                "NodeClockSkew",
                "11m",
                {**NODE, "severity": "warning"},
                {
                    "summary": "clock of lab-gpu-1 is 0.2 s off",
                    "description": "Clock skew over 50 ms breaks Ceph monitors, Kerberos and log "
                    "ordering: check chrony on the node and its time sources.",
                },
            ),
        ],
    ),
    "clock-in-sync-stays-quiet": (
        [
            _series("node_timex_offset_seconds", NODE, "0.001x60"),
            _series("node_timex_sync_status", NODE, "1x60"),
            _series("node_timex_maxerror_seconds", NODE, "0.5x60"),
        ],
        [_alert("NodeClockSkew", "14m", None), _alert("NodeClockNotSynchronising", "14m", None)],
    ),
    "clock-not-synchronising-fires": (
        [
            _series("node_timex_sync_status", NODE, "0x60"),
            _series("node_timex_maxerror_seconds", NODE, "16x60"),
        ],
        [
            _alert("NodeClockNotSynchronising", "9m", None),
            _alert(
                "NodeClockNotSynchronising",
                "11m",
                {**NODE, "severity": "warning"},
                {"summary": "clock of lab-gpu-1 is not synchronising"},
            ),
        ],
    ),
    "ceph-health-error-fires-after-5m": (
        [_series("ceph_health_status", CEPH, "2x40")],
        [
            _alert("CephHealthError", "4m", None),
            _alert(
                "CephHealthError",
                "6m",
                {**CEPH, "severity": "critical"},
                {
                    "summary": "Ceph reports HEALTH_ERR",
                    "description": "Run `ceph health detail` on a monitor node.",
                },
            ),
            _alert("CephHealthWarning", "6m", None),
        ],
    ),
    "ceph-health-warning-fires-after-30m": (
        [_series("ceph_health_status", CEPH, "1x140")],
        [
            _alert("CephHealthWarning", "29m", None),
            _alert(
                "CephHealthWarning",
                "31m",
                {**CEPH, "severity": "warning"},
                {"summary": "Ceph has reported HEALTH_WARN for 30 minutes"},
            ),
        ],
    ),
    "ceph-osd-down-fires-after-5m": (
        [_series("ceph_osd_up", OSD, "1 1 0x40")],
        [
            _alert("CephOsdDown", "4m", None),
            _alert(
                "CephOsdDown", "6m", {**OSD, "severity": "critical"}, {"summary": "osd.1 is down"}
            ),
        ],
    ),
}


def rule_test_document(rules_path: str, case: str) -> dict[str, Any]:
    """A `promtool test rules` file for one case, reading the rules at `rules_path`."""
    series, alerts = CASES[case]
    return {
        "rule_files": [rules_path],
        "evaluation_interval": "15s",
        "tests": [{"interval": "15s", "input_series": series, "alert_rule_test": alerts}],
    }


def promtool() -> str | None:
    named = os.environ.get("AIDC_PROMTOOL", "")
    if named and os.access(named, os.X_OK):
        return named
    return shutil.which("promtool")


def _need_promtool() -> str:
    tool = promtool()
    if tool is None:
        pytest.skip(
            "promtool not found (AIDC_PROMTOOL, PATH): `make setup` unpacks it; "
            "tests/integration/test_monitoring.py runs these cases in the lab's monitor node"
        )
    return tool


def _alerts() -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"] if "alert" in rule}


def test_rules_cover_nodes_and_gpus() -> None:
    alerts = _alerts()
    assert alerts["NodeDown"]["expr"].replace(" ", "") == 'up{job="node"}==0'
    assert alerts["NodeDown"]["for"] == "1m"
    for name in ("NodeFilesystemAlmostFull", "NodeMemoryPressure"):
        assert name in alerts
    gpu = {name: rule for name, rule in alerts.items() if name.startswith("Gpu")}
    used = " ".join(rule["expr"] for rule in gpu.values())
    for metric in (
        "DCGM_FI_DEV_XID_ERRORS",
        "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL",
        "DCGM_FI_DEV_GPU_TEMP",
    ):
        assert metric in used
    # Every GPU rule is a comparison over DCGM series only: no absent()/or vector(0) that
    # would make it fire on nodes without the exporter.
    for rule in gpu.values():
        assert "absent" not in rule["expr"] and "vector(" not in rule["expr"]


def test_every_alert_has_a_case() -> None:
    tested = {a["alertname"] for _, alerts in CASES.values() for a in alerts}
    assert set(_alerts()) - tested <= {
        "NodeFilesystemFillingUp",
        "NodeOomKill",
        "GpuRowRemapFailure",
    }


def test_promtool_check_rules() -> None:
    tool = _need_promtool()
    result = subprocess.run(
        [tool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_promtool_rule_case(case: str, tmp_path: Path) -> None:
    tool = _need_promtool()
    path = tmp_path / f"{case}.yml"
    path.write_text(yaml.safe_dump(rule_test_document(str(RULES), case), sort_keys=False))
    result = subprocess.run(
        [tool, "test", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
