"""`python -m tests.bench.aws`: how the aws program scales under Pulumi's mocks.

For 16, 128 and 1,024 p5.48xlarge nodes (one EFA GPU pool), each measurement in a fresh
subprocess: wall time of the program's evaluation (every registration answered, every output
resolved), resources registered, and peak memory (max RSS above the RSS after imports). The
same for a bare program that registers as many resources of the same types with minimal inputs
and no components: the SDK's own floor. Prints the figures, ours/bare per size and
time(1,024)/time(128). Asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pulumi

from aidc.cli.table import render
from aidc.spec import Cluster, load_spec
from tests.unit.aws_mocks import run_program

SIZES = (16, 128, 1024)
REPEATS = 3
GOAL_RATIO = 1.2
GOAL_SCALING = 9.0


def bench_spec(nodes: int) -> Cluster:
    cluster, _ = load_spec(
        {
            "name": "bench",
            "target": "aws",
            "region": "us-east-1",
            "networks": [
                {
                    "name": "vpc",
                    "cidr": "10.0.0.0/16",
                    "subnets": [
                        {"name": "private-a", "cidr": "10.0.0.0/18", "zone": "us-east-1a"},
                        {
                            "name": "public-a",
                            "cidr": "10.0.240.0/24",
                            "zone": "us-east-1a",
                            "public": True,
                        },
                    ],
                }
            ],
            "pools": [
                {
                    "name": "gpu",
                    "roles": ["gpu"],
                    "count": nodes,
                    "instance_type": "p5.48xlarge",
                    "efa": True,
                }
            ],
            "firewall": {"admin_cidrs": ["203.0.113.0/24"]},
            "monitoring": {"enabled": False},
            "tags": {"project": "aidc-bench"},
        }
    )
    return cluster


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def ours(nodes: int) -> Callable[[], None]:
    from aidc.program import build

    # The program imports its target's components on first use; import them before the clock
    # starts, as the bare program imports pulumi_aws before it.
    importlib.import_module("aidc.targets.aws.cluster")

    cluster = bench_spec(nodes)
    return lambda: build(cluster)


def _floor_types() -> dict[str, tuple[type[pulumi.CustomResource], dict[str, Any]]]:
    """Each type the bench spec makes: its pulumi_aws class and its required inputs only."""
    import pulumi_aws as aws

    return {
        "aws:ec2/vpc:Vpc": (aws.ec2.Vpc, {}),
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (aws.ec2.DefaultSecurityGroup, {}),
        "aws:ec2/subnet:Subnet": (aws.ec2.Subnet, {"vpc_id": "vpc-1"}),
        "aws:ec2/internetGateway:InternetGateway": (aws.ec2.InternetGateway, {}),
        "aws:ec2/eip:Eip": (aws.ec2.Eip, {}),
        "aws:ec2/natGateway:NatGateway": (aws.ec2.NatGateway, {}),
        "aws:ec2/routeTable:RouteTable": (aws.ec2.RouteTable, {"vpc_id": "vpc-1"}),
        "aws:ec2/route:Route": (aws.ec2.Route, {"route_table_id": "rtb-1"}),
        "aws:ec2/routeTableAssociation:RouteTableAssociation": (
            aws.ec2.RouteTableAssociation,
            {"route_table_id": "rtb-1"},
        ),
        "aws:ec2/vpcEndpoint:VpcEndpoint": (
            aws.ec2.VpcEndpoint,
            {"service_name": "com.amazonaws.us-east-1.s3", "vpc_id": "vpc-1"},
        ),
        "aws:cloudwatch/logGroup:LogGroup": (aws.cloudwatch.LogGroup, {}),
        "aws:iam/role:Role": (aws.iam.Role, {"assume_role_policy": "{}"}),
        "aws:iam/rolePolicy:RolePolicy": (aws.iam.RolePolicy, {"policy": "{}", "role": "r"}),
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
            aws.iam.RolePolicyAttachment,
            {"policy_arn": "arn:aws:iam::aws:policy/p", "role": "r"},
        ),
        "aws:iam/instanceProfile:InstanceProfile": (aws.iam.InstanceProfile, {}),
        "aws:ec2/flowLog:FlowLog": (aws.ec2.FlowLog, {}),
        "aws:ec2/securityGroup:SecurityGroup": (aws.ec2.SecurityGroup, {}),
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
            aws.vpc.SecurityGroupIngressRule,
            {"ip_protocol": "-1", "security_group_id": "sg-1"},
        ),
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
            aws.vpc.SecurityGroupEgressRule,
            {"ip_protocol": "-1", "security_group_id": "sg-1"},
        ),
        "aws:ec2/placementGroup:PlacementGroup": (aws.ec2.PlacementGroup, {"strategy": "cluster"}),
        "aws:ec2/launchTemplate:LaunchTemplate": (aws.ec2.LaunchTemplate, {}),
        "aws:ec2/instance:Instance": (aws.ec2.Instance, {}),
    }


def bare(types: dict[str, int]) -> Callable[[], None]:
    """The SDK's floor: as many resources of each type as ours registers, through the same
    pulumi_aws classes, with required inputs only: no parent, no component, no output of one
    resource passed to another, no stack output."""
    table = _floor_types()

    def program() -> None:
        for typ, count in types.items():
            if typ not in table:
                raise SystemExit(f"bench: no floor entry for {typ}; add one to _floor_types")
            kind, inputs = table[typ]
            for i in range(count):
                kind(f"r{i}", **inputs)

    return program


def preload() -> None:
    """Import what either program touches, so neither run is charged for imports (pulumi_aws
    loads each module on first use, and ec2 alone takes a good fraction of a second)."""
    import pulumi_aws as aws

    for module in ("autoscaling", "cloudwatch", "ebs", "ec2", "iam", "s3", "ssm", "vpc"):
        # Lazy modules load on the first attribute that is not introspection.
        getattr(getattr(aws, module), "config", None)


def child(kind: str, arg: str) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    preload()
    program = ours(int(arg)) if kind == "ours" else bare(json.loads(arg))
    base = _rss_kib()
    started, cpu_started = time.perf_counter(), time.process_time()
    run = run_program(program)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # Provider resources are the engine's business; bare lets the default provider stand in.
    types = Counter(r.type for r in run.custom if not r.type.startswith("pulumi:providers:"))
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "resources": len(run.resources),
        "peak_mib": (_rss_kib() - base) / 1024,
        "types": dict(types),
    }


def _run_child(kind: str, arg: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.aws", "--child", kind, arg],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run is the one least disturbed by the rest of the machine; memory does not
    depend on that, so its median is reported."""
    best = dict(runs[0])
    best["seconds"] = min(r["seconds"] for r in runs)
    best["cpu_seconds"] = min(r["cpu_seconds"] for r in runs)
    best["peak_mib"] = statistics.median(r["peak_mib"] for r in runs)
    return best


