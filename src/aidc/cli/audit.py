"""`aidc audit --target aws`: the policy catalog's rules against deployed resources."""

from __future__ import annotations

import argparse
import json

from aidc.cli.table import render


def cmd_audit(args: argparse.Namespace) -> int:
    import boto3

    from aidc.audit.aws import as_json, audit_aws, exit_code

    session = boto3.session.Session(region_name=args.region)
    findings = audit_aws(session, cluster=args.cluster, endpoint_url=args.endpoint_url)
    if args.json:
        print(json.dumps(as_json(findings), indent=2))
    elif findings:
        rows = [
            [f.rule_id, f.name, f.severity, f.enforcement, f.resource, f.message] for f in findings
        ]
        print(render(["rule", "name", "severity", "enforcement", "resource", "finding"], rows))
    else:
        print("no findings")
    return exit_code(findings)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser(
        "audit",
        help="check deployed resources against the policy rules (exit 3 if a mandatory one fails)",
    )
    audit.add_argument("--target", choices=["aws"], required=True)
    audit.add_argument("--endpoint-url", help="AWS API endpoint (e.g. a local moto server)")
    audit.add_argument("--region", default=None, help="AWS region (default: the SDK's)")
    audit.add_argument("--cluster", default=None, help="only resources tagged aidc:cluster=NAME")
    audit.add_argument("--json", action="store_true", help="print JSON")
    audit.set_defaults(func=cmd_audit)
