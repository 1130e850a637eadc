"""The catalog view gpu-check uses on a bare GPU machine agrees with the typed catalog,
with or without PyYAML."""

from __future__ import annotations

import sys

import pytest
import yaml

from aidc import catalog
from aidc.catalog import gpustack
from aidc.gpu import specs


@pytest.mark.parametrize("name", ["gpus.yaml", "gpu_stack.yaml"])
def test_simple_reader_reads_the_catalog_files_as_pyyaml_does(name: str) -> None:
    text = (specs.DATA_DIR / name).read_text()
    assert specs.parse_simple_yaml(text) == yaml.safe_load(text)


def test_simple_reader_scalars() -> None:
    text = """
a:
  b: "quoted # not a comment"  # a comment
  c: [1, 2.5, x, 'y', true]
  d: ~
  e:
f: 0.864
"""
    assert specs.parse_simple_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text", ["a:\n  - 1\n", "a: {b: 1}\n", "a: &x 1\n", "a: |\n  text\n", "just text\n"]
)
def test_simple_reader_refuses_what_it_does_not_read(text: str) -> None:
    with pytest.raises(ValueError, match=r"line [12]"):
        specs.parse_simple_yaml(text)


def test_without_pyyaml_the_simple_reader_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    assert specs.load("gpus.yaml") == yaml.safe_load((specs.DATA_DIR / "gpus.yaml").read_text())


@pytest.mark.parametrize("sku", sorted(catalog.gpus()))
def test_view_agrees_with_the_typed_catalog(sku: str) -> None:
    typed = catalog.gpu(sku)
    view = specs.gpu_specs()[sku]
    assert (view.name, view.architecture, view.bf16_dense_tflops, view.hbm_tbps) == (
        typed.name,
        typed.architecture,
        typed.bf16_dense_tflops,
        typed.hbm_tbps,
    )
    assert (view.nvlink, view.fabric_manager) == (typed.nvlink, typed.fabric_manager)
    assert specs.min_driver(sku) == gpustack.min_driver(sku)


def test_product_names_map_to_skus() -> None:
    assert specs.sku_for_product("NVIDIA H200") == "h200-sxm"
    assert specs.sku_for_product("nvidia  h100 80gb hbm3") == "h100-sxm"
    assert specs.sku_for_product("NVIDIA H200 NVL") is None
    assert specs.sku_for_product(None) is None


def test_min_driver_by_architecture() -> None:
    assert specs.min_driver(architecture="Hopper") == "525.60.13"
    assert specs.min_driver(architecture="Volta") is None
    assert specs.driver_at_least("580.159.04", "550.54.14")
    assert not specs.driver_at_least("535.261.03", "550.54.14")
    assert not specs.driver_at_least(None, "1.0")
