"""The per-node GPU acceptance gate: facts (and micro-benchmark figures) in, a verdict out.

Each check answers pass, fail or skipped with one line of detail; the node's result is
"pass", "fail: <check>: <detail>; ..." or, where there is nothing to judge,
"skipped: <reason>". The same code judges a node for the gpu_validate role (through its
filter plugin on the Ansible controller) and for gpu-check on a GPU machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from aidc.gpu import specs
from aidc.gpu.bench import BenchResult
from aidc.gpu.nvidia_smi import GpuFacts, NodeFacts, version_tuple

Status = Literal["pass", "fail", "skipped", "info"]

DEFAULT_BF16_FLOOR_PCT = 75.0
DEFAULT_HBM_FLOOR_PCT = 85.0
# P-states from which a GPU may lower its PCIe link speed to save power.
IDLE_PSTATES = {f"P{n}" for n in range(5, 16)}
# PCIe transfer rate per lane (GT/s) and line-code efficiency, by generation.
_PCIE_GTS = {1: 2.5, 2: 5.0, 3: 8.0, 4: 16.0, 5: 32.0, 6: 64.0}


def pcie_gbps(gen: int | None, width: int | None) -> float | None:
    """Raw one-way bandwidth of a PCIe link in GB/s (Gen5 x16: 63.0)."""
    if not gen or not width or gen not in _PCIE_GTS:
        return None
    efficiency = 0.8 if gen <= 2 else (242 / 256 if gen >= 6 else 128 / 130)
    return _PCIE_GTS[gen] * efficiency * width / 8


@dataclass(frozen=True)
class Expectations:
    """What a healthy node looks like. 0 / None mean "not judged" where noted."""

    sku: str | None = None
    expected_count: int = 0  # 0: judged against the NVIDIA GPUs on the PCI bus
    expected_mig: bool | None = False  # None: not judged
    min_driver: str | None = None  # None: not judged
    bf16_spec_tflops: float | None = None
    hbm_spec_tbps: float | None = None
    nvlink: bool = False  # the SKU has NVLink, so reported links must all be up
    bf16_floor_pct: float = DEFAULT_BF16_FLOOR_PCT
    hbm_floor_pct: float = DEFAULT_HBM_FLOOR_PCT
    h2d_floor_pct: float = 0.0  # 0: host-to-device is reported, not judged
    bench_required: bool = False  # a benchmark that could not run fails the node


def expectations_for(
    facts: NodeFacts,
    sku: str | None = None,
    expected_count: int = 0,
    expected_mig: bool | None = False,
    bf16_floor_pct: float = DEFAULT_BF16_FLOOR_PCT,
    hbm_floor_pct: float = DEFAULT_HBM_FLOOR_PCT,
    h2d_floor_pct: float = 0.0,
    bench_required: bool = False,
) -> Expectations:
    """Expectations from the catalog for a SKU; without one, the SKU nvidia-smi names."""
    first = facts["gpus"][0] if facts["gpus"] else None
    sku = sku or (specs.sku_for_product(first["name"]) if first else None)
    spec = specs.gpu_specs().get(sku) if sku else None
    architecture = spec.architecture if spec else (first["architecture"] if first else None)
    return Expectations(
        sku=sku,
        expected_count=expected_count,
        expected_mig=expected_mig,
        min_driver=specs.min_driver(sku if spec else None, architecture),
        bf16_spec_tflops=spec.bf16_dense_tflops if spec else None,
        hbm_spec_tbps=spec.hbm_tbps if spec else None,
        nvlink=spec.nvlink if spec else False,
        bf16_floor_pct=bf16_floor_pct,
        hbm_floor_pct=hbm_floor_pct,
        h2d_floor_pct=h2d_floor_pct,
        bench_required=bench_required,
    )


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


@dataclass(frozen=True)
class Measurement:
    gpu: int
    measure: str
    unit: str
    value: float | None
    spec: float | None
    percent: float | None
    floor_pct: float | None
    status: Status


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]
    measurements: tuple[Measurement, ...] = ()

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def result(self) -> str:
        failures = self.failures
        if not failures:
            return "pass"
        return "fail: " + "; ".join(f"{c.name}: {c.detail}" for c in failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "passed": not self.failures,
            "checks": [asdict(c) for c in self.checks],
            "summary": {c.name: c.status for c in self.checks},
            "measurements": [asdict(m) for m in self.measurements],
        }


def skipped(reason: str) -> str:
    return f"skipped: {reason}"


def _label(gpu: GpuFacts) -> str:
    return f"GPU {gpu['index']} ({gpu['pci_bus_id'] or '?'})"


def _per_gpu(
    name: str,
    gpus: Sequence[GpuFacts],
    judge: Callable[[GpuFacts], str | None],
    ok_detail: str,
    unknown: Callable[[GpuFacts], bool] = lambda g: False,
    unknown_detail: str = "not reported by this driver/GPU",
) -> Check:
    """fail with every GPU's problem, skipped when no GPU reports the field, else pass."""
    problems = [f"{_label(g)} {p}" for g in gpus if (p := judge(g))]
    if problems:
        return Check(name, "fail", ", ".join(problems))
    if gpus and all(unknown(g) for g in gpus):
        return Check(name, "skipped", unknown_detail)
    return Check(name, "pass", ok_detail)


