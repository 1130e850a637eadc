#!/usr/bin/env python3
"""PyTorch micro-benchmark of each visible GPU: dense bf16 matmul, device-to-device copy,
pinned host-to-device copy. Prints JSON (default) or text like torch-microbench.txt.

Self-contained (standard library and torch only): the collection build ships this file as
the aidc.cluster.gpu_validate role's files/microbench.py, which the role runs on a node with
the node's Python, and gpu-check runs it as a script with the Python that has torch.
Method, as in the H200 fixture: mean of `--iters` runs after `--warmup` runs, timed with
CUDA events; copies count bytes read + written (device) or bytes moved (host-to-device),
1 GB = 10^9 bytes.

Exit status: 0 measured, 3 torch or CUDA not usable (the JSON then carries `error`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

NO_TORCH = 3


def _timed_ms(torch: Any, device: Any, step: Any, warmup: int, iters: int) -> float:
    with torch.cuda.device(device):
        for _ in range(warmup):
            step()
        torch.cuda.synchronize(device)
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iters):
            step()
        end.record()
        end.synchronize()
        return float(start.elapsed_time(end)) / iters


def _matmul_tflops(torch: Any, device: Any, args: argparse.Namespace) -> float:
    n = args.size
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)

    def step() -> None:
        torch.matmul(a, b)

    ms = _timed_ms(torch, device, step, args.warmup, args.iters)
    return float(2.0 * n**3 / (ms / 1e3) / 1e12)


def _d2d_gbps(torch: Any, device: Any, args: argparse.Namespace) -> float:
    nbytes = args.copy_mib << 20
    src = torch.empty(nbytes, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)

    def step() -> None:
        dst.copy_(src)

    ms = _timed_ms(torch, device, step, args.warmup, args.iters)
    return float(2.0 * nbytes / (ms / 1e3) / 1e9)


def _h2d_gbps(torch: Any, device: Any, args: argparse.Namespace) -> float:
    nbytes = args.h2d_mib << 20
    host = torch.empty(nbytes, dtype=torch.uint8, pin_memory=True)
    target = torch.empty(nbytes, dtype=torch.uint8, device=device)

    def step() -> None:
        target.copy_(host, non_blocking=True)

    ms = _timed_ms(torch, device, step, args.warmup, args.iters)
    return float(nbytes / (ms / 1e3) / 1e9)


def measure(torch: Any, index: int, args: argparse.Namespace) -> dict[str, Any]:
    """One GPU's figures; each test frees its buffers before the next allocates."""
    device = torch.device("cuda", index)
    figures = {
        "bf16_tflops": _matmul_tflops(torch, device, args),
        "d2d_gbps": _d2d_gbps(torch, device, args),
        "h2d_gbps": _h2d_gbps(torch, device, args),
    }
    torch.cuda.empty_cache()
    return {
        "index": index,
        "name": torch.cuda.get_device_name(index),
        **{k: round(v, 1) for k, v in figures.items()},
    }


def _text(result: dict[str, Any]) -> str:
    lines = []
    for gpu in result["gpus"]:
        lines += [
            f"GPU {gpu['index']} {result['torch']} {gpu['name']}",
            f"bf16 TFLOPs {gpu['bf16_tflops']}",
            f"d2d GB/s (r+w) {gpu['d2d_gbps']}",
            f"h2d GB/s {gpu['h2d_gbps']}",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpus", default="all", help="'all' or indexes: 0,1,...")
    parser.add_argument("--size", type=int, default=8192, help="matmul size n (n x n x n)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--copy-mib", type=int, default=2048, help="device copy size, MiB")
    parser.add_argument("--h2d-mib", type=int, default=1024, help="host-to-device size, MiB")
    parser.add_argument("--text", action="store_true", help="text instead of JSON")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        import torch  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        print(json.dumps({"error": f"torch not importable by {sys.executable}: {exc}"}))
        return NO_TORCH
    if not torch.cuda.is_available():
        print(json.dumps({"error": f"torch {torch.__version__} sees no CUDA device"}))
        return NO_TORCH
    count = torch.cuda.device_count()
    indexes = list(range(count)) if args.gpus == "all" else [int(i) for i in args.gpus.split(",")]
    torch.backends.cuda.matmul.allow_tf32 = False
    result = {
        "torch": torch.__version__,
        "gpus": [measure(torch, i, args) for i in indexes],
        "seconds": round(time.monotonic() - started, 1),
    }
    print(_text(result) if args.text else json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
