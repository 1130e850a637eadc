"""The GPU software lockfile: it loads, its own pins obey every rule, and each rule rejects
what it should with a message that names the problem."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from aidc import catalog
from aidc.catalog import gpustack
from aidc.catalog.gpustack import Selection, resolve


def test_supported_branches_and_default() -> None:
    assert set(gpustack.branches()) >= {"535", "550", "570", "580"}
    assert gpustack.gpu_stack().default_branch in gpustack.branches()


@pytest.mark.parametrize("name", sorted(gpustack.branches()))
def test_every_branch_pins_a_consistent_stack(name: str) -> None:
    entry = gpustack.branch(name)
    assert entry.driver.startswith(f"{name}.")
    assert entry.fabric_manager == entry.driver
    result = resolve(Selection(branch=name))
    assert result.ok, result.violations
    assert (result.driver, result.cuda, result.dcgm) == (entry.driver, entry.cuda, entry.dcgm)


def test_typed_accessors() -> None:
    b580 = gpustack.branch("580")
    assert (b580.cuda, b580.cuda_major, b580.dcgm_major, b580.dcgm_cuda) == ("13.0", 13, "4", 13)
    assert gpustack.architecture("blackwell").kernel_modules.open == "required"
    assert gpustack.min_driver("h200-sxm") == "550.54.14"  # its own entry
    assert gpustack.min_driver("h100-sxm") == "525.60.13"  # its architecture's
    assert gpustack.min_driver("b200") == "570.86.15"
    with pytest.raises(KeyError, match="known: 535, 550, 570, 580"):
        gpustack.branch("999")
    with pytest.raises(KeyError, match="unknown GPU architecture"):
        gpustack.architecture("volta")


def test_empty_selection_is_the_default_branch() -> None:
    result = resolve(Selection())
    assert result.ok and result.branch == gpustack.gpu_stack().default_branch
    assert result.kernel_modules == "open" and not result.fabric_manager_needed


def test_unknown_branch_is_rejected_by_name() -> None:
    assert gpustack.check(Selection(branch="590")) == [
        "driver branch '590' is not in the lockfile; supported: 535, 550, 570, 580"
    ]


def test_unknown_sku_names_the_known_ones() -> None:
    (problem,) = gpustack.check(Selection(sku="h300"))
    assert "unknown GPU SKU 'h300'" in problem and "h200-sxm" in problem


def test_dcgm3_with_a_580_driver_is_rejected() -> None:
    (problem,) = gpustack.check(Selection(branch="580", dcgm="3.3.9"))
    assert problem == (
        "DCGM 3.3.9 does not support driver branch 580 (DCGM 3 covers branches 450-560); use DCGM 4"
    )
    assert gpustack.check(Selection(branch="570", dcgm="3.3.9"))


def test_dcgm4_on_an_older_lts_branch_picks_its_cuda12_build() -> None:
    result = resolve(Selection(branch="535", dcgm="4.2.3"))
    assert result.ok, result.violations
    assert (result.dcgm_major, result.dcgm_cuda) == ("4", 12)


def test_unknown_dcgm_major_is_rejected() -> None:
    (problem, *_) = gpustack.check(Selection(dcgm="5.0.0"))
    assert "major version 5 is not in the lockfile" in problem


def test_fabric_manager_must_equal_the_driver() -> None:
    (problem,) = gpustack.check(Selection(branch="580", fabric_manager="580.82.07"))
    assert problem.startswith("fabric manager 580.82.07 must equal the driver version 580.95.05")


def test_a_driver_override_brings_its_fabric_manager_along() -> None:
    result = resolve(Selection(branch="580", driver="580.82.07", sku="h200-sxm"))
    assert result.ok, result.violations
    assert result.fabric_manager == result.driver == "580.82.07"


def test_a_driver_off_the_branch_is_rejected() -> None:
    problems = gpustack.check(Selection(branch="580", driver="570.172.08"))
    assert "driver 570.172.08 is not on branch 580" in problems


def test_proprietary_modules_on_blackwell_are_rejected() -> None:
    (problem,) = gpustack.check(Selection(branch="580", sku="b200", kernel_modules="proprietary"))
    assert problem == (
        "proprietary kernel modules are not supported on blackwell (NVIDIA B200): use open"
    )


def test_proprietary_modules_on_hopper_are_allowed_with_a_warning() -> None:
    result = resolve(Selection(sku="h100-sxm", kernel_modules="proprietary"))
    assert result.ok
    assert result.warnings == ("proprietary kernel modules on hopper: NVIDIA recommends open",)


def test_ampere_takes_either_flavour_quietly() -> None:
    for flavour in ("open", "proprietary"):
        result = resolve(Selection(sku="a100-80gb", kernel_modules=flavour))
        assert result.ok and not result.warnings and result.kernel_modules == flavour


def test_the_architecture_default_flavour_applies() -> None:
    assert resolve(Selection(sku="b200")).kernel_modules == "open"
    assert resolve(Selection(sku="a10g")).kernel_modules == "open"


@pytest.mark.parametrize(
    ("sku", "branch", "ok"),
    [
        ("b200", "535", False),
        ("b200", "550", False),
        ("b200", "570", True),
        ("b200", "580", True),
        ("h200-sxm", "535", False),
        ("h200-sxm", "550", True),
        ("h100-sxm", "535", True),
        ("a100-80gb", "535", True),
    ],
)
def test_minimum_driver_per_sku(sku: str, branch: str, ok: bool) -> None:
    problems = gpustack.check(Selection(branch=branch, sku=sku))
    assert (not problems) == ok, problems
    if not ok:
        assert f"needs driver >= {gpustack.min_driver(sku)}; branch {branch} pins" in problems[0]


def test_fabric_manager_is_needed_exactly_where_the_catalog_says() -> None:
    for sku, entry in catalog.gpus().items():
        assert resolve(Selection(sku=sku)).fabric_manager_needed == entry.fabric_manager, sku


def test_cuda_newer_than_the_branch_is_rejected() -> None:
    (problem,) = gpustack.check(Selection(branch="570", cuda="13.0"))
    assert problem == "CUDA 13.0 needs a newer driver than branch 570 (CUDA 12.8)"
    assert not gpustack.check(Selection(branch="580", cuda="12.8"))


def test_several_problems_are_all_reported() -> None:
    problems = gpustack.check(
        Selection(branch="550", sku="b200", kernel_modules="proprietary", fabric_manager="1.2.3")
    )
    assert len(problems) == 3, problems


def _lockfile_data() -> dict[str, Any]:
    text = (gpustack.resources.files("aidc.catalog") / "data" / "gpu_stack.yaml").read_text()
    data: dict[str, Any] = yaml.safe_load(text)
    data["branches"] = {k: {"name": k, **v} for k, v in data["branches"].items()}
    return data


def test_the_loader_rejects_an_inconsistent_lockfile() -> None:
    data = _lockfile_data()
    data["branches"]["580"]["fabric_manager"] = "580.82.07"
    with pytest.raises(ValidationError, match=r"branch 580: fabric manager 580\.82\.07"):
        gpustack.GpuStack(**data)
    data = _lockfile_data()
    data["branches"]["580"]["dcgm"] = "3.3.9"
    with pytest.raises(ValidationError, match=r"DCGM 3\.3\.9 does not support driver branch 580"):
        gpustack.GpuStack(**data)
    data = _lockfile_data()
    data["sku_min_driver"]["h300"] = "600.1.1"
    with pytest.raises(ValidationError, match="unknown SKUs"):
        gpustack.GpuStack(**data)


def test_resolution_serialises_for_ansible() -> None:
    data = resolve(Selection(branch="580", dcgm="3.3.9")).to_dict()
    assert data["ok"] is False and isinstance(data["violations"], list)
    assert {"driver", "fabric_manager", "dcgm", "container_toolkit", "kernel_modules"} <= set(data)
