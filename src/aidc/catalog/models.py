"""Typed records of the catalog's data files; the files are validated against these at load."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, field_validator

Architecture = Literal["ampere", "ada", "hopper", "blackwell"]
FormFactor = Literal["sxm", "pcie"]
PlanRole = Literal["gpu", "cpu", "storage", "login", "monitor"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Gpu(_Record):
    """One GPU SKU, per-GPU figures (dense, no sparsity)."""

    sku: str
    name: str
    architecture: Architecture
    compute_capability: str = Field(pattern=r"^\d+\.\d+$")
    memory_gb: PositiveInt
    bf16_dense_tflops: PositiveFloat
    hbm_tbps: PositiveFloat
    tdp_w: PositiveInt
    nvlink: bool
    fabric_manager: bool
    form_factor: FormFactor
    node_gpus: tuple[PositiveInt, ...] = Field(min_length=1)
    node_forms: str = Field(min_length=1)

    @field_validator("node_gpus")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if list(value) != sorted(set(value)) or value[-1] > 16:
            raise ValueError("node_gpus: distinct counts in ascending order, at most 16")
        return value


class InstanceType(_Record):
    """One AWS instance type."""

    name: str
    gpu: str | None = None
    gpus: int = Field(ge=0)
    vcpus: PositiveInt
    memory_gib: PositiveInt
    efa_interfaces: int = Field(ge=0)
    local_nvme_gb: int = Field(ge=0)
    price_per_hour: PositiveFloat

    @property
    def efa_capable(self) -> bool:
        return self.efa_interfaces > 0


class PricedSource(_Record):
    """Where figures came from, and when."""

    source: str
    as_of: str
    region: str | None = None


class Planning(_Record):
    node_overhead_w: dict[PlanRole, PositiveInt]
