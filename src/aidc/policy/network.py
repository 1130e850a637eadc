"""Network rules: security group rules in any style, subnets, VPC flow logs, the EFA
self-referencing rule.

Every way pulumi_aws declares a permission (inline `ingress`/`egress` on a SecurityGroup or
DefaultSecurityGroup, `ec2.SecurityGroupRule`, `vpc.SecurityGroupIngressRule` and
`vpc.SecurityGroupEgressRule`) becomes one `Perm`, and each security group of the stack gets
every Perm that targets it (`groups`). An EFA group is one that EFA interfaces use (`efa_groups`);
a subnet is public when its route table sends the default route to an internet gateway.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aidc.policy.model import Stack, unclaimed
from aidc.policy.registry import (
    Hit,
    Res,
    Settings,
    as_list,
    rule,
    truthy,
    unknown,
)

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
IGW = "aws:ec2/internetGateway:InternetGateway"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
RT_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN_RT_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
ENI = "aws:ec2/networkInterface:NetworkInterface"
ENI_SG_ATTACHMENT = (
    "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment"
)
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GROUPS = (SG, DEFAULT_SG)
RULE_TYPES = (INGRESS, EGRESS, SG_RULE, SG, DEFAULT_SG)
TABLES = (ROUTE_TABLE, DEFAULT_ROUTE_TABLE)
DEFAULT_ROUTES = frozenset({"0.0.0.0/0", "::/0"})
SSH = 22
# A range this wide is "every port" for exposure: 1024-65535 opens as much as 0-65535 does.
BROAD_PORTS = 32768
# IPv4 ranges of /8 or wider, IPv6 of /16 or wider, outside private space, count as the world.
BROAD_V4, BROAD_V6 = 8, 16
PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
_PROTOCOLS = {"-1": "-1", "all": "-1", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_PORTED = ("tcp", "udp")


@cache
def world(cidr: str) -> bool:
    """Whether a CIDR admits the internet at large: 0.0.0.0/0, ::/0 or any very broad range of
    public addresses (0.0.0.0/1, 2000::/3, ...)."""
    try:
        net = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    broad = net.prefixlen <= (BROAD_V4 if net.version == 4 else BROAD_V6)
    return broad and not any(
        net.version == p.version and net.subnet_of(p)  # type: ignore[arg-type]
        for p in PRIVATE
    )


def _networks(cidrs: Iterable[str]) -> list[Any]:
    out = []
    for c in cidrs:
        try:
            out.append(ipaddress.ip_network(c.strip(), strict=False))
        except ValueError:
            continue
    return out


def world_of(cidrs: Iterable[str]) -> list[str]:
    """The CIDRs of a set that admit the world: each broad one, and any broad range that
    narrower ones add up to (two /9s make a /8; 512 of them, 0.0.0.0/0)."""
    cidrs = tuple(cidrs)
    broad = [c for c in cidrs if world(c)]
    rest: dict[int, list[Any]] = {4: [], 6: []}
    for net in _networks(c for c in cidrs if c not in broad):
        rest[net.version].append(net)
    for nets in rest.values():
        if len(nets) > 1:
            broad += [str(n) for n in ipaddress.collapse_addresses(nets) if world(str(n))]
    return broad


@dataclass(frozen=True)
class Perm:
    """One permission, whatever resource style declared it. Unknown fields are None."""

    direction: str
    protocol: str | None  # "-1" (every protocol), tcp, udp, icmp, icmpv6 or a number
    low: int | None
    high: int | None
    cidrs: tuple[str, ...]
    self_ref: bool
    description: Any
    source: Res = field(compare=False)

    @property
    def every_protocol(self) -> bool:
        return self.protocol == "-1"

    @property
    def broad_ports(self) -> bool:
        """Every port, or most of them."""
        if self.every_protocol:
            return True
        if self.protocol not in _PORTED or self.low is None or self.high is None:
            return False
        return min(self.high, 65535) - max(self.low, 0) + 1 >= BROAD_PORTS

    def covers(self, port: int) -> bool:
        if self.every_protocol:
            return True
        if self.protocol != "tcp" or self.low is None or self.high is None:
            return False
        return self.low <= port <= self.high

    @property
    def world(self) -> list[str]:
        return world_of(self.cidrs)

    @property
    def label(self) -> str:
        if self.every_protocol:
            return f"{self.direction} all"
        if self.protocol not in _PORTED:
            return f"{self.direction} {self.protocol or '?'}"
        if self.low is None or self.high is None:
            return f"{self.direction} {self.protocol} ?"
        ports = str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
        return f"{self.direction} {self.protocol} {ports}"


def _protocol(value: Any) -> str | None:
    if value is None:
        return "-1"
    if unknown(value):
        return None
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    return _PROTOCOLS.get(text, text)


def _port(value: Any, default: int) -> int | None:
    """A port bound; -1 (or any negative) means every port, as AWS reads it."""
    if value is None:
        return default
    if unknown(value):
        return None
    try:
        port = int(float(value))
    except (TypeError, ValueError):
        return None
    return default if port < 0 else port


def _strings(*values: Any) -> tuple[str, ...]:
    return tuple(v for value in values for v in as_list(value) if isinstance(v, str) and v)


def _same_group(res: Res, own: str, peer: str) -> bool:
    """Whether `peer` names the group `own` names: equal known ids, or the same dependency."""
    a, b = res.props.get(own), res.props.get(peer)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    deps_a, deps_b = set(res.deps.get(own, ())), set(res.deps.get(peer, ()))
    return bool(deps_a) and deps_a == deps_b


def _perm(
    res: Res, direction: str, raw: Mapping[str, Any], self_ref: bool, cidrs: tuple[str, ...]
) -> Perm:
    protocol = _protocol(raw.get("ipProtocol", raw.get("protocol")))
    every = protocol == "-1"
    return Perm(
        direction=direction,
        protocol=protocol,
        low=0 if every else _port(raw.get("fromPort"), 0),
        high=65535 if every else _port(raw.get("toPort"), 65535),
        cidrs=cidrs,
        self_ref=self_ref,
        description=raw.get("description"),
        source=res,
    )


def perms_of(res: Res) -> list[Perm]:
    """The permissions one resource declares (a rule resource, or a group's inline rules)."""
    props = res.props
    if res.type in (INGRESS, EGRESS):
        direction = "ingress" if res.type == INGRESS else "egress"
        cidrs = _strings(props.get("cidrIpv4"), props.get("cidrIpv6"))
        self_ref = _same_group(res, "securityGroupId", "referencedSecurityGroupId")
        return [_perm(res, direction, props, self_ref, cidrs)]
    if res.type == SG_RULE:
        way = props.get("type")
        if way not in ("ingress", "egress"):
            return []
        cidrs = _strings(props.get("cidrBlocks"), props.get("ipv6CidrBlocks"))
        self_ref = truthy(props.get("self")) or _same_group(
            res, "securityGroupId", "sourceSecurityGroupId"
        )
        return [_perm(res, str(way), props, self_ref, cidrs)]
    if res.type not in GROUPS:
        return []
    out: list[Perm] = []
    for direction in ("ingress", "egress"):
        for raw in as_list(props.get(direction)):
            if not isinstance(raw, Mapping):
                continue
            cidrs = _strings(raw.get("cidrBlocks"), raw.get("ipv6CidrBlocks"))
            peers = _strings(raw.get("securityGroups"))
            self_ref = truthy(raw.get("self")) or bool(res.id and res.id in peers)
            out.append(_perm(res, direction, raw, self_ref, cidrs))
    return out


@dataclass
class Group:
    res: Res
    perms: list[Perm] = field(default_factory=list)

    def has_self_rule(self, direction: str) -> bool:
        return any(p.direction == direction and p.self_ref and p.every_protocol for p in self.perms)


def groups(stack: Stack) -> dict[str, Group]:
    """Every security group of the stack with every permission that targets it, inline or
    declared by a rule resource that names the group (by dependency or id)."""
    out = {g.where: Group(g, perms_of(g)) for g in stack.of(*GROUPS)}
    for r in stack.of(INGRESS, EGRESS, SG_RULE):
        target = stack.ref(r, "securityGroupId", GROUPS)
        if target is not None:
            out[target.where].perms += perms_of(r)
    return out


@dataclass(frozen=True)
class EfaUse:
    """EFA interfaces of one resource (a launch template, an EFA network interface) and the
    security groups they carry; `complete` is False where a group is outside the stack."""

    user: Res
    groups: tuple[Res, ...]
    complete: bool


def _group_refs(stack: Stack, res: Res, prop: str, value: Any) -> tuple[list[Res], bool]:
    found = stack.refs(res, prop, GROUPS, value)
    named = [v for v in as_list(value) if isinstance(v, str) and v]
    if any(unknown(v) for v in as_list(value)) or unknown(value):
        return found, bool(found)
    return found, len(found) >= len(named)


def efa_uses(stack: Stack) -> list[EfaUse]:
    """Where EFA interfaces are: on launch templates, as network interfaces of type efa (with
    their groups, or groups attached to them)."""
    out: list[EfaUse] = []
    for lt in stack.of(TEMPLATE):
        nics = [n for n in as_list(lt.props.get("networkInterfaces")) if isinstance(n, Mapping)]
        for nic in (n for n in nics if is_efa(n.get("interfaceType"))):
            value = nic.get("securityGroups")
            if value:
                found, complete = _group_refs(stack, lt, "networkInterfaces", value)
            else:
                found, complete = _group_refs(
                    stack, lt, "vpcSecurityGroupIds", lt.props.get("vpcSecurityGroupIds")
                )
            out.append(EfaUse(lt, tuple(found), complete))
    attached: dict[str, list[tuple[list[Res], bool]]] = {}
    for att in stack.of(ENI_SG_ATTACHMENT):
        target = stack.ref(att, "networkInterfaceId", (ENI,))
        if target is not None:
            refs = _group_refs(stack, att, "securityGroupId", att.props.get("securityGroupId"))
            attached.setdefault(target.where, []).append(refs)
    for eni in stack.of(ENI):
        if not is_efa(eni.props.get("interfaceType")):
            continue
        found, complete = _group_refs(stack, eni, "securityGroups", eni.props.get("securityGroups"))
        for more, ok in attached.get(eni.where, ()):
            found, complete = found + more, complete and ok
        out.append(EfaUse(eni, tuple(found), complete))
    return out


def is_efa(interface_type: Any) -> bool:
    return isinstance(interface_type, str) and interface_type.strip().lower().startswith("efa")


@rule("AIDC-NET-001", local=True)
def ssh_not_open_to_world(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r in stack.of(*RULE_TYPES):
        for p in perms_of(r):
            if p.direction == "ingress" and p.covers(SSH):
                for w in p.world:
                    yield f"{p.label} from {w} opens SSH (22) to the world", r.where


@rule("AIDC-NET-002", local=True)
def no_world_ingress_all_ports(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r in stack.of(*RULE_TYPES):
        for p in perms_of(r):
            if p.direction == "ingress" and p.broad_ports:
                for w in p.world:
                    yield f"{p.label} from {w} opens every port to the world", r.where


def _within(cidr: str, declared: list[Any]) -> bool:
    """Whether a CIDR lies inside one of the declared ranges."""
    (net,) = _networks([cidr]) or (None,)
    return net is not None and any(net.version == d.version and net.subnet_of(d) for d in declared)


@rule("AIDC-NET-003", local=True)
def no_world_egress_all_ports(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    declared = _networks(str(c) for c in cfg.get("declared_egress_cidrs") or ())
    for r in stack.of(*RULE_TYPES):
        for p in perms_of(r):
            if p.direction == "egress" and p.broad_ports:
                for w in p.world:
                    if not _within(w, declared):
                        yield (
                            f"{p.label} to {w} allows every port to the world"
                            " (not in declared_egress_cidrs)",
                            r.where,
                        )


def _described(value: Any) -> bool:
    return unknown(value) or bool(str(value or "").strip())


@rule("AIDC-NET-004", local=True)
def security_group_rule_described(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r in stack.of(*RULE_TYPES):
        if r.type == SG and not _described(r.props.get("description")):
            yield "security group has no description", r.where
        for p in perms_of(r):
            if not _described(p.description):
                yield f"{p.label} rule has no description", r.where


def _default_route(route: Mapping[str, Any]) -> bool:
    keys = ("cidrBlock", "ipv6CidrBlock", "destinationCidrBlock", "destinationIpv6CidrBlock")
    dest = [route.get(k) for k in keys]
    return any(isinstance(d, str) and d in DEFAULT_ROUTES for d in dest)


def _to_igw(stack: Stack, res: Res, prop: str, value: Any) -> bool:
    if isinstance(value, str) and value.startswith("igw-"):
        return True
    return bool(stack.refs(res, prop, (IGW,), value))


def public_subnets(stack: Stack) -> set[str]:
    """Subnets whose route table sends the default route to an internet gateway (explicitly
    associated, or the VPC's main table for subnets without an association)."""
    to_internet: set[str] = set()
    for table in stack.of(*TABLES):
        for route in as_list(table.props.get("routes")):
            if (
                isinstance(route, Mapping)
                and _default_route(route)
                and _to_igw(stack, table, "routes", route.get("gatewayId"))
            ):
                to_internet.add(table.where)
    for route in stack.of(ROUTE):
        if _default_route(route.props) and _to_igw(
            stack, route, "gatewayId", route.props.get("gatewayId")
        ):
            to_internet.update(t.where for t in stack.refs(route, "routeTableId", TABLES))
    public: set[str] = set()
    associated: set[str] = set()
    for assoc in stack.of(RT_ASSOCIATION):
        subnets = stack.refs(assoc, "subnetId", (SUBNET,))
        associated.update(s.where for s in subnets)
        if any(t.where in to_internet for t in stack.refs(assoc, "routeTableId", TABLES)):
            public.update(s.where for s in subnets)
    main_public: set[str] = set()  # VPCs whose main route table goes to the internet
    for main in stack.of(MAIN_RT_ASSOCIATION):
        if any(t.where in to_internet for t in stack.refs(main, "routeTableId", TABLES)):
            main_public.update(v.where for v in stack.refs(main, "vpcId", (VPC,)))
    for table in stack.of(DEFAULT_ROUTE_TABLE):
        if table.where in to_internet:
            main_public.update(v.where for v in stack.refs(table, "defaultRouteTableId", (VPC,)))
    for subnet in stack.of(SUBNET):
        if subnet.where not in associated and any(
            v.where in main_public for v in stack.refs(subnet, "vpcId", (VPC,))
        ):
            public.add(subnet.where)
    return public


@rule("AIDC-NET-005")
def subnet_no_auto_public_ip(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    public = stack.view(public_subnets)
    for s in stack.of(SUBNET):
        if truthy(s.props.get("mapPublicIpOnLaunch")) and s.where not in public:
            yield (
                "map_public_ip_on_launch is true on a subnet with no route to an internet gateway",
                s.where,
            )


@rule("AIDC-NET-006")
def vpc_flow_logs(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for vpc in unclaimed(stack, stack.of(VPC), stack.of(FLOW_LOG), "vpcId"):
        yield f"VPC {vpc.name} has no flow log", vpc.where


@rule("AIDC-NET-007")
def efa_self_referencing_rule(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    # Groups on an interface add up: one of them must admit the pool's EFA traffic both ways.
    uses = stack.view(efa_uses)
    if not uses:
        return
    model = stack.view(groups)
    seen: set[tuple[str, str]] = set()
    for use in uses:
        if not use.complete or not use.groups:
            continue
        members = [model[g.where] for g in use.groups if g.where in model]
        for direction in ("ingress", "egress"):
            if any(m.has_self_rule(direction) for m in members):
                continue
            for m in members:
                if (m.res.where, direction) not in seen:
                    seen.add((m.res.where, direction))
                    yield (
                        f"EFA group {m.res.name} has no all-protocol self-referencing"
                        f" {direction} rule",
                        m.res.where,
                    )
