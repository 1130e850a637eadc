"""`python -m tests.bench.lynis [--stack lab] [--node gpu-2]`: the Lynis hardening index of one
lab node before and after aidc's roles. Prints figures; asserts nothing.

The node is replaced by a fresh one first (`pulumi destroy --target` that node's container, then
`pulumi up`: a stock node from the image; `--replace` would create the new container before
deleting the old one, which shares its state folder),
audited, configured with site.yml (`--limit` to that node), and audited again. Lynis comes from
Debian's package, installed in the node through the lab's apt proxy. Needs root and the stack up.
"""

from __future__ import annotations

import argparse
import re
import time

from aidc.cli.table import render
from aidc.configure import run_site
from aidc.engine import Stack
from aidc.inventory.contract import AwsOutputs, LabOutputs, parse_outputs
from tests.bench.remote import run_on

AUDIT = "lynis audit system --quick --no-colors"
INSTALL = "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends lynis"
# Per Lynis test: points it gave and points it could give, from its log.
DEFICITS = r"""awk '/Performing test ID/ {match($0, /test ID [A-Z]+-[0-9]+/); t = substr($0, RSTART + 8, RLENGTH - 8)}
/Hardening: assigned/ { if (match($0, /\(([0-9]+) of ([0-9]+)\)/)) { split(substr($0, RSTART + 1, RLENGTH - 2), a, " of "); got[t] += a[1]; max[t] += a[2] } }
END { for (k in max) if (max[k] > got[k]) printf "%s %d\n", k, max[k] - got[k] }' /var/log/lynis.log"""  # noqa: E501


def audit(outputs: LabOutputs | AwsOutputs, node: str) -> tuple[int, dict[str, int]]:
    run_on(outputs, node, INSTALL)
    report = run_on(outputs, node, AUDIT)
    match = re.search(r"Hardening index : (\d+)", report)
    if not match:
        raise SystemExit(f"no hardening index in Lynis' output:\n{report[-1000:]}")
    lost = {
        test: int(points)
        for test, points in (line.split() for line in run_on(outputs, node, DEFICITS).splitlines())
    }
    return int(match.group(1)), lost


def replace_with_stock_node(stack: Stack, hostname: str) -> LabOutputs | AwsOutputs:
    """Destroy one node's container and `up` again: a stock node from the image. Returns the
    stack's new outputs (the node's host key changed)."""
    urn = next(
        r["urn"] for r in stack.resources() if r["urn"].endswith(f"::lab-node-{hostname}-nspawn")
    )
    stack.destroy(target=[urn], target_dependents=True)
    stack.up()
    return parse_outputs(stack.outputs())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="lab")
    parser.add_argument("--node", default="gpu-2", help="a part of the node's name; no Ceph node")
    args = parser.parse_args()

    stack = Stack(args.stack)
    stack.ensure()
    node = next(n.name for n in parse_outputs(stack.outputs()).nodes if args.node in n.name)

    started = time.monotonic()
    outputs = replace_with_stock_node(stack, node)
    print(f"fresh {node}: {time.monotonic() - started:.1f} s", flush=True)
    before, lost_before = audit(outputs, node)
    print(f"lynis before: {before}", flush=True)

    started = time.monotonic()
    play = run_site(args.stack, "--limit", node, log_name="bench-lynis")
    if not play.ok:
        raise SystemExit(f"site.yml failed on {node}; see {play.log}")
    print(f"site.yml on {node}: {time.monotonic() - started:.1f} s", flush=True)
    after, lost_after = audit(outputs, node)

    print(
        render(["lynis hardening index", "value"], [["before", str(before)], ["after", str(after)]])
    )
    print("\npoints still lost after (Lynis test: points):")
    print(", ".join(f"{t} {p}" for t, p in sorted(lost_after.items(), key=lambda i: -i[1])))
    print("\npoints gained (Lynis test: points):")
    gained = {t: p - lost_after.get(t, 0) for t, p in lost_before.items()}
    print(", ".join(f"{t} +{p}" for t, p in sorted(gained.items(), key=lambda i: -i[1]) if p > 0))


if __name__ == "__main__":
    main()
