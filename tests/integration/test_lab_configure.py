"""The main job on the lab: inventory from the stack, site.yml, idempotence, the report."""

from __future__ import annotations

import json
import subprocess

import pytest

from aidc.configure import PlayResult, ansible_env, inventory_for, run_site
from aidc.engine import REPO
from aidc.report import build_report
from tests.integration.conftest import Lab, layout

pytestmark = pytest.mark.integration


def test_inventory_plugin_reads_the_live_stack(lab: Lab) -> None:
    result = subprocess.run(
        ["ansible-inventory", "-i", str(inventory_for("lab")), "--list"],
        cwd=REPO,
        env=ansible_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout)
    assert sorted(data["gpu"]["hosts"]) == ["lab-gpu-1", "lab-gpu-2"]
    assert sorted(data["pool_storage"]["hosts"]) == [f"lab-storage-{i}" for i in (1, 2, 3)]
    assert "PRIVATE KEY" not in result.stdout


def test_inventory_plugin_names_a_missing_stack(lab: Lab) -> None:
    config = inventory_for("nosuchstack")
    result = subprocess.run(
        ["ansible-inventory", "-i", str(config), "--list"],
        cwd=REPO,
        env=ansible_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert "stack 'nosuchstack' does not exist" in result.stderr


@pytest.fixture(scope="module")
def first_run(converged: PlayResult) -> PlayResult:
    return converged


def test_site_converges(first_run: PlayResult) -> None:
    assert first_run.ok, [str(f) for f in first_run.failures] or first_run.log.read_text()[-3000:]
    assert set(first_run.changed) == {n.hostname for n in layout().nodes}, first_run.changed
    assert (first_run.artifacts / "job_events").is_dir()


def test_second_run_changes_nothing(lab: Lab, first_run: PlayResult) -> None:
    second = run_site("lab", log_name="it-second")
    assert second.ok, second.log.read_text()[-3000:]
    assert second.changed and second.total_changed == 0, second.changed


def test_check_mode_has_no_failures(lab: Lab, first_run: PlayResult) -> None:
    check = run_site("lab", "--check", log_name="it-check")
    assert check.ok, check.log.read_text()[-3000:]
    assert check.total_changed == 0


def test_report_sees_every_node_configured(lab: Lab, first_run: PlayResult) -> None:
    report = build_report("lab", lab.stack.outputs(), {})
    assert len(report.nodes) == 6
    assert all(n.reachable for n in report.nodes), [(n.name, n.error) for n in report.nodes]
    assert all("aidc_common" in n.facts for n in report.nodes), [n.facts for n in report.nodes]
    assert report.checks["configured (common role)"] == "6/6"
    assert report.checks["gpu gate"].startswith("skipped:")
    assert report.checks["hardening"].startswith("6/6 nodes, "), report.checks["hardening"]
