"""`make bench-lab`: wall times of the lab's phases through Pulumi's engine and Ansible, and
node memory. Prints figures; asserts nothing about time.

Needs root, like the lab. It uses the `lab` stack and destroys it at the end, so run it when
no lab of yours is up.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from aidc.cli.table import render
from aidc.configure import PlayResult, run_site
from aidc.engine import Stack
from aidc.inventory.contract import parse_outputs
from aidc.report import build_report
from aidc.spec import load_file
from aidc.targets.lab.components import IMAGE_PACKAGES
from aidc.targets.lab.ops import image, node, paths

# `python -m tests.bench.lab [STACK]`: another stack (its own stacks/Pulumi.<stack>.yaml with
# another network) lets the bench run beside a lab that is up.
STACK = sys.argv[1] if len(sys.argv) > 1 else "lab"
T = TypeVar("T")


class Bench:
    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.seconds: dict[str, float] = {}

    def time(self, label: str, action: Callable[[], T]) -> T:
        started = time.monotonic()
        result = action()
        self.seconds[label] = time.monotonic() - started
        self.rows.append([label, f"{self.seconds[label]:.1f}"])
        print(f"  {label}: {self.seconds[label]:.1f} s", flush=True)
        return result


def configure(*extra: str) -> PlayResult:
    result = run_site(STACK, *extra, log_name="bench")
    if not result.ok:
        raise SystemExit(f"ansible-playbook failed; see {result.log}")
    return result


def main() -> None:
    cluster, _ = load_file(Path("stacks") / f"Pulumi.{STACK}.yaml")
    stack = Stack(STACK)
    stack.ensure()
    bench = Bench()
    print("bench-lab", flush=True)
    with tempfile.TemporaryDirectory(dir=paths.lab_root()) as scratch:
        # A cold build into a scratch folder, so the shared image cache stays warm.
        bench.time(
            f"image build, cold ({cluster.lab.suite})",
            lambda: image.build_image(cluster.lab.suite, IMAGE_PACKAGES, Path(scratch)),
        )
    bench.time("pulumi up, 6 nodes, warm image", stack.up)
    first = bench.time("ansible site.yml, first run (6 nodes)", configure)
    second = bench.time("ansible site.yml, second run", configure)
    outputs = parse_outputs(stack.outputs())
    bench.time("report", lambda: build_report(STACK, outputs, {}))
    memory = [
        node.node_memory_bytes(paths.node_dir(STACK, n.name), peak=True) for n in outputs.nodes
    ]
    bench.time("pulumi up, no changes", lambda: stack.up(expect_no_changes=True))
    bench.time("pulumi destroy", stack.destroy)
    bench.time("pulumi up again (for the 1-node run)", stack.up)
    login = f"{cluster.name}-{cluster.pools[0].name}-1"
    bench.time("ansible site.yml, first run (1 node)", lambda: configure("--limit", login))
    bench.time("pulumi destroy ", stack.destroy)

    s = bench.seconds
    warm_lab = (
        s["pulumi up, 6 nodes, warm image"]
        + s["ansible site.yml, first run (6 nodes)"]
        + s["report"]
    )
    print()
    print(render(["phase", "wall s"], bench.rows))
    print()
    print(f"make lab, warm image (up + configure + report): {warm_lab:.1f} s")
    print(
        f"ansible second/first: {s['ansible site.yml, second run']:.1f} / "
        f"{s['ansible site.yml, first run (6 nodes)']:.1f} s = "
        f"{s['ansible site.yml, second run'] / s['ansible site.yml, first run (6 nodes)']:.0%}"
        f" (changed: first {first.total_changed}, second {second.total_changed})"
    )
    six, one = s["ansible site.yml, first run (6 nodes)"], s["ansible site.yml, first run (1 node)"]
    print(f"configure 6 nodes / 1 node: {six:.1f} / {one:.1f} s = {six / one:.2f}x")
    known = [m for m in memory if m is not None]
    if known:
        print(
            f"node memory peak: {len(known)} nodes, total {sum(known) / 2**20:.0f} MiB, "
            f"largest {max(known) / 2**20:.0f} MiB (cgroup peak incl. page cache)"
        )
    else:
        print("node memory: no memory cgroup readings on this host")


if __name__ == "__main__":
    main()
