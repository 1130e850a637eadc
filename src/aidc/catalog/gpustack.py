"""The GPU software lockfile (data/gpu_stack.yaml): typed records, accessors, compatibility rules.

`resolve(Selection(...))` answers what a GPU node should run: the branch's pinned driver,
CUDA, DCGM, dcgm-exporter, fabric manager and container toolkit, the kernel module flavour
for the SKU's architecture, whether fabric manager is needed, and every rule the selection
breaks, one clear line each. The Ansible roles call it through the `aidc.cluster.gpu_stack`
filter in preflight, so a wrong combination stops a play before anything is installed.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from aidc.catalog import gpu, gpus
from aidc.catalog.models import Architecture, Gpu

KernelModules = Literal["open", "proprietary"]
Support = Literal["required", "recommended", "supported", "unsupported"]
VERSION = r"^\d+\.\d+(\.\d+)?$"


def version_tuple(version: str) -> tuple[int, ...]:
    """'580.95.05' -> (580, 95, 5)."""
    return tuple(int(p) for p in version.split("."))


def branch_of(driver: str) -> str:
    return driver.split(".", 1)[0]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModuleSupport(_Record):
    open: Support
    proprietary: Support
    default: KernelModules

    def level(self, flavour: KernelModules) -> Support:
        return self.open if flavour == "open" else self.proprietary


class ArchitectureStack(_Record):
    min_driver: str = Field(pattern=VERSION)
    kernel_modules: ModuleSupport


class DcgmSupport(_Record):
    min_branch: int
    max_branch: int
    cuda: tuple[int, ...]


class Branch(_Record):
    """One driver branch and the versions pinned with it."""

    name: str
    driver: str = Field(pattern=VERSION)
    cuda: str = Field(pattern=r"^\d+\.\d+$")
    fabric_manager: str = Field(pattern=VERSION)
    dcgm: str = Field(pattern=VERSION)
    dcgm_cuda: int
    dcgm_exporter: str = Field(pattern=r"^\d+\.\d+\.\d+-\d+\.\d+\.\d+$")
    container_toolkit: str = Field(pattern=VERSION)

    @property
    def number(self) -> int:
        return int(self.name)

    @property
    def cuda_major(self) -> int:
        return int(self.cuda.split(".")[0])

    @property
    def dcgm_major(self) -> str:
        return self.dcgm.split(".")[0]


class GpuStack(_Record):
    source: str
    as_of: str
    default_branch: str
    architectures: dict[Architecture, ArchitectureStack]
    sku_min_driver: dict[str, str]
    dcgm_support: dict[str, DcgmSupport]
    branches: dict[str, Branch]

    @model_validator(mode="after")
    def _consistent(self) -> GpuStack:
        if self.default_branch not in self.branches:
            raise ValueError(f"default_branch {self.default_branch} is not a branch")
        unknown = set(self.sku_min_driver) - set(gpus())
        if unknown:
            raise ValueError(f"sku_min_driver names unknown SKUs: {sorted(unknown)}")
        for name, entry in self.branches.items():
            problems = _stack_problems(self, entry, entry.driver, entry.fabric_manager, entry.dcgm)
            if problems:
                raise ValueError(f"branch {name}: " + "; ".join(problems))
        return self


class Selection(_Record):
    """What the inventory asks for; empty fields take the lockfile's values."""

    branch: str = ""
    sku: str = ""
    kernel_modules: Literal["", "open", "proprietary"] = ""
    driver: str = ""
    fabric_manager: str = ""
    dcgm: str = ""
    cuda: str = ""


class Resolution(_Record):
    """The versions a node gets for a selection, and what is wrong with it."""

    branch: str
    driver: str
    cuda: str
    fabric_manager: str
    fabric_manager_needed: bool
    dcgm: str
    dcgm_major: str
    dcgm_cuda: int
    dcgm_exporter: str
    container_toolkit: str
    kernel_modules: KernelModules
    sku: str
    gpu_name: str
    architecture: str
    min_driver: str
    violations: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump()
        data["ok"] = self.ok
        data["violations"] = list(self.violations)
        data["warnings"] = list(self.warnings)
        return data


