"""`Firewall`: one security group per node role, one per EFA pool, one per file system an AWS
service serves (FSx for Lustre, EFS), one for the bastion, and one rule resource per allowed
path. The rules are planned by a pure function of the spec (`plan_rules`), so tests can
compare the groups with the spec rule by rule.

Everything not planned here is denied: security groups admit nothing by default, and the
provider removes the allow-all egress rule AWS adds to a new group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from aidc.spec import Cluster, effective_flows
from aidc.spec.types import ROLES
from aidc.targets.aws.common import child, named
from aidc.targets.aws.filesystems import client_roles, served, service_ports
from aidc.targets.aws.layout import AwsLayout

Direction = Literal["ingress", "egress"]
BASTION = "bastion"
SELF = "self"
VPC = "vpc"
S3 = "s3"
HTTPS = 443
SSH = 22

_IP_PROTOCOL = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "-1"}


@dataclass(frozen=True)
class RulePlan:
    """One security group rule. The peer is another group (`peer_group`, or SELF), a CIDR, the
    VPC's own CIDR (VPC) or the S3 endpoint's prefix list (S3)."""

    group: str
    direction: Direction
    protocol: str  # an ip_protocol: tcp, udp, icmp or -1
    ports: tuple[int, int] | None
    description: str
    peer_group: str | None = None
    peer_cidr: str | None = None
    peer: str | None = None  # VPC or S3

    @property
    def peer_label(self) -> str:
        return self.peer_group or self.peer_cidr or self.peer or "?"

    @property
    def port_label(self) -> str:
        """22, 6800-7300, or all (every port, every ICMP type)."""
        if self.ports is None or self.protocol == "icmp":
            return "all"
        return "-".join(str(p) for p in dict.fromkeys(self.ports))

    @property
    def key(self) -> tuple[str, Direction, str, tuple[int, int] | None, str]:
        return (self.group, self.direction, self.protocol, self.ports, self.peer_label)

    def resource_suffix(self) -> str:
        proto = "all" if self.protocol == "-1" else self.protocol
        ports = "" if self.protocol in ("-1", "icmp") else f"-{self.port_label}"
        way = "in" if self.direction == "ingress" else "out"
        peer = re.sub(r"[^a-z0-9.-]+", "-", self.peer_label.lower())
        return f"{self.group}-{way}-{proto}{ports}-{'from' if way == 'in' else 'to'}-{peer}"


def group_names(cluster: Cluster, layout: AwsLayout) -> list[str]:
    """Security groups: roles present (in ROLES order), EFA pools, served file systems, the
    bastion."""
    present = {r for p in cluster.pools for r in p.roles}
    groups: list[str] = [r for r in ROLES if r in present]
    groups += [efa_group(p.pool.name) for p in layout.efa_pools]
    groups += [fs_group(fs.name) for fs in served(cluster)]
    if layout.access == "bastion":
        groups.append(BASTION)
    return groups


def efa_group(pool: str) -> str:
    return f"efa-{pool}"


def fs_group(filesystem: str) -> str:
    return f"fs-{filesystem}"


def filesystem_rules(cluster: Cluster) -> list[RulePlan]:
    """Each served file system admits its service's ports from the groups of the roles that
    mount it. Lustre's servers also talk among themselves and open connections to clients
    (LNet is symmetric), so a Lustre group admits itself, reaches the VPC on those ports, and
    its clients admit it; EFS only answers."""
    rules: list[RulePlan] = []
    for fs in served(cluster):
        group = fs_group(fs.name)
        clients = client_roles(cluster, fs)
        for ports in service_ports(fs):
            what = f"{fs.kind} {fs.name}"
            rules += [
                RulePlan(
                    group, "ingress", "tcp", ports, f"{what}: from its {r} clients", peer_group=r
                )
                for r in clients
            ]
            if fs.kind != "lustre":
                continue
            rules.append(
                RulePlan(
                    group, "ingress", "tcp", ports, f"{what}: between its servers", peer_group=SELF
                )
            )
            rules.append(
                RulePlan(group, "egress", "tcp", ports, f"{what}: to servers and clients", peer=VPC)
            )
            rules += [
                RulePlan(r, "ingress", "tcp", ports, f"{what}: from its servers", peer_group=group)
                for r in clients
            ]
    return rules


def plan_rules(cluster: Cluster, layout: AwsLayout) -> list[RulePlan]:
    """Every rule, in a stable order; duplicates (same group, way, protocol, ports, peer) once."""
    fw = cluster.firewall
    roles = [g for g in group_names(cluster, layout) if g in ROLES]
    rules: list[RulePlan] = []
    if "login" in roles:
        rules += [
            RulePlan(
                "login",
                "ingress",
                "tcp",
                (SSH, SSH),
                f"ssh from admin network {c}",
                peer_cidr=str(c),
            )
            for c in fw.admin_cidrs
        ]
    for flow in effective_flows(cluster):
        protocol = _IP_PROTOCOL[flow.protocol]
        ports = (-1, -1) if protocol == "icmp" else flow.ports
        rules.append(
            RulePlan(
                flow.destination,
                "ingress",
                protocol,
                ports,
                flow.description,
                peer_group=flow.source,
            )
        )
    if layout.access == "bastion":
        rules += [
            RulePlan(
                BASTION,
                "ingress",
                "tcp",
                (SSH, SSH),
                f"ssh from admin network {c}",
                peer_cidr=str(c),
            )
            for c in fw.admin_cidrs
        ]
        for role in roles:
            rules.append(
                RulePlan(
                    role, "ingress", "tcp", (SSH, SSH), "ssh from the bastion", peer_group=BASTION
                )
            )
            rules.append(
                RulePlan(
                    BASTION, "egress", "tcp", (SSH, SSH), f"ssh to {role} nodes", peer_group=role
                )
            )
    for plan in layout.efa_pools:
        group = efa_group(plan.pool.name)
        # EFA needs every protocol between the pool's interfaces, both ways (AWS EFA guide).
        rules.append(
            RulePlan(
                group, "ingress", "-1", None, "efa: all traffic within the pool", peer_group=SELF
            )
        )
        rules.append(
            RulePlan(
                group, "egress", "-1", None, "efa: all traffic within the pool", peer_group=SELF
            )
        )
    rules += filesystem_rules(cluster)
    for role in roles:
        # Peers in the VPC filter with their own ingress rules, so egress inside it is open.
        rules.append(RulePlan(role, "egress", "-1", None, "to the cluster's VPC", peer=VPC))
        rules.append(
            RulePlan(
                role,
                "egress",
                "tcp",
                (HTTPS, HTTPS),
                "https to S3 through the gateway endpoint",
                peer=S3,
            )
        )
        rules += [
            RulePlan(
                role, "egress", "-1", None, f"to {c} (firewall.egress_cidrs)", peer_cidr=str(c)
            )
            for c in fw.egress_cidrs
        ]
    unique: dict[tuple[str, Direction, str, tuple[int, int] | None, str], RulePlan] = {}
    for rule in rules:
        unique.setdefault(rule.key, rule)
    return list(unique.values())


def _what(cluster: Cluster, group: str) -> str:
    for fs in served(cluster):
        if group == fs_group(fs.name):
            return f"{fs.kind} file system {fs.name}"
    return f"{group} nodes"


@dataclass(frozen=True)
class FirewallArgs:
    cluster: Cluster
    layout: AwsLayout
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    s3_prefix_list_id: pulumi.Input[str]
    tags: dict[str, str] = field(default_factory=dict)


class Firewall(pulumi.ComponentResource):
    group_ids: dict[str, pulumi.Output[str]]
    rules: list[RulePlan]

    def __init__(
        self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aidc:aws:Firewall", name, None, opts)
        groups = {
            g: aws.ec2.SecurityGroup(
                f"{name}-{g}",
                vpc_id=args.vpc_id,
                description=f"aidc {args.cluster.name}: {_what(args.cluster, g)}",
                revoke_rules_on_delete=True,
                tags=named(args.tags, f"{name}-{g}", **{"aidc:group": g}),
                opts=child(self),
            )
            for g in group_names(args.cluster, args.layout)
        }
        self.group_ids = {g: sg.id for g, sg in groups.items()}
        self.rules = plan_rules(args.cluster, args.layout)
        for rule in self.rules:
            self._rule(f"{name}-{rule.resource_suffix()}", rule, args, groups)
        self.register_outputs({"group_ids": self.group_ids, "rules": len(self.rules)})

    def _rule(
        self,
        rule_name: str,
        rule: RulePlan,
        args: FirewallArgs,
        groups: dict[str, aws.ec2.SecurityGroup],
    ) -> None:
        own = groups[rule.group]
        peer_group = None
        if rule.peer_group is not None:
            peer_group = own.id if rule.peer_group == SELF else groups[rule.peer_group].id
        cidr = args.vpc_cidr if rule.peer == VPC else rule.peer_cidr
        prefix_list = args.s3_prefix_list_id if rule.peer == S3 else None
        low, high = rule.ports if rule.ports else (None, None)
        kind = (
            aws.vpc.SecurityGroupIngressRule
            if rule.direction == "ingress"
            else aws.vpc.SecurityGroupEgressRule
        )
        kind(
            rule_name,
            security_group_id=own.id,
            ip_protocol=rule.protocol,
            from_port=low,
            to_port=high,
            description=rule.description,
            referenced_security_group_id=peer_group,
            cidr_ipv4=cidr,
            prefix_list_id=prefix_list,
            tags=named(args.tags, rule_name),
            opts=child(self),
        )

    def summary(self) -> list[dict[str, object]]:
        """The rules as plain data for the `firewall` stack output."""
        return [
            {
                "group": r.group,
                "direction": r.direction,
                "protocol": r.protocol,
                "ports": r.port_label,
                "peer": r.peer_label,
                "description": r.description,
            }
            for r in self.rules
        ]
