"""The catalog loads, every entry validates, and the figures the plan relies on are present."""

from __future__ import annotations

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
