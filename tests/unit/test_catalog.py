"""The catalog loads, every entry validates, and the figures the plan relies on are present."""

from __future__ import annotations

from typing import Any

import pytest

from aidc import catalog

REQUIRED_GPUS = {
    "a100-40gb",
    "a100-80gb",
    "h100-sxm",
    "h100-pcie",
    "h200-sxm",
    "b200",
    "l40s",
    "l4",
}
REQUIRED_TYPES = {
    "p4d.24xlarge",
    "p4de.24xlarge",
    "p5.48xlarge",
    "p5e.48xlarge",
    "p5en.48xlarge",
    "p6-b200.48xlarge",
    "g5.12xlarge",
    "g6.12xlarge",
    "g6e.12xlarge",
}


def test_required_gpus_present() -> None:
    assert set(catalog.gpus()) >= REQUIRED_GPUS


def test_required_instance_types_present() -> None:
    assert set(catalog.instance_types()) >= REQUIRED_TYPES


def test_every_gpu_instance_names_a_known_sku() -> None:
    for itype in catalog.instance_types().values():
        assert (itype.gpu is None) == (itype.gpus == 0), itype.name
        if itype.gpu:
            assert catalog.gpu(itype.gpu).sku == itype.gpu


def test_h200_figures() -> None:
    h200 = catalog.gpu("h200-sxm")
    assert (h200.memory_gb, h200.bf16_dense_tflops, h200.hbm_tbps, h200.tdp_w) == (
        141,
        989,
        4.8,
        700,
    )
    assert h200.architecture == "hopper" and h200.fabric_manager


def test_p5_efa_interfaces() -> None:
    p5 = catalog.instance_type("p5.48xlarge")
    assert (p5.gpu, p5.gpus, p5.efa_interfaces, p5.efa_capable) == ("h100-sxm", 8, 32, True)
    assert not catalog.instance_type("g6.xlarge").efa_capable


def test_prices_carry_source_and_date() -> None:
    source = catalog.instance_source()
    assert source.source and source.as_of and source.region == "us-east-1"


def test_unknown_lookups_name_the_known() -> None:
    with pytest.raises(KeyError, match="known: a100-40gb"):
        catalog.gpu("h300")
    with pytest.raises(KeyError, match="unknown instance type 'x1'"):
        catalog.instance_type("x1")


def test_every_gpu_has_node_forms() -> None:
    for sku, gpu in catalog.gpus().items():
        assert gpu.node_gpus and list(gpu.node_gpus) == sorted(set(gpu.node_gpus)), sku
        assert gpu.node_forms, sku
        if gpu.form_factor == "sxm":
            # SXM modules come on baseboards: never one to a node.
            assert 1 not in gpu.node_gpus and 8 in gpu.node_gpus, sku
        else:
            assert 1 in gpu.node_gpus, sku


def test_hgx_forms() -> None:
    assert catalog.gpu("b200").node_gpus == (8,)
    assert catalog.gpu("h100-sxm").node_gpus == catalog.gpu("h200-sxm").node_gpus == (4, 8)
    assert catalog.gpu("h100-pcie").form_factor == "pcie"


def test_every_gpu_instance_type_is_a_node_form_of_its_sku() -> None:
    for itype in catalog.instance_types().values():
        if itype.gpu:
            assert itype.gpus in catalog.gpu(itype.gpu).node_gpus, itype.name


def test_an_instance_type_outside_its_skus_forms_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = catalog._read

    def read(name: str) -> dict[str, Any]:
        data = real(name)
        if name == "aws_instances.yaml":
            data["instances"]["p5.48xlarge"]["gpus"] = 6
        return data

    catalog.instance_types.cache_clear()
    monkeypatch.setattr(catalog, "_read", read)
    try:
        with pytest.raises(ValueError, match="6 GPUs is no node form of h100-sxm"):
            catalog.instance_types()
    finally:
        catalog.instance_types.cache_clear()
