"""Generate policies/README.md from the catalog: `python -m policies.docs [--check]`."""

from __future__ import annotations

import sys
from pathlib import Path

from policies.catalog import Catalog, load

README = Path(__file__).with_name("README.md")

HEADER = """# aidc policies

Generated from `policies/rules.yaml` by `python -m policies.docs`; do not edit by hand
(`tests/unit/test_policy_catalog.py` fails when this file and the catalog differ).

One catalog, used in three places: the CrossGuard pack (`pulumi preview --policy-pack
policies`), the runtime audit (`aidc audit --target aws`) and this page. A finding names the
rule ID in all three.

Enforcement is per rule: each rule is a policy named by its kebab-case name, so a policy config
file (`--policy-pack-config`) can set `{"<name>": "advisory" | "mandatory" | "disabled"}` or
`{"<name>": {"enforcementLevel": ..., <property>: ...}}`. Properties: `declared_egress_cidrs`
(no-world-egress-all-ports; the stack spec's `firewall.egress_cidrs` are always declared),
`allowed_instance_types` (allowed-instance-types), `max_gpus` and `gpus_per_instance_type`
(gpu-budget), `required_tags` (required-tags).

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
    text = render(load())
    if "--check" in argv:
        if not README.exists() or README.read_text() != text:
            print(f"{README} is out of date: run python -m policies.docs", file=sys.stderr)
            return 1
        return 0
    README.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