def _gpus(count: int) -> str:
    return f"{count} GPU" if count == 1 else f"{count} GPUs"


def _count(facts: NodeFacts, expect: Expectations) -> Check:
    seen, on_bus = facts["count"], len(facts["pci"]["gpus"])
    bus = f"; {on_bus} on the PCI bus" if on_bus else ""
    if expect.expected_count:
        status: Status = "pass" if seen == expect.expected_count else "fail"
        return Check("gpu_count", status, f"{_gpus(seen)}, expected {expect.expected_count}{bus}")
    if on_bus and seen < on_bus:
        return Check(
            "gpu_count", "fail", f"the driver sees {seen} of the {_gpus(on_bus)} on the PCI bus"
        )
    return Check("gpu_count", "pass", f"{_gpus(seen)}{bus} (no expected count set)")


def _driver(facts: NodeFacts, expect: Expectations) -> Check:
    driver = facts["driver_version"]
    if not driver:
        return Check("driver_version", "fail", "no driver version reported")
    if not expect.min_driver:
        return Check("driver_version", "skipped", f"{driver}; no catalog minimum for this GPU")
    if version_tuple(driver) < version_tuple(expect.min_driver):
        return Check(
            "driver_version", "fail", f"{driver} is below the catalog minimum {expect.min_driver}"
        )
    return Check("driver_version", "pass", f"{driver} >= {expect.min_driver}")


def _ecc(gpu: GpuFacts) -> str | None:
    volatile = gpu["ecc_errors"]["volatile"]["uncorrectable"] or 0
    sram = gpu["ecc_errors"]["aggregate"]["sram_uncorrectable"] or 0
    problems = []
    if volatile:
        problems.append(f"{volatile} uncorrectable ECC errors since the last reset")
    if sram:
        problems.append(f"{sram} uncorrectable SRAM ECC errors (lifetime)")
    return " and ".join(problems) or None


def _remap(gpu: GpuFacts) -> str | None:
    rows = gpu["remapped_rows"]
    if rows is None:
        return None
    if rows["failure"]:
        return "row remapping failed (the GPU needs replacing)"
    if rows["pending"]:
        return "a row remap is pending (reset the GPU)"
    return None


def _retired(gpu: GpuFacts) -> str | None:
    return "retired pages are pending (reset the GPU)" if gpu["retired_pages"]["pending"] else None


def _pcie(gpu: GpuFacts) -> str | None:
    link = gpu["pcie"]
    problems = []
    if link["width_current"] and link["width_max"] and link["width_current"] < link["width_max"]:
        problems.append(f"PCIe width x{link['width_current']} below x{link['width_max']}")
    if (
        link["gen_current"]
        and link["gen_max"]
        and link["gen_current"] < link["gen_max"]
        and gpu["performance_state"] not in IDLE_PSTATES
    ):
        problems.append(
            f"PCIe Gen{link['gen_current']} below Gen{link['gen_max']} "
            f"at {gpu['performance_state'] or 'unknown P-state'}"
        )
    return " and ".join(problems) or None


