"""`gpu-check` (`make gpu-check`, scripts/gpu-check.sh): judge this machine's NVIDIA GPUs with
plain Python, PyTorch and nvidia-smi; no Ansible.

It runs the micro-benchmark first (so the GPUs are still in their working P-state when it
reads them), then nvidia-smi (and NVML where pynvml is installed), then the same acceptance
gate the gpu_validate role applies, and prints a record: each figure with its catalog spec,
percent of spec, floor and result, each health check, the node's result and the wall time.

Exit status: 0 pass, 1 fail, 2 no NVIDIA GPU on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aidc.cli.table import render
from aidc.gpu import bench as benchmod
from aidc.gpu import gate
from aidc.gpu.bench import BenchResult
from aidc.gpu.nvidia_smi import NodeFacts, gather, pci_devices

EXIT_PASS, EXIT_FAIL, EXIT_NO_GPU = 0, 1, 2
MICROBENCH = Path(__file__).with_name("microbench.py")
# Where drivers put nvidia-smi when it is not on PATH (the H200 fixture: /usr/local/nvidia).
NVIDIA_SMI_DIRS = ("/usr/bin", "/usr/local/nvidia/bin", "/usr/local/bin")
BENCH_TIMEOUT_S = 300
SMI_TIMEOUT_S = 60


@dataclass
class Record:
    host: str
    sku: str | None
    facts: NodeFacts
    verdict: gate.Verdict
    bench: BenchResult | None
    wall_s: float

    @property
    def result(self) -> str:
        return self.verdict.result

    def to_dict(self) -> dict[str, Any]:
        first = self.facts["gpus"][0] if self.facts["gpus"] else None
        return {
            "host": self.host,
            "sku": self.sku,
            "gpu_name": first["name"] if first else None,
            "gpus": self.facts["count"],
            "driver_version": self.facts["driver_version"],
            "cuda_version": self.facts["cuda_version"],
            "torch_version": self.bench.torch_version if self.bench else None,
            "wall_s": round(self.wall_s, 1),
            **self.verdict.to_dict(),
        }


def _fmt(value: float | None, suffix: str = "", spec: str = ".1f") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def format_record(record: Record) -> str:
    data = record.to_dict()
    head = (
        f"aidc gpu-check on {record.host}: {data['gpus']}x {data['gpu_name'] or '?'} "
        f"({record.sku or 'SKU not in the catalog'}), driver {data['driver_version'] or '?'}, "
        f"CUDA {data['cuda_version'] or '?'}, torch {data['torch_version'] or '-'}"
    )
    lines = [head, ""]
    if record.verdict.measurements:
        rows = [
            [
                m.gpu,
                m.measure,
                f"{_fmt(m.value)} {m.unit}",
                _fmt(m.spec, spec="g"),
                _fmt(m.percent, "%"),
                _fmt(m.floor_pct, "%", "g"),
                m.status,
            ]
            for m in record.verdict.measurements
        ]
        headers = ["gpu", "measure", "value", "spec", "% of spec", "floor", "result"]
        lines += [render(headers, rows), ""]
    checks = [[c.name, c.status, c.detail] for c in record.verdict.checks]
    lines += [render(["check", "result", "detail"], checks), ""]
    lines.append(f"result: {record.result}")
    lines.append(f"wall time: {record.wall_s:.1f} s")
    return "\n".join(lines)


def find_nvidia_smi(explicit: str | None = None) -> str | None:
    if explicit:
        return explicit if Path(explicit).is_file() else None
    found = shutil.which("nvidia-smi")
    if found:
        return found
    for folder in NVIDIA_SMI_DIRS:
        candidate = Path(folder) / "nvidia-smi"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def run_command(argv: list[str]) -> tuple[int, str, str]:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=SMI_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, "", str(exc)
    return done.returncode, done.stdout, done.stderr


def run_bench(python: str, gpus: str) -> BenchResult:
    argv = [python, str(MICROBENCH), "--gpus", gpus]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return benchmod.failed(f"{' '.join(argv)}: {exc}")
    try:
        result = benchmod.parse(done.stdout)
    except ValueError as exc:
        tail = (done.stderr or done.stdout).strip()[-400:]
        return benchmod.failed(f"exited {done.returncode}: {tail or exc}")
    return result


def _load_nvml() -> Any:
    try:
        import pynvml  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return pynvml


def collect(args: argparse.Namespace) -> NodeFacts:
    if args.smi_xml:
        xml = Path(args.smi_xml).read_text(encoding="utf-8")

        def recorded(argv: list[str]) -> tuple[int, str, str]:
            return (0, xml, "") if "-q" in argv else (1, "", "recorded run: no nvlink")

        return gather(recorded, args.smi_xml, args.sysfs)
    return gather(run_command, find_nvidia_smi(args.nvidia_smi), args.sysfs, nvml=_load_nvml())


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gpu-check", description=__doc__.split("\n\n")[0])
    p.add_argument("--sku", help="catalog SKU (default: the one nvidia-smi's product name is)")
    p.add_argument("--expect-gpus", type=int, default=0, help="GPUs this node must have")
    p.add_argument("--expect-mig", choices=["disabled", "enabled", "any"], default="disabled")
    p.add_argument("--bf16-floor", type=float, default=gate.DEFAULT_BF16_FLOOR_PCT)
    p.add_argument("--hbm-floor", type=float, default=gate.DEFAULT_HBM_FLOOR_PCT)
    p.add_argument("--h2d-floor", type=float, default=0.0, help="0: report only")
    p.add_argument("--gpus", default="all", help="GPUs to benchmark: all or 0,1,...")
    p.add_argument(
        "--python",
        default=os.environ.get("GPU_CHECK_PYTHON") or sys.executable,
        help="Python with PyTorch for the benchmark (env GPU_CHECK_PYTHON)",
    )
    p.add_argument("--no-bench", action="store_true", help="health checks only")
    p.add_argument("--json", metavar="FILE", help="also write the record as JSON")
    p.add_argument("--nvidia-smi", help="path of nvidia-smi (default: PATH, driver folders)")
    p.add_argument("--sysfs", default="/sys", help=argparse.SUPPRESS)
    p.add_argument("--smi-xml", help="read a recorded `nvidia-smi -q -x` instead (tests)")
    p.add_argument("--bench-result", help="read a recorded benchmark output instead (tests)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.monotonic()
    if not args.smi_xml and find_nvidia_smi(args.nvidia_smi) is None:
        on_bus = pci_devices(args.sysfs)["gpus"]
        if on_bus:
            print(
                f"gpu-check: {len(on_bus)} NVIDIA GPU(s) on the PCI bus ({', '.join(on_bus)}) "
                "but no nvidia-smi: the NVIDIA driver is not installed",
                file=sys.stderr,
            )
            return EXIT_FAIL
        print(
            "gpu-check: no NVIDIA GPU: none on the PCI bus "
            f"({args.sysfs}/bus/pci/devices, vendor 0x10de) and no nvidia-smi on PATH",
            file=sys.stderr,
        )
        return EXIT_NO_GPU
    bench: BenchResult | None = None
    if args.bench_result:
        bench = benchmod.parse(Path(args.bench_result).read_text(encoding="utf-8"))
    elif not args.no_bench:
        bench = run_bench(args.python, args.gpus)
    facts = collect(args)
    expect = gate.expectations_for(
        facts,
        sku=args.sku,
        expected_count=args.expect_gpus,
        expected_mig={"disabled": False, "enabled": True, "any": None}[args.expect_mig],
        bf16_floor_pct=args.bf16_floor,
        hbm_floor_pct=args.hbm_floor,
        h2d_floor_pct=args.h2d_floor,
        bench_required=not args.no_bench,
    )
    verdict = gate.evaluate(facts, expect, bench)
    record = Record(
        host=socket.gethostname(),
        sku=expect.sku,
        facts=facts,
        verdict=verdict,
        bench=bench,
        wall_s=time.monotonic() - started,
    )
    print(format_record(record))
    if args.json:
        Path(args.json).write_text(json.dumps(record.to_dict(), indent=2) + "\n", "utf-8")
    return EXIT_PASS if verdict.result == "pass" else EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
