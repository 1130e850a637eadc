"""Network rules: security groups (both aws rule styles and inline rules), subnets, VPC flow
logs, the EFA self-referencing rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aidc.policy.registry import (
    Props,
    Res,
    Settings,
    as_list,
    resource_rule,
    stack_rule,
    tags_of,
    truthy,
)

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
RULE_TYPES = (INGRESS, EGRESS, SG_RULE, SG, DEFAULT_SG)
WORLD = frozenset({"0.0.0.0/0", "::/0"})
SSH = 22


@dataclass(frozen=True)
class Perm:
    """One permission, whatever resource style declared it."""

    direction: str
    protocol: str  # "-1" for all
    low: int
    high: int
    cidrs: tuple[str, ...]
    self_ref: bool
    description: str

    @property
    def all_ports(self) -> bool:
        return self.protocol in ("-1", "all") or (self.low <= 0 and self.high >= 65535)

    def covers(self, port: int) -> bool:
        if self.protocol in ("-1", "all"):
            return True
        return self.protocol in ("tcp", "6") and self.low <= port <= self.high

    @property
    def label(self) -> str:
        if self.protocol in ("-1", "all"):
            return f"{self.direction} all"
        if self.protocol == "icmp":
            return f"{self.direction} icmp"
        ports = str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
        return f"{self.direction} {self.protocol} {ports}"


def _port(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _perm(direction: str, raw: Mapping[str, Any], self_ref: bool, cidrs: list[Any]) -> Perm:
    protocol = str(raw.get("ipProtocol", raw.get("protocol", "-1"))).lower()
    return Perm(
        direction=direction,
        protocol="-1" if protocol == "all" else protocol,
        low=_port(raw.get("fromPort"), 0),
        high=_port(raw.get("toPort"), 65535),
        cidrs=tuple(str(c) for c in cidrs if c),
        self_ref=self_ref,
        description=str(raw.get("description") or ""),
    )


def perms(typ: str, props: Props) -> list[Perm]:
    """The permissions a security group resource or rule resource declares."""
    if typ in (INGRESS, EGRESS):
        ref = props.get("referencedSecurityGroupId")
        self_ref = ref is not None and ref == props.get("securityGroupId")
        direction = "ingress" if typ == INGRESS else "egress"
        return [_perm(direction, props, self_ref, [props.get("cidrIpv4"), props.get("cidrIpv6")])]
    if typ == SG_RULE:
        cidrs = as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks"))
        return [_perm(str(props.get("type")), props, truthy(props.get("self")), cidrs)]
    out: list[Perm] = []
    for direction in ("ingress", "egress"):
        for raw in as_list(props.get(direction)):
            if isinstance(raw, Mapping):
                cidrs = as_list(raw.get("cidrBlocks")) + as_list(raw.get("ipv6CidrBlocks"))
                out.append(_perm(direction, raw, truthy(raw.get("self")), cidrs))
    return out


def _world(perm: Perm) -> list[str]:
    return sorted(WORLD.intersection(perm.cidrs))


@resource_rule("AIDC-NET-001", *RULE_TYPES)
def ssh_not_open_to_world(typ: str, props: Props, cfg: Settings) -> list[str]:
    return [
        f"{p.label} from {w} opens SSH (22) to the world"
        for p in perms(typ, props)
        if p.direction == "ingress" and p.covers(SSH)
        for w in _world(p)
    ]


@resource_rule("AIDC-NET-002", *RULE_TYPES)
def no_world_ingress_all_ports(typ: str, props: Props, cfg: Settings) -> list[str]:
    return [
        f"{p.label} from {w} opens every port to the world"
        for p in perms(typ, props)
        if p.direction == "ingress" and p.all_ports
        for w in _world(p)
    ]


@resource_rule("AIDC-NET-003", *RULE_TYPES)
def no_world_egress_all_ports(typ: str, props: Props, cfg: Settings) -> list[str]:
    declared = {str(c) for c in cfg.get("declared_egress_cidrs") or ()}
    return [
        f"{p.label} to {w} allows every port to the world (not in declared_egress_cidrs)"
        for p in perms(typ, props)
        if p.direction == "egress" and p.all_ports and not p.self_ref
        for w in _world(p)
        if w not in declared
    ]


@resource_rule("AIDC-NET-004", *RULE_TYPES)
def security_group_rule_described(typ: str, props: Props, cfg: Settings) -> list[str]:
    out = []
    if typ == SG and not str(props.get("description") or "").strip():
        out.append("security group has no description")
    out += [
        f"{p.label} rule has no description" for p in perms(typ, props) if not p.description.strip()
    ]
    return out


@resource_rule("AIDC-NET-005", SUBNET)
def subnet_no_auto_public_ip(typ: str, props: Props, cfg: Settings) -> list[str]:
    if truthy(props.get("mapPublicIpOnLaunch")) and tags_of(props).get("aidc:tier") != "public":
        return ["map_public_ip_on_launch is true on a subnet not tagged aidc:tier=public"]
    return []


@stack_rule("AIDC-NET-006")
def vpc_flow_logs(resources: Sequence[Res], cfg: Settings) -> list[tuple[str, str]]:
    # Flow logs name their VPC by id, unknown at preview: count the ones that name any VPC.
    vpcs = [r for r in resources if r.type == VPC]
    logs = [r for r in resources if r.type == FLOW_LOG]
    if len(logs) >= len(vpcs):
        return []
    return [
        (
            f"{len(vpcs)} VPC(s) but {len(logs)} flow log(s): VPC {v.name} may have none",
            v.urn or v.name,
        )
        for v in vpcs[len(logs) :]
    ]


def _efa_group(res: Res) -> bool:
    return res.type == SG and str(tags_of(res.props).get("aidc:group", "")).startswith("efa-")


@stack_rule("AIDC-NET-007")
def efa_self_referencing_rule(resources: Sequence[Res], cfg: Settings) -> list[tuple[str, str]]:
    groups = [r for r in resources if _efa_group(r)]
    if not groups:
        return []
    # A rule names its group by id (the provider's), so match by logical name: aidc names rules
    # "<group resource>-<in|out>-all-from|to-self".
    names = {r.name for r in resources if r.type in (INGRESS, EGRESS)}
    out = []
    for g in groups:
        for way, peer in (("in", "from"), ("out", "to")):
            if f"{g.name}-{way}-all-{peer}-self" not in names and not _inline_self(g.props, way):
                direction = "ingress" if way == "in" else "egress"
                out.append(
                    (
                        f"EFA group {g.name} has no all-protocol self-referencing {direction} rule",
                        g.urn or g.name,
                    )
                )
    return out


def _inline_self(props: Props, way: str) -> bool:
    direction = "ingress" if way == "in" else "egress"
    return any(p.self_ref and p.all_ports for p in perms(SG, props) if p.direction == direction)