def _mig(expected: bool | None) -> Callable[[GpuFacts], str | None]:
    def judge(gpu: GpuFacts) -> str | None:
        current = gpu["mig_mode_current"]
        if expected is None or current is None:
            return "does not support MIG" if expected and current is None else None
        if current != expected:
            words = {True: "enabled", False: "disabled"}
            return f"MIG {words[current]}, expected {words[expected]}"
        return None

    return judge


def _fabric(gpu: GpuFacts) -> str | None:
    state, status = gpu["fabric"]["state"], gpu["fabric"]["status"]
    if state is None:
        return None
    if state.lower() != "completed" or (status is not None and status.lower() != "success"):
        return f"NVLink fabric {state}/{status or '?'} (is nvidia-fabricmanager running?)"
    return None


def _nvlink(gpu: GpuFacts) -> str | None:
    links = gpu["nvlink"]
    if not links or not links["total"] or links["active"] == links["total"]:
        return None
    down = [str(x["link"]) for x in links["links"] if not x["active"]]
    return (
        f"{links['total'] - links['active']} of {links['total']} NVLinks down ({', '.join(down)})"
    )


def _health(facts: NodeFacts, expect: Expectations) -> list[Check]:
    gpus = facts["gpus"]
    checks = [
        _count(facts, expect),
        _driver(facts, expect),
        _per_gpu(
            "persistence",
            gpus,
            lambda g: "persistence mode is off" if g["persistence_mode"] is False else None,
            "on",
            lambda g: g["persistence_mode"] is None,
        ),
        _per_gpu(
            "ecc_uncorrectable",
            gpus,
            _ecc,
            "no uncorrectable errors",
            lambda g: g["ecc_errors"]["volatile"]["uncorrectable"] is None,
        ),
        _per_gpu("row_remap", gpus, _remap, "none pending", lambda g: g["remapped_rows"] is None),
        _per_gpu(
            "retired_pages",
            gpus,
            _retired,
            "none pending",
            lambda g: g["retired_pages"]["pending"] is None,
        ),
        _per_gpu(
            "pcie_link",
            gpus,
            _pcie,
            "at max generation and width (or idle)",
            lambda g: g["pcie"]["gen_max"] is None and g["pcie"]["width_max"] is None,
        ),
    ]
    if expect.expected_mig is None:
        checks.append(Check("mig_mode", "skipped", "no MIG expectation set"))
    else:
        wanted = "enabled" if expect.expected_mig else "disabled"
        checks.append(_per_gpu("mig_mode", gpus, _mig(expect.expected_mig), wanted))
    checks.append(
        _per_gpu(
            "fabric",
            gpus,
            _fabric,
            "ready",
            lambda g: g["fabric"]["state"] is None,
            "no NVSwitch fabric reported",
        )
    )
    if expect.nvlink:
        checks.append(
            _per_gpu(
                "nvlink",
                gpus,
                _nvlink,
                "all links up",
                lambda g: not (g["nvlink"] and g["nvlink"]["total"]),
                "no NVLink links reported (no NVLink peers)",
            )
        )
    else:
        checks.append(
            Check("nvlink", "skipped", "the SKU has no NVLink (or is not in the catalog)")
        )
    return checks


def _measure(
    gpu: int, measure: str, unit: str, value: float | None, spec: float | None, floor: float
) -> Measurement:
    percent = None if value is None or not spec else round(100.0 * value / spec, 1)
    status: Status = "info"
    if floor > 0 and value is not None:
        status = "skipped" if percent is None else ("pass" if percent >= floor else "fail")
    if floor > 0 and value is None:
        status = "fail"
    return Measurement(gpu, measure, unit, value, spec, percent, floor or None, status)


