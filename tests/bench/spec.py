"""`python -m tests.bench.spec`: what `aidc validate` costs on hostile files, beside a normal
spec.

Each file is written once, then validated in a fresh subprocess per run: wall time of
`aidc validate FILE` (reading, bounds, models, rules, printing the problems) and peak memory
(max RSS above the RSS after imports). The files: the aws-p5 example stack, a 1 KB alias bomb
(ten levels of ten aliases: ten billion strings if expanded), a merge-key bomb, 100,000 nested
lists, a 10 MB file, 20,000 duplicate keys, a 900 KB scalar and 60,000 small values. Prints the
figures and the first problem line of each; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aidc.cli.table import render

REPEATS = 3
STACKS = Path(__file__).resolve().parents[2] / "stacks"


def normal() -> str:
    return (STACKS / "Pulumi.aws-p5.yaml").read_text(encoding="utf-8")


def alias_bomb() -> str:
    lines = [f"laugh0: &laugh0 [{', '.join(['lol'] * 10)}]"]
    lines += [f"laugh{i}: &laugh{i} [{', '.join([f'*laugh{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def merge_bomb() -> str:
    lines = ["m0: &m0 {k: v}"]
    lines += [
        f"m{i}: &m{i} {{<<: *m{i - 1}, a: *m{i - 1}, b: *m{i - 1}, c: *m{i - 1}}}"
        for i in range(1, 30)
    ]
    return "\n".join(lines) + "\n"


def deep() -> str:
    return "name: " + "[" * 100_000 + "]" * 100_000 + "\n"


def ten_mb() -> str:
    line = "# " + "x" * 98 + "\n"
    return normal() + line * (10 * 1024 * 1024 // len(line))


def duplicate_keys() -> str:
    return "name: lab\n" + "".join(f"target: lab{i}\n" for i in range(20_000))


def huge_scalar() -> str:
    return "name: " + "x" * 900_000 + "\n"


def many_values() -> str:
    return "tags: [" + ", ".join(["1"] * 60_000) + "]\n"


CASES: dict[str, Callable[[], str]] = {
    "normal spec (aws-p5)": normal,
    "1 KB alias bomb": alias_bomb,
    "merge-key bomb": merge_bomb,
    "100,000 nested lists": deep,
    "10 MB file": ten_mb,
    "20,000 duplicate keys": duplicate_keys,
    "900 KB scalar": huge_scalar,
    "60,000 values": many_values,
}


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(path: str) -> dict[str, Any]:
    """One `aidc validate`, in this (fresh) process."""
    from aidc.cli.main import main

    base = _rss_kib()
    err = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", path])
    seconds = time.perf_counter() - started
    lines = err.getvalue().splitlines()
    first = lines[0].removeprefix(path) if lines else ""
    return {
        "seconds": seconds,
        "peak_mib": (_rss_kib() - base) / 1024,
        "exit": code,
        "lines": len(lines),
        "first": first,
    }


def _run_child(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.spec", "--child", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(path: Path) -> dict[str, Any]:
    runs = [_run_child(path) for _ in range(REPEATS)]
    best = dict(runs[0])
    best["seconds"] = min(r["seconds"] for r in runs)
    best["peak_mib"] = statistics.median(r["peak_mib"] for r in runs)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", metavar="FILE")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    print(
        f"bench-spec: aidc validate per file; best wall time of {REPEATS} fresh processes, "
        "median peak RSS growth"
    )
    rows = []
    firsts = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in CASES.items():
            path = Path(tmp) / "spec.yaml"
            path.write_text(make(), encoding="utf-8")
            size = path.stat().st_size
            result = measure(path)
            rows.append(
                [
                    name,
                    f"{size:,}",
                    f"{result['seconds'] * 1000:.1f}",
                    f"{result['peak_mib']:.1f}",
                    result["exit"],
                    result["lines"],
                ]
            )
            firsts.append(f"{name}: FILE{result['first'][:150]}")
    print(render(["file", "bytes", "wall ms", "peak MiB", "exit", "problems"], rows))
    print()
    print("first problem of each:")
    print("\n".join(firsts))


if __name__ == "__main__":
    main()
