"""Security groups against the spec, rule by rule: nothing more, nothing less."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.spec import Cluster, effective_flows, filesystem_pools, load_spec
from aidc.spec.derive import SLURMCTLD_PORT, SLURMD_PORT
from tests.unit.aws_mocks import Registered, Run, run_cluster

STACKS = Path(__file__).resolve().parents[2] / "stacks"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
PROTOCOL = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "-1"}
# (group, ip_protocol, from_port, to_port, peer) of one rule.
Shape = tuple[str, str, int | None, int | None, str]


def raw(stack: str) -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def build(spec: dict[str, Any]) -> tuple[Cluster, Run]:
    cluster, _ = load_spec(spec)
    return cluster, run_cluster(cluster)


@pytest.fixture(scope="module", params=["aws-p5", "aws-h200"])
def stack(request: pytest.FixtureRequest) -> tuple[Cluster, Run]:
    return build(raw(request.param))


def group_of(cluster: Cluster, rule: Registered) -> str:
    """The group a rule belongs to, from the security group id the mocks hand out."""
    sg: str = rule.inputs["securityGroupId"]
    return sg.removeprefix(f"{cluster.name}-firewall-").removesuffix("-id")


def peer_of(cluster: Cluster, rule: Registered) -> str:
    ref = rule.inputs.get("referencedSecurityGroupId")
    if ref:
        return "group:" + str(ref).removeprefix(f"{cluster.name}-firewall-").removesuffix("-id")
    if rule.inputs.get("prefixListId"):
        return f"prefix-list:{rule.inputs['prefixListId']}"
    return f"cidr:{rule.inputs['cidrIpv4']}"


def shape(cluster: Cluster, rule: Registered) -> Shape:
    i = rule.inputs
    low = int(i["fromPort"]) if "fromPort" in i else None
    high = int(i["toPort"]) if "toPort" in i else None
    return (group_of(cluster, rule), i["ipProtocol"], low, high, peer_of(cluster, rule))


def expected_ingress(cluster: Cluster) -> set[Shape]:
    """What the spec says, in the shape above: admin SSH on login, each flow on its
    destination's group, all-protocol self rules on EFA pools."""
    want: set[Shape] = {("login", "tcp", 22, 22, f"cidr:{c}") for c in cluster.firewall.admin_cidrs}
    for f in effective_flows(cluster):
        proto = PROTOCOL[f.protocol]
        low, high = (-1, -1) if proto == "icmp" else f.ports or (None, None)
        want.add((f.destination, proto, low, high, f"group:{f.source}"))
    for p in cluster.pools:
        if p.efa:
            want.add((f"efa-{p.name}", "-1", None, None, f"group:efa-{p.name}"))
    for fs in cluster.storage.filesystems:
        # Served file systems: their service's ports from the roles that mount them; Lustre
        # also between its servers and from its servers to the clients.
        group = f"fs-{fs.name}"
        clients = {p.role for p in filesystem_pools(cluster, fs)}
        ports = {"lustre": [(988, 988), (1018, 1023)], "efs": [(2049, 2049)]}.get(fs.kind, [])
        for low, high in ports:
            want |= {(group, "tcp", low, high, f"group:{r}") for r in clients}
            if fs.kind == "lustre":
                want.add((group, "tcp", low, high, f"group:{group}"))
                want |= {(r, "tcp", low, high, f"group:{group}") for r in clients}
    return want


