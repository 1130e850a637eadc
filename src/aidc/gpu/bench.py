"""Results of the PyTorch micro-benchmark (`aidc.gpu.microbench`): its JSON, or the text
it prints for people (the format of fixtures/gpu/h200/torch-microbench.txt)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

_METRICS = {
    "bf16_tflops": re.compile(r"^bf16 TFLOPs\s+([0-9.]+)$"),
    "fp16_tflops": re.compile(r"^fp16 TFLOPs\s+([0-9.]+)$"),
    "tf32_tflops": re.compile(r"^tf32 TFLOPs\s+([0-9.]+)$"),
    "d2d_gbps": re.compile(r"^d2d GB/s \(r\+w\)\s+([0-9.]+)$"),
    "h2d_gbps": re.compile(r"^h2d GB/s\s+([0-9.]+)$"),
}
_GPU_HEADER = re.compile(r"^(?:GPU\s+(\d+)\s+)?(\S+)\s+(.+)$")


@dataclass(frozen=True)
class GpuBench:
    """One GPU's figures: dense bf16 matmul, device copy (bytes read + written), pinned
    host-to-device copy; GB are 10^9 bytes."""

    index: int
    name: str
    bf16_tflops: float | None = None
    d2d_gbps: float | None = None
    h2d_gbps: float | None = None
    fp16_tflops: float | None = None
    tf32_tflops: float | None = None


@dataclass(frozen=True)
class BenchResult:
    gpus: tuple[GpuBench, ...]
    torch_version: str | None = None
    seconds: float | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["gpus"] = [asdict(g) for g in self.gpus]
        return data


def failed(error: str) -> BenchResult:
    return BenchResult(gpus=(), error=error)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def from_dict(data: dict[str, Any]) -> BenchResult:
    """The result from the benchmark's JSON (`microbench.py --json`)."""
    if data.get("error"):
        return failed(str(data["error"]))
    gpus = tuple(
        GpuBench(
            index=int(g["index"]),
            name=str(g.get("name", "")),
            bf16_tflops=_float(g.get("bf16_tflops")),
            d2d_gbps=_float(g.get("d2d_gbps")),
            h2d_gbps=_float(g.get("h2d_gbps")),
            fp16_tflops=_float(g.get("fp16_tflops")),
            tf32_tflops=_float(g.get("tf32_tflops")),
        )
        for g in data.get("gpus", [])
    )
    return BenchResult(
        gpus=gpus,
        torch_version=data.get("torch"),
        seconds=_float(data.get("seconds")),
    )


def parse_text(text: str) -> BenchResult:
    """The result from the benchmark's text: a `<torch> <GPU name>` line (optionally
    `GPU <i> <torch> <name>`) then one `<metric> <value>` line per figure."""
    blocks: list[dict[str, Any]] = []
    torch_version: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        for key, pattern in _METRICS.items():
            match = pattern.match(line)
            if match:
                if not blocks:
                    raise ValueError(f"benchmark text: {line!r} before any GPU line")
                blocks[-1][key] = float(match.group(1))
                break
        else:
            header = _GPU_HEADER.match(line)
            if not header:
                raise ValueError(f"benchmark text: cannot read {line!r}")
            torch_version = header.group(2)
            index = int(header.group(1)) if header.group(1) else len(blocks)
            blocks.append({"index": index, "name": header.group(3)})
    if not blocks:
        raise ValueError("benchmark text: no GPU in it")
    for block in blocks:
        if not set(block) & set(_METRICS):
            raise ValueError(f"benchmark text: no figure after {block['name']!r}")
    return BenchResult(gpus=tuple(GpuBench(**b) for b in blocks), torch_version=torch_version)


def parse(text: str) -> BenchResult:
    """JSON or text, whichever the benchmark printed."""
    stripped = text.strip()
    if stripped.startswith("{"):
        data = json.loads(stripped)
        if not isinstance(data, dict):
            raise ValueError("benchmark JSON: expected an object")
        return from_dict(data)
    return parse_text(stripped)