def measure(nodes: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ours and the floor for one size, runs interleaved so drift in load hits both alike."""
    ours_runs = [_run_child("ours", str(nodes))]
    types = json.dumps(ours_runs[0]["types"])
    bare_runs = [_run_child("bare", types)]
    for _ in range(REPEATS - 1):
        ours_runs.append(_run_child("ours", str(nodes)))
        bare_runs.append(_run_child("bare", types))
    return _best(ours_runs), _best(bare_runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ARG"))
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1])))
        return
    print(
        f"bench-aws: program evaluation under mocks; best of {REPEATS} fresh processes each "
        "(wall and CPU seconds), median peak RSS growth"
    )
    rows = []
    seconds: dict[int, float] = {}
    for nodes in args.sizes:
        mine, floor = measure(nodes)
        seconds[nodes] = mine["seconds"]
        rows.append(
            [
                nodes,
                mine["resources"],
                f"{mine['seconds']:.2f}",
                f"{mine['cpu_seconds']:.2f}",
                f"{mine['peak_mib']:.0f}",
                floor["resources"],
                f"{floor['seconds']:.2f}",
                f"{floor['cpu_seconds']:.2f}",
                f"{floor['peak_mib']:.0f}",
                f"{mine['seconds'] / floor['seconds']:.2f}",
                f"{mine['cpu_seconds'] / floor['cpu_seconds']:.2f}",
            ]
        )
    header = [
        "gpu nodes",
        "resources",
        "wall s",
        "cpu s",
        "peak MiB",
        "bare resources",
        "bare wall s",
        "bare cpu s",
        "bare MiB",
        "ours/bare wall",
        "ours/bare cpu",
    ]
    print(render(header, rows))
    if 128 in seconds and 1024 in seconds:
        ratio = seconds[1024] / seconds[128]
        print(f"time(1024)/time(128), wall: {ratio:.2f} (goal <= {GOAL_SCALING:g})")
    print(f"goal: ours/bare <= {GOAL_RATIO:g} at every size")


if __name__ == "__main__":
    main()