@cache
def gpu_stack() -> GpuStack:
    text = resources.files("aidc.catalog").joinpath("data", "gpu_stack.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("branches"), dict):
        raise ValueError("catalog file gpu_stack.yaml: expected a mapping with `branches`")
    data["branches"] = {str(k): {"name": str(k), **v} for k, v in data["branches"].items()}
    data["dcgm_support"] = {str(k): v for k, v in data.get("dcgm_support", {}).items()}
    return GpuStack(**data)


def branches() -> dict[str, Branch]:
    return gpu_stack().branches


def branch(name: str) -> Branch:
    try:
        return gpu_stack().branches[str(name)]
    except KeyError:
        known = ", ".join(sorted(gpu_stack().branches))
        raise KeyError(f"driver branch {name!r} is not in the lockfile; known: {known}") from None


def architecture(name: str) -> ArchitectureStack:
    try:
        return gpu_stack().architectures[name]  # type: ignore[index]
    except KeyError:
        known = ", ".join(sorted(gpu_stack().architectures))
        raise KeyError(f"unknown GPU architecture {name!r}; known: {known}") from None


def min_driver(sku: str) -> str:
    """The oldest driver that runs this SKU: its own entry, else its architecture's."""
    entry = gpu(sku)
    return gpu_stack().sku_min_driver.get(sku) or architecture(entry.architecture).min_driver


def dcgm_cuda(stack: GpuStack, entry: Branch, dcgm: str) -> int:
    """The CUDA flavour of DCGM for a branch: the lockfile's, or for another DCGM major the
    newest build that major has which the branch's CUDA can run."""
    major = dcgm.split(".")[0]
    if major == entry.dcgm_major:
        return entry.dcgm_cuda
    support = stack.dcgm_support.get(major)
    fitting = [c for c in (support.cuda if support else ()) if c <= entry.cuda_major]
    return max(fitting) if fitting else entry.dcgm_cuda


def _stack_problems(
    stack: GpuStack, entry: Branch, driver: str, fabric_manager: str, dcgm: str
) -> list[str]:
    """Rules between the versions of one node's stack (no GPU involved)."""
    problems: list[str] = []
    flavour = dcgm_cuda(stack, entry, dcgm)
    if branch_of(driver) != entry.name:
        problems.append(f"driver {driver} is not on branch {entry.name}")
    if fabric_manager != driver:
        problems.append(
            f"fabric manager {fabric_manager} must equal the driver version {driver} "
            "(nvidia-fabricmanager refuses to start on a mismatch)"
        )
    major = dcgm.split(".")[0]
    support = stack.dcgm_support.get(major)
    if support is None:
        known = ", ".join(sorted(stack.dcgm_support))
        problems.append(f"DCGM {dcgm}: major version {major} is not in the lockfile ({known})")
    else:
        if not support.min_branch <= entry.number <= support.max_branch:
            newer = [
                m
                for m, s in stack.dcgm_support.items()
                if s.min_branch <= entry.number <= s.max_branch
            ]
            hint = f"; use DCGM {' or '.join(sorted(newer))}" if newer else ""
            problems.append(
                f"DCGM {dcgm} does not support driver branch {entry.name} (DCGM {major} covers "
                f"branches {support.min_branch}-{support.max_branch}){hint}"
            )
        if flavour not in support.cuda:
            problems.append(f"DCGM {major} has no CUDA {flavour} build")
    if flavour > entry.cuda_major:
        problems.append(
            f"DCGM built for CUDA {flavour} needs a driver with CUDA >= "
            f"{flavour}; branch {entry.name} has CUDA {entry.cuda}"
        )
    return problems


def _gpu_problems(
    entry: Branch,
    driver: str,
    target: Gpu,
    arch: ArchitectureStack,
    flavour: KernelModules,
    minimum: str,
) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    warnings: list[str] = []
    if version_tuple(driver) < version_tuple(minimum):
        problems.append(
            f"{target.name} ({target.sku}, {target.architecture}) needs driver >= {minimum}; "
            f"branch {entry.name} pins {driver}"
        )
    level = arch.kernel_modules.level(flavour)
    if level == "unsupported":
        other = "open" if flavour == "proprietary" else "proprietary"
        problems.append(
            f"{flavour} kernel modules are not supported on {target.architecture} "
            f"({target.name}): use {other}"
        )
    elif level == "supported" and arch.kernel_modules.level("open") == "recommended":
        warnings.append(
            f"{flavour} kernel modules on {target.architecture}: NVIDIA recommends open"
        )
    return problems, warnings


def resolve(selection: Selection) -> Resolution:
    """The stack for a selection; `violations` lists every rule it breaks (empty: fine)."""
    stack = gpu_stack()
    name = selection.branch or stack.default_branch
    violations: list[str] = []
    warnings: list[str] = []
    if name not in stack.branches:
        known = ", ".join(sorted(stack.branches))
        violations.append(f"driver branch {name!r} is not in the lockfile; supported: {known}")
        name = stack.default_branch
    entry = stack.branches[name]
    driver = selection.driver or entry.driver
    fabric_manager = selection.fabric_manager or (
        driver if selection.driver else entry.fabric_manager
    )
    dcgm = selection.dcgm or entry.dcgm
    violations += _stack_problems(stack, entry, driver, fabric_manager, dcgm)
    if selection.cuda and version_tuple(selection.cuda) > version_tuple(entry.cuda):
        violations.append(
            f"CUDA {selection.cuda} needs a newer driver than branch {entry.name} "
            f"(CUDA {entry.cuda})"
        )
    target: Gpu | None = None
    if selection.sku:
        try:
            target = gpu(selection.sku)
        except KeyError as exc:
            violations.append(str(exc.args[0]))
    flavour: KernelModules = selection.kernel_modules or "open"
    minimum = ""
    if target is not None:
        arch = architecture(target.architecture)
        flavour = selection.kernel_modules or arch.kernel_modules.default
        minimum = min_driver(target.sku)
        more, warned = _gpu_problems(entry, driver, target, arch, flavour, minimum)
        violations += more
        warnings += warned
    return Resolution(
        branch=entry.name,
        driver=driver,
        cuda=entry.cuda,
        fabric_manager=fabric_manager,
        fabric_manager_needed=bool(target and target.fabric_manager),
        dcgm=dcgm,
        dcgm_major=dcgm.split(".")[0],
        dcgm_cuda=dcgm_cuda(stack, entry, dcgm),
        dcgm_exporter=entry.dcgm_exporter,
        container_toolkit=entry.container_toolkit,
        kernel_modules=flavour,
        sku=target.sku if target else "",
        gpu_name=target.name if target else "",
        architecture=target.architecture if target else "",
        min_driver=minimum,
        violations=tuple(violations),
        warnings=tuple(warnings),
    )


def check(selection: Selection) -> list[str]:
    """Every rule the selection breaks, one line each; empty when it is compatible."""
    return list(resolve(selection).violations)
