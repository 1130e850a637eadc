"""Benchmark: the pack's validators over 10,000 registered resources (goal <= 2 s).

Runs the aws-p5 example under Pulumi's mocks once, replicates its registrations (renamed, so
stack rules see 10,000 distinct resources), then times `aidc.policy.registry.evaluate`.
    .venv/bin/python -m tests.bench.policies [N]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from aidc.policy.registry import Res, evaluate, load_all
from aidc.spec import load_file
from tests.unit.aws_mocks import run_cluster

ROOT = Path(__file__).resolve().parents[2]


def resources(n: int) -> list[Res]:
    cluster, _ = load_file(ROOT / "stacks" / "Pulumi.aws-p5.yaml")
    base = [Res(r.type, r.name, r.inputs, r.urn) for r in run_cluster(cluster).resources]
    out: list[Res] = []
    copy = 0
    while len(out) < n:
        out += [Res(r.type, f"c{copy}-{r.name}", r.props, f"{r.urn}-c{copy}") for r in base]
        copy += 1
    return out[:n]


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 10_000
    items = resources(n)
    load_all()
    evaluate(items[:100])  # warm imports and caches
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        findings = evaluate(items, {"max_gpus": 10**9})
        best = min(best, time.perf_counter() - start)
    print(f"resources: {n}")
    print(f"findings: {len(findings)}")
    print(f"wall time (best of 3): {best:.3f} s")
    print(f"resources/s: {n / best:,.0f}")
    print(f"goal <= 2 s: {'met' if best <= 2 else 'MISSED'}")
    return 0 if best <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