def measurements(facts: NodeFacts, expect: Expectations, bench: BenchResult) -> list[Measurement]:
    rows: list[Measurement] = []
    by_index = {g["index"]: g for g in facts["gpus"]}
    hbm = expect.hbm_spec_tbps * 1000.0 if expect.hbm_spec_tbps else None
    for result in bench.gpus:
        link = by_index[result.index]["pcie"] if result.index in by_index else None
        pcie = pcie_gbps(link["gen_max"], link["width_max"]) if link else None
        rows += [
            _measure(
                result.index,
                "bf16 matmul 8192^3",
                "TFLOP/s",
                result.bf16_tflops,
                expect.bf16_spec_tflops,
                expect.bf16_floor_pct,
            ),
            _measure(
                result.index,
                "device copy (r+w)",
                "GB/s",
                result.d2d_gbps,
                hbm,
                expect.hbm_floor_pct,
            ),
            _measure(
                result.index,
                "host-to-device (pinned)",
                "GB/s",
                result.h2d_gbps,
                None if pcie is None else round(pcie, 1),
                expect.h2d_floor_pct,
            ),
        ]
    return rows


def _perf_check(name: str, rows: list[Measurement], floor: float) -> Check:
    if not rows:
        return Check(name, "skipped", "not measured")

    def line(m: Measurement) -> str:
        value = "no figure" if m.value is None else f"{m.value:g} {m.unit}"
        if m.percent is None:
            return f"GPU {m.gpu} {value}"
        return f"GPU {m.gpu} {value} = {m.percent:.1f}% of {m.spec:g} (floor {floor:g}%)"

    failed = [m for m in rows if m.status == "fail"]
    if failed:
        return Check(name, "fail", ", ".join(line(m) for m in failed))
    if all(m.status == "skipped" for m in rows):
        return Check(
            name, "skipped", "no catalog figure for this GPU: " + ", ".join(map(line, rows))
        )
    return Check(name, "pass", ", ".join(line(m) for m in rows))


def _performance(
    facts: NodeFacts, expect: Expectations, bench: BenchResult | None
) -> tuple[list[Check], list[Measurement]]:
    names = ("bf16_matmul", "hbm_bandwidth")
    if bench is None:
        return [Check(n, "skipped", "benchmark not run") for n in names], []
    if bench.error or not bench.gpus:
        status: Status = "fail" if expect.bench_required else "skipped"
        why = f"benchmark did not run: {bench.error or 'no GPU measured'}"
        return [Check(n, status, why) for n in names], []
    rows = measurements(facts, expect, bench)
    checks = [
        _perf_check("bf16_matmul", [m for m in rows if m.unit == "TFLOP/s"], expect.bf16_floor_pct),
        _perf_check(
            "hbm_bandwidth",
            [m for m in rows if m.measure.startswith("device copy")],
            expect.hbm_floor_pct,
        ),
    ]
    if expect.h2d_floor_pct > 0:
        checks.append(
            _perf_check(
                "h2d_bandwidth",
                [m for m in rows if m.measure.startswith("host")],
                expect.h2d_floor_pct,
            )
        )
    measured = {g.index for g in bench.gpus}
    missing = [g["index"] for g in facts["gpus"] if g["index"] not in measured]
    if missing and expect.bench_required:
        checks.append(Check("benchmark", "fail", f"GPUs {missing} were not measured"))
    return checks, rows


def evaluate(facts: NodeFacts, expect: Expectations, bench: BenchResult | None = None) -> Verdict:
    """Judge a node. With no GPU readable at all, every GPU check fails on that one reason."""
    if facts["count"] == 0:
        why = "; ".join(facts["errors"]) or (
            "nvidia-smi not found (is the driver installed?)"
            if not facts["nvidia_smi"]
            else "nvidia-smi lists no GPU"
        )
        return Verdict((Check("gpus_readable", "fail", why),))
    checks = _health(facts, expect)
    perf, rows = _performance(facts, expect, bench)
    return Verdict(tuple(checks + perf), tuple(rows))
