"""The GPU roles on the lab: nvidia_driver and dcgm (tag gpu) and gpu_validate (tag
validation) run on the GPU-role nodes, which have no NVIDIA GPU on their PCI bus, so they
install nothing, say why, record it, and change nothing on a second run."""

from __future__ import annotations

import json

import pytest

from aidc.configure import PlayResult, run_site
from tests.integration.conftest import Lab

pytestmark = pytest.mark.integration

REASON = "skipped: no NVIDIA GPU on the PCI bus"


@pytest.fixture(scope="module")
def gpu_first_run(lab: Lab) -> PlayResult:
    return run_site("lab", "--tags", "gpu,validation", log_name="gpu")


def test_gpu_roles_run_and_skip(gpu_first_run: PlayResult) -> None:
    assert gpu_first_run.ok, gpu_first_run.log.read_text()[-3000:]
    log = gpu_first_run.log.read_text()
    for role in ("nvidia_driver", "dcgm", "gpu_validate"):
        assert f"TASK [aidc.cluster.{role} : " in log, f"{role} did not run"
    assert "Not installing the NVIDIA driver on lab-gpu-1: no NVIDIA GPU on the PCI bus" in log
    assert "Not installing DCGM or dcgm-exporter on lab-gpu-1: no NVIDIA GPU on the PCI bus" in log


def test_gpu_roles_second_run_changes_nothing(lab: Lab, gpu_first_run: PlayResult) -> None:
    second = run_site("lab", "--tags", "gpu,validation", log_name="gpu-second")
    assert second.ok, second.log.read_text()[-3000:]
    assert second.changed and second.total_changed == 0, second.changed


def test_gpu_records_say_skipped_with_the_reason(lab: Lab, gpu_first_run: PlayResult) -> None:
    node = lab.node("gpu-1").name
    for fact in ("aidc_gpu_validate", "aidc_nvidia_driver", "aidc_dcgm"):
        answer = lab.ssh(node, f"cat /etc/ansible/facts.d/{fact}.fact")
        assert answer.returncode == 0, answer.stderr
        record = json.loads(answer.stdout)
        assert record["result"] == REASON, (fact, record)
    assert lab.ssh(node, "test ! -e /etc/apt/preferences.d/aidc-nvidia").returncode == 0
