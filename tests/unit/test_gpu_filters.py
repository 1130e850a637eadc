"""The collection's controller-side filters (aidc.cluster.gpu_stack, gpu_gate, gpu_known_sku):
thin adapters over aidc.catalog.gpustack and aidc.gpu.gate, loaded from their files in
plugins/filter/."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from aidc.gpu.nvidia_smi import gather
from tests.gpu.fixtures import h200_file, h200_microbench, h200_xml

FILTERS = Path(__file__).resolve().parents[2] / "plugins" / "filter"


def _plugin(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"filter_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _filters(name: str) -> dict[str, Any]:
    filters: dict[str, Any] = _plugin(FILTERS / name).FilterModule().filters()
    return filters


def _facts() -> dict[str, Any]:
    xml = h200_xml()
    facts = gather(lambda argv: (0, xml, "") if "-q" in argv else (3, "", ""), "smi", "/none")
    return dict(facts)


def test_gpu_stack_filter() -> None:
    stack = _filters("gpu_stack.py")["gpu_stack"]
    good = stack({"branch": "580", "sku": "h200-sxm", "kernel_modules": "", "driver": ""})
    assert good["ok"] and good["fabric_manager_needed"] and good["driver"] == "580.95.05"
    bad = stack({"branch": "580", "dcgm": "3.3.9"})
    assert not bad["ok"] and "DCGM 3.3.9 does not support driver branch 580" in bad["violations"][0]
    with pytest.raises(AnsibleFilterError, match="bad selection"):
        stack({"flavour": "x"})


def test_gate_filter_passes_the_fixture() -> None:
    h200_file("nvidia-smi-q.xml")
    filters = _filters("gpu_gate.py")
    verdict = filters["gpu_gate"](
        _facts(), sku="h200-sxm", expected_count="1", bench=h200_microbench()
    )
    assert verdict["result"] == "pass" and verdict["sku"] == "h200-sxm"
    assert verdict["min_driver"] == "550.54.14"
    assert verdict["summary"]["bf16_matmul"] == "pass"


def test_gate_filter_judges_what_it_is_given() -> None:
    gate = _filters("gpu_gate.py")["gpu_gate"]
    assert gate(_facts(), expected_count=8)["result"].startswith("fail: gpu_count: 1 GPU")
    missing = gate(_facts(), bench={"error": "python3 cannot import torch"}, bench_required=True)
    assert "benchmark did not run: python3 cannot import torch" in missing["result"]
    garbled = gate(_facts(), bench="Segmentation fault", bench_required=True)
    assert "unreadable benchmark output" in garbled["result"]
    assert gate(_facts(), expected_mig="any")["summary"]["mig_mode"] == "skipped"
    with pytest.raises(AnsibleFilterError, match="expected_mig"):
        gate(_facts(), expected_mig="off")


def test_known_sku_filter() -> None:
    known = _filters("gpu_gate.py")["gpu_known_sku"]
    assert known("h200-sxm") and not known("h300")
