"""Filters of the gpu_validate role, on the controller: the acceptance gate of aidc.gpu.

    {{ ansible_facts['nvidia_gpus'] | aidc.cluster.gpu_gate(sku='h200-sxm', expected_count=8,
         expected_mig='disabled', bench=<micro-benchmark stdout or None>) }}

returns `aidc.gpu.gate.Verdict.to_dict()` plus `sku` and `min_driver`: result ("pass" or
"fail: ..."), passed, checks, summary, measurements. `aidc.cluster.gpu_known_sku` says whether
a SKU is in the catalog. Filters run on the controller, where the aidc package is installed
(`make setup`).
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

_MIG = {"disabled": False, "enabled": True, "any": None}


def _aidc_gpu() -> tuple[Any, Any, Any]:
    try:
        from aidc.gpu import bench, gate, specs
    except ImportError as exc:
        raise AnsibleFilterError(
            f"aidc.cluster.gpu_gate needs the aidc package on the controller ({exc}): run "
            "`make setup` and ansible-playbook from the repository's .venv"
        ) from None
    return bench, gate, specs


def gpu_gate(
    facts: dict[str, Any],
    sku: str = "",
    expected_count: int | str = 0,
    expected_mig: str = "disabled",
    bf16_floor_pct: float | str = 75,
    hbm_floor_pct: float | str = 85,
    bench: Any = None,
    bench_required: bool = False,
) -> dict[str, Any]:
    benchmod, gate, _ = _aidc_gpu()
    if expected_mig not in _MIG:
        raise AnsibleFilterError(f"expected_mig must be one of {sorted(_MIG)}: {expected_mig!r}")
    result = None
    if isinstance(bench, str) and bench.strip():
        try:
            result = benchmod.parse(bench)
        except ValueError as exc:
            result = benchmod.failed(f"unreadable benchmark output: {exc}")
    elif isinstance(bench, dict) and bench:
        result = benchmod.from_dict(dict(bench))
    expect = gate.expectations_for(
        facts,
        sku=str(sku or "") or None,
        expected_count=int(expected_count or 0),
        expected_mig=_MIG[expected_mig],
        bf16_floor_pct=float(bf16_floor_pct),
        hbm_floor_pct=float(hbm_floor_pct),
        bench_required=bool(bench_required),
    )
    verdict: dict[str, Any] = gate.evaluate(facts, expect, result).to_dict()
    verdict["sku"] = expect.sku or ""
    verdict["min_driver"] = expect.min_driver or ""
    return verdict


def gpu_known_sku(sku: str) -> bool:
    _, _, specs = _aidc_gpu()
    return str(sku) in specs.gpu_specs()


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"gpu_gate": gpu_gate, "gpu_known_sku": gpu_known_sku}
