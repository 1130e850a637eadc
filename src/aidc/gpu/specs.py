"""The catalog figures the GPU gate needs, read without pydantic (and without PyYAML if
need be), so gpu-check runs on a bare GPU machine from a checkout.

The typed catalog (`aidc.catalog`, `aidc.catalog.gpustack`) stays the reference; a unit test
checks that this view answers the same for every SKU. Where PyYAML is missing, the two data
files are read by `parse_simple_yaml`, which accepts only the subset they are written in
(block mappings, scalars, flow lists of scalars) and refuses anything else loudly; a unit
test checks it reads both files exactly as PyYAML does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aidc.gpu.nvidia_smi import version_tuple

DATA_DIR = Path(__file__).resolve().parents[1] / "catalog" / "data"

_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$")


def _strip_comment(line: str) -> str:
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _scalar(text: str, where: str) -> Any:
    value = text.strip()
    if value.startswith("["):
        if not value.endswith("]"):
            raise ValueError(f"{where}: unterminated flow list")
        inner = value[1:-1].strip()
        return [_scalar(item, where) for item in inner.split(",")] if inner else []
    if value.startswith("{") or value.startswith(("&", "*", "!", "|", ">")):
        raise ValueError(f"{where}: unsupported YAML ({value[:1]}) for the simple reader")
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value in ("null", "~", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def parse_simple_yaml(text: str) -> dict[str, Any]:
    """Block mappings of scalars and flow lists: what the catalog data files use."""
    root: dict[Any, Any] = {}
    stack: list[tuple[int, dict[Any, Any]]] = [(-1, root)]
    opened: list[tuple[dict[Any, Any], Any]] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        where = f"line {lineno}"
        line = _strip_comment(raw).rstrip()
        body = line.strip()
        if not body or body == "---":
            continue
        if "\t" in line[: len(line) - len(line.lstrip())]:
            raise ValueError(f"{where}: tab indentation")
        if body.startswith("- "):
            raise ValueError(f"{where}: block sequences are not supported by the simple reader")
        indent = len(line) - len(line.lstrip(" "))
        key_text, sep, rest = body.partition(":")
        if not sep or (rest and not rest.startswith(" ")):
            raise ValueError(f"{where}: expected `key: value`")
        while indent <= stack[-1][0]:
            stack.pop()
        parent = stack[-1][1]
        key = _scalar(key_text, where)
        if rest.strip():
            parent[key] = _scalar(rest, where)
        else:
            child: dict[Any, Any] = {}
            parent[key] = child
            stack.append((indent, child))
            opened.append((parent, key))
    for parent, key in opened:
        if parent[key] == {}:
            parent[key] = None
    return root


def load(name: str) -> dict[str, Any]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        return parse_simple_yaml(text)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at top level")
    return data


@dataclass(frozen=True)
class GpuSpec:
    sku: str
    name: str
    architecture: str
    bf16_dense_tflops: float
    hbm_tbps: float
    nvlink: bool
    fabric_manager: bool


@cache
def gpu_specs() -> dict[str, GpuSpec]:
    return {
        sku: GpuSpec(
            sku=sku,
            name=str(f["name"]),
            architecture=str(f["architecture"]),
            bf16_dense_tflops=float(f["bf16_dense_tflops"]),
            hbm_tbps=float(f["hbm_tbps"]),
            nvlink=bool(f["nvlink"]),
            fabric_manager=bool(f["fabric_manager"]),
        )
        for sku, f in load("gpus.yaml")["gpus"].items()
    }


@cache
def lockfile() -> dict[str, Any]:
    return load("gpu_stack.yaml")


def sku_for_product(product_name: str | None) -> str | None:
    """The catalog SKU whose name is this nvidia-smi product name ('NVIDIA H200' -> h200-sxm)."""
    wanted = " ".join((product_name or "").lower().split())
    matches = [s.sku for s in gpu_specs().values() if s.name.lower() == wanted]
    return matches[0] if len(matches) == 1 else None


def min_driver(sku: str | None = None, architecture: str | None = None) -> str | None:
    """The oldest driver for a SKU (its own entry, else its architecture's) or architecture."""
    data = lockfile()
    if sku:
        own = (data.get("sku_min_driver") or {}).get(sku)
        if own:
            return str(own)
        spec = gpu_specs().get(sku)
        architecture = spec.architecture if spec else architecture
    entry = (data.get("architectures") or {}).get((architecture or "").lower())
    return str(entry["min_driver"]) if entry else None


def driver_at_least(driver: str | None, minimum: str) -> bool:
    return bool(driver) and version_tuple(driver) >= version_tuple(minimum)
