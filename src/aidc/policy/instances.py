"""What an instance type is, for rules: GPUs per node, and whether it is a GPU or a storage
type. Facts come from aidc's instance catalog (`aidc.catalog`); a type the catalog lacks is
judged by its family, the part before the dot (a `g5.2xlarge` is a GPU type because the
catalog's `g5` types are), and failing that by AWS's family naming: P and G families are the
accelerated families with GPUs, I, D and H1 the storage-optimised ones."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from aidc.catalog import instance_types
from aidc.policy.registry import Settings

_GPU_FAMILY = re.compile(r"^(?:[pg]|gr)\d")
_STORAGE_FAMILY = re.compile(r"^(i\d|i[ms]\d|d\d|h1)")


def family(kind: str) -> str:
    return kind.split(".", 1)[0]


@cache
def _families() -> tuple[frozenset[str], frozenset[str]]:
    gpu = {family(t.name) for t in instance_types().values() if t.gpus > 0}
    storage = {
        family(t.name)
        for t in instance_types().values()
        if t.gpus == 0 and t.local_nvme_gb > 0 and family(t.name) not in gpu
    }
    return frozenset(gpu), frozenset(storage)


def gpus_of(kind: Any, cfg: Settings) -> int:
    """GPUs of one instance of this type: policy config's gpus_per_instance_type, else aidc's
    instance catalog; 0 for a type neither knows (allowed-instance-types flags it)."""
    if not isinstance(kind, str):
        return 0
    extra: Mapping[str, int] = cfg.get("gpus_per_instance_type") or {}
    if kind in extra:
        return int(extra[kind])
    known = instance_types().get(kind)
    return known.gpus if known is not None else 0


def is_gpu(kind: Any, cfg: Settings) -> bool:
    if not isinstance(kind, str) or not kind:
        return False
    if gpus_of(kind, cfg) > 0:
        return True
    if kind in instance_types() or kind in (cfg.get("gpus_per_instance_type") or {}):
        return False
    fam = family(kind)
    return fam in _families()[0] or bool(_GPU_FAMILY.match(fam))


def is_storage(kind: Any) -> bool:
    if not isinstance(kind, str) or not kind:
        return False
    known = instance_types().get(kind)
    fam = family(kind)
    if known is not None:
        return fam in _families()[1]
    return fam in _families()[1] or bool(_STORAGE_FAMILY.match(fam))
