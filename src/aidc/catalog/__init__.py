"""GPU and instance-type data: YAML in data/, validated at load, read through typed accessors."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from aidc.catalog.models import Gpu, InstanceType, Planning, PricedSource

__all__ = [
    "Gpu",
    "InstanceType",
    "Planning",
    "PricedSource",
    "gpu",
    "gpus",
    "instance_source",
    "instance_type",
    "instance_types",
    "planning",
]


def _read(name: str) -> dict[str, Any]:
    text = resources.files("aidc.catalog").joinpath("data", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"catalog file {name}: expected a mapping at top level")
    return data


@cache
def gpus() -> dict[str, Gpu]:
    data = _read("gpus.yaml")
    return {sku: Gpu(sku=sku, **fields) for sku, fields in data["gpus"].items()}


@cache
def instance_types() -> dict[str, InstanceType]:
    data = _read("aws_instances.yaml")
    types = {n: InstanceType(name=n, **fields) for n, fields in data["instances"].items()}
    for t in types.values():
        if (t.gpu is None) != (t.gpus == 0):
            raise ValueError(f"catalog instance {t.name}: gpu and gpus must be set together")
        if t.gpu is not None and t.gpu not in gpus():
            raise ValueError(f"catalog instance {t.name}: unknown GPU SKU {t.gpu!r}")
        if t.gpu is not None and t.gpus not in gpus()[t.gpu].node_gpus:
            raise ValueError(f"catalog instance {t.name}: {t.gpus} GPUs is no node form of {t.gpu}")
    return types


@cache
def instance_source() -> PricedSource:
    data = _read("aws_instances.yaml")
    return PricedSource(source=data["source"], as_of=data["as_of"], region=data.get("region"))


@cache
def planning() -> Planning:
    return Planning(**_read("planning.yaml"))


def gpu(sku: str) -> Gpu:
    """The GPU with this SKU id; KeyError names the known ones."""
    try:
        return gpus()[sku]
    except KeyError:
        raise KeyError(f"unknown GPU SKU {sku!r}; known: {', '.join(sorted(gpus()))}") from None


def instance_type(name: str) -> InstanceType:
    try:
        return instance_types()[name]
    except KeyError:
        known = ", ".join(sorted(instance_types()))
        raise KeyError(f"unknown instance type {name!r}; known: {known}") from None
