"""Benchmark: the pack's rules over 10,000 registered resources (goal <= 2 s).

Runs the aws-p5 example under Pulumi's mocks once and takes its registrations as the pack sees
them at preview (inputs, unknown ids, property dependencies), then replicates them: each copy's
URNs, dependencies and identifying values (bucket and resource names) are its own, so rules
that relate resources resolve within a copy, as in 10,000 resources of distinct clusters.
Times `aidc.policy.registry.evaluate`; a compliant example must give no finding.
    .venv/bin/python -m tests.bench.policies [N]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aidc.policy.model import IDENTITY_PROPS
from aidc.policy.registry import Res, evaluate, load_all
from aidc.program import build
from aidc.spec import load_file
from tests.policy_corpus.harness import record, view

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "stacks" / "Pulumi.aws-p5.yaml"


def _renamed(value: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {k: _renamed(v, rename) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, rename) for v in value]
    return rename(value) if isinstance(value, str) else value


def resources(n: int) -> tuple[list[Res], int, dict[str, Any]]:
    """n resources (copies of the example's registrations; the last may be cut short), how
    many of them make whole copies, and the policy settings."""
    cluster, _ = load_file(STACK)
    base = view(record(lambda: build(cluster)), "preview")
    names = {v for r in base for k in IDENTITY_PROPS if isinstance(v := r.props.get(k), str) and v}
    out: list[Res] = []
    copy = 0
    while len(out) < n:
        suffix = f"-c{copy}"

        def rename(s: str, suffix: str = suffix) -> str:
            return s + suffix if s in names else s

        out += [
            Res(
                r.type,
                f"{r.name}{suffix}",
                _renamed(r.props, rename),
                f"{r.urn}{suffix}",
                "",
                {k: tuple(u + suffix for u in v) for k, v in r.deps.items()},
                f"{r.provider}{suffix}" if r.provider else "",
            )
            for r in base
        ]
        copy += 1
    doc = json.loads(json.dumps(cluster.model_dump(mode="json")))
    whole = min(n, len(out) - len(base)) if len(out) > n else n
    return out[:n], whole, {"max_gpus": 10**9, "aidc:cluster": doc}


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 10_000
    items, whole, cfg = resources(n)
    load_all()
    # Whole copies of a compliant example are clean (a copy cut short lacks what it refers to).
    wrong = evaluate(items[:whole], cfg)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        findings = evaluate(items, cfg)
        best = min(best, time.perf_counter() - start)
    print(f"resources: {n}")
    print(f"findings: {len(findings)} ({len(wrong)} in whole copies of the clean example)")
    for f in wrong[:5]:
        print(f"  {f}")
    print(f"wall time (best of 3): {best:.3f} s")
    print(f"resources/s: {n / best:,.0f}")
    print(f"goal <= 2 s: {'met' if best <= 2 else 'MISSED'}")
    return 0 if best <= 2 and not wrong else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