def test_ingress_rules_are_exactly_the_specs(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    rules = run.of_type(INGRESS)
    got = [shape(cluster, r) for r in rules]
    assert len(got) == len(set(got)), f"duplicate rules: {sorted(got)}"
    extra = set(got) - expected_ingress(cluster)
    missing = expected_ingress(cluster) - set(got)
    offenders = [str(r) for r in rules if shape(cluster, r) in extra]
    assert not extra, f"rules the spec does not declare: {offenders}"
    assert not missing, f"spec rules with no security group rule: {sorted(missing)}"


def test_every_rule_says_why(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    said: dict[tuple[str, str], set[str]] = {}
    for f in effective_flows(cluster):
        said.setdefault((f.destination, f"group:{f.source}"), set()).add(f.description)
    for rule in run.of_type(INGRESS) + run.of_type(EGRESS):
        assert rule.inputs.get("description"), f"{rule}: no description"
        group, _, _, _, peer = shape(cluster, rule)
        if rule.type == INGRESS and (group, peer) in said:
            # A flow's rule carries that flow's own description.
            assert rule.inputs["description"] in said[(group, peer)], f"{rule}: description"


def test_ssh_reaches_login_from_admins_and_others_from_login(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    admins = {f"cidr:{c}" for c in cluster.firewall.admin_cidrs}
    for rule in run.of_type(INGRESS):
        group, proto, low, high, peer = shape(cluster, rule)
        if proto == "-1" or low is None or high is None or not low <= 22 <= high:
            continue
        if group == "login":
            assert peer in admins, f"{rule}: SSH to login from {peer}"
        else:
            assert peer == "group:login", f"{rule}: SSH to {group} from {peer}"


def test_exporters_answer_the_monitor_only(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    seen = 0
    for rule in run.of_type(INGRESS):
        group, proto, low, high, peer = shape(cluster, rule)
        if proto != "tcp" or low is None or high is None:
            continue
        for port in (9100, 9400):
            if low <= port <= high and not group.startswith("efa-"):
                seen += 1
                assert peer == "group:monitor", f"{rule}: port {port} open to {peer}"
    assert seen


SRUN_LOW = 60001


def test_ceph_ports_only_between_storage_and_its_clients(p5_run: tuple[Cluster, Run]) -> None:
    cluster, run = p5_run
    ceph_ports = range(3300, 7301)
    for rule in run.of_type(INGRESS):
        group, proto, low, high, peer = shape(cluster, rule)
        if proto != "tcp" or low is None or high is None:
            continue
        # Slurm's daemons (6817, 6818) sit inside Ceph's OSD range, on other groups.
        if rule.inputs["description"].startswith("slurm:") and high < SRUN_LOW:
            assert {low, high} <= {SLURMCTLD_PORT, SLURMD_PORT}, f"{rule}: not Slurm's port"
            continue
        if low in ceph_ports or high in ceph_ports:
            assert group == "storage", f"{rule}: Ceph port on {group}"
            assert peer in {"group:storage", "group:gpu"}, f"{rule}: Ceph from {peer}"


@pytest.fixture(scope="module")
def p5_run() -> tuple[Cluster, Run]:
    return build(raw("aws-p5"))


def test_efa_groups_allow_everything_within_themselves(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for pool in (p for p in cluster.pools if p.efa):
        group = f"efa-{pool.name}"
        for kind in (INGRESS, EGRESS):
            rules = [r for r in run.of_type(kind) if group_of(cluster, r) == group]
            assert len(rules) == 1, f"{group}: {len(rules)} {kind} rules: {[str(r) for r in rules]}"
            assert shape(cluster, rules[0]) == (group, "-1", None, None, f"group:{group}"), (
                f"{rules[0]}: not the all-traffic self rule"
            )


def test_egress_stays_in_the_vpc_and_s3_unless_the_spec_opens_more(
    stack: tuple[Cluster, Run],
) -> None:
    cluster, run = stack
    vpc = f"cidr:{cluster.networks[0].cidr}"
    allowed = {vpc, "prefix-list:pl-63a5400a"} | {
        f"cidr:{c}" for c in cluster.firewall.egress_cidrs
    }
    roles = {r for p in cluster.pools for r in p.roles}
    for rule in run.of_type(EGRESS):
        group, _, _, _, peer = shape(cluster, rule)
        if group.startswith("efa-"):
            continue
        assert peer in allowed, f"{rule}: egress to {peer}"
        assert peer != "cidr:0.0.0.0/0", f"{rule}: egress to the world"
    for role in roles:
        peers = {shape(cluster, r)[4] for r in run.of_type(EGRESS) if group_of(cluster, r) == role}
        assert peers == allowed, f"group {role}: egress {peers}"


def test_nodes_wear_the_groups_of_their_roles(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for pool in cluster.pools:
        want = {f"{cluster.name}-firewall-{r}-id" for r in pool.roles}
        if pool.efa:
            want.add(f"{cluster.name}-firewall-efa-{pool.name}-id")
            lt = run.named(f"{cluster.name}-{pool.name}-lt")
            got = set(lt.inputs["networkInterfaces"][0]["securityGroups"])
        else:
            inst = run.named(f"{cluster.name}-{pool.name}-1", "aws:ec2/instance:Instance")
            got = set(inst.inputs["vpcSecurityGroupIds"])
        assert got == want, f"pool {pool.name}: groups {got}"


def test_egress_cidrs_open_exactly_those_destinations() -> None:
    spec = raw("aws-p5")
    spec["firewall"]["egress_cidrs"] = ["192.0.2.0/24"]
    cluster, run = build(spec)
    opened = [r for r in run.of_type(EGRESS) if r.inputs.get("cidrIpv4") == "192.0.2.0/24"]
    roles = {r for p in cluster.pools for r in p.roles}
    assert sorted(group_of(cluster, r) for r in opened) == sorted(roles)
    for rule in opened:
        assert rule.inputs["ipProtocol"] == "-1", f"{rule}"
        assert "egress_cidrs" in rule.inputs["description"], f"{rule}: description"


def test_icmp_and_all_protocol_flows() -> None:
    spec = raw("aws-p5")
    spec["firewall"]["flows"] += [
        {"source": "monitor", "destination": "gpu", "protocol": "icmp", "description": "ping"},
        {"source": "gpu", "destination": "gpu", "protocol": "all", "description": "nccl"},
    ]
    cluster, run = build(spec)
    got = {shape(cluster, r) for r in run.of_type(INGRESS)}
    assert ("gpu", "icmp", -1, -1, "group:monitor") in got
    assert ("gpu", "-1", None, None, "group:gpu") in got
    assert got == expected_ingress(cluster)
