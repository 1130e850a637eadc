"""Generate the pack's README (policies/README.md) from the rule catalog:
`python -m aidc.policy.docs [--check] [PATH]`; --check exits 1 when PATH is stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aidc.engine import REPO
from aidc.policy.catalog import Catalog, load

README = REPO / "policies" / "README.md"

HEADER = """# aidc policies

Generated from `src/aidc/policy/rules.yaml` by `python -m aidc.policy.docs`; do not edit by
hand (`make lint` and `tests/unit/test_policy_catalog.py` fail when this file and the catalog
differ).

One catalog, used in three places: the CrossGuard pack (`pulumi preview --policy-pack
policies`), the runtime audit (`aidc audit --target aws`) and this page. A finding names the
rule ID in all three. The catalog and its validators live in the `aidc.policy` package; this
folder holds only the pack's shell (`PulumiPolicy.yaml`, `__main__.py`).

Rules judge any Pulumi program, not only aidc's: they recognise resources by what they are
and how they relate, never by a name or tag only aidc writes. A GPU or storage node is one by
its instance type (aidc's instance catalog, else the type's family); an EFA security group is
one that EFA interfaces or launch templates use; a subnet is public by a route to an internet
gateway; security group rules count alike inline, as `ec2.SecurityGroupRule` or as
`vpc.SecurityGroupIngressRule`/`EgressRule`; a bucket's settings resources are found by the
bucket they reference; an EFS or FSx file system is reached through the subnets and security
groups its mount targets (EFS) or its own interfaces (FSx) name, and an EFS file system
policy by the file system it references; secrets in user data by what they look like, also
inside base64, gzip or hex.

Enforcement is per rule: each rule is a policy named by its kebab-case name, so a policy config
file (`--policy-pack-config`) can set `{"<name>": "advisory" | "mandatory" | "disabled"}` or
`{"<name>": {"enforcementLevel": ..., <property>: ...}}`. Properties: `declared_egress_cidrs`
(no-world-egress-all-ports; the stack spec's `firewall.egress_cidrs` are always declared),
`allowed_instance_types` (allowed-instance-types; default: every type in aidc's instance
catalog), `max_gpus` and `gpus_per_instance_type` (gpu-budget; GPU counts come from aidc's
instance catalog, the property adds or overrides counts per type), `required_tags`
(required-tags).

Ceph pools are created by Ansible, not registered as Pulumi resources, so
`ceph-pool-replication` is a stack validation over the stack's `aidc:cluster` config, which the
CLI hands to the pack's process.
"""


def render(catalog: Catalog) -> str:
    lines = [
        HEADER,
        "| ID | name | severity | default | Checkov | Trivy |",
        "|---|---|---|---|---|---|",
    ]
    for r in catalog.rules:
        lines.append(
            f"| {r.id} | `{r.name}` | {r.severity} | {r.enforcement} | "
            f"{', '.join(r.checkov) or '-'} | {', '.join(r.trivy) or '-'} |"
        )
    lines.append("")
    for r in catalog.rules:
        lines += [f"## {r.id} {r.name}", "", f"Why: {r.rationale}", "", f"Fix: {r.remediation}", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m aidc.policy.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument(
        "path", nargs="?", type=Path, default=README, help="default: policies/README.md"
    )
    args = parser.parse_args(argv)
    readme: Path = args.path
    text = render(load())
    if args.check:
        if not readme.exists() or readme.read_text(encoding="utf-8") != text:
            print(f"{readme} is out of date: run python -m aidc.policy.docs", file=sys.stderr)
            return 1
        return 0
    readme.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
