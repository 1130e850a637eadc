"""Checks that need an NVIDIA GPU (marked `gpu`): run them on a GPU machine with
`pytest -m gpu tests/gpu` or through `make gpu-check`. Elsewhere they skip, saying why.

They read the real nvidia-smi with the same parser the nvidia_gpu_facts module ships, and
run scripts/gpu-check.sh end to end (facts, gate, micro-benchmark). Timings are printed,
never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aidc.gpu import check
from aidc.gpu.nvidia_smi import gather

REPO = Path(__file__).resolve().parents[2]
NVIDIA_SMI = check.find_nvidia_smi()
PYTHON = os.environ.get("GPU_CHECK_PYTHON") or sys.executable

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        NVIDIA_SMI is None,
        reason="no NVIDIA GPU here: nvidia-smi is not on PATH nor in the driver folders",
    ),
]


def _torch_ready() -> bool:
    probe = "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)"
    return subprocess.run([PYTHON, "-c", probe], capture_output=True, check=False).returncode == 0


def test_live_nvidia_smi_parses() -> None:
    facts = gather(check.run_command, NVIDIA_SMI, "/sys")
    assert facts["source"] == "nvidia-smi", facts["errors"]
    assert facts["count"] >= 1 and facts["driver_version"]
    for gpu in facts["gpus"]:
        assert gpu["uuid"] and gpu["uuid"].startswith(("GPU-", "MIG-"))
        assert gpu["pci_bus_id"] and gpu["name"]
        assert gpu["memory_total_mib"] and gpu["pcie"]["gen_max"] and gpu["pcie"]["width_max"]
        assert gpu["persistence_mode"] is not None
    print(json.dumps({k: facts[k] for k in ("count", "driver_version", "cuda_version")}))


def test_gpu_check_passes_this_machine(tmp_path: Path) -> None:
    if not _torch_ready():
        pytest.skip(f"{PYTHON} cannot import torch with CUDA (set GPU_CHECK_PYTHON)")
    record = tmp_path / "record.json"
    done = subprocess.run(
        [str(REPO / "scripts" / "gpu-check.sh"), "--json", str(record)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "GPU_CHECK_PYTHON": PYTHON},
    )
    print(done.stdout)
    data = json.loads(record.read_text())
    assert done.returncode == 0, done.stdout + done.stderr
    assert data["result"] == "pass"
    assert {m["measure"] for m in data["measurements"]} >= {"bf16 matmul 8192^3"}
    print(f"gpu-check wall time: {data['wall_s']} s")
