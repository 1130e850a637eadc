"""Compute rules: instance metadata, volumes, public addresses, user data, EFA placement,
instance types and the GPU budget.

What launches nodes, in any style: instances and spot requests, launch templates and launch
configurations, auto scaling groups (`launches`). A node is a GPU node by its instance type
(`aidc.policy.instances`), its own or its launch template's; an EFA node by its EFA
interfaces (a launch template's, or network interfaces of type efa it is attached to).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aidc.policy import network
from aidc.policy.instances import gpus_of, is_gpu, is_storage
from aidc.policy.model import Stack
from aidc.policy.registry import (
    UNKNOWN,
    Hit,
    Res,
    Settings,
    as_list,
    falsy,
    mapping,
    roles_of,
    rule,
    truthy,
    unknown,
)
from aidc.policy.secrets import secrets_in

INSTANCE = "aws:ec2/instance:Instance"
SPOT = "aws:ec2/spotInstanceRequest:SpotInstanceRequest"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIG = "aws:ec2/launchConfiguration:LaunchConfiguration"
ASG = "aws:autoscaling/group:Group"
VOLUME = "aws:ebs/volume:Volume"
PLACEMENT = "aws:ec2/placementGroup:PlacementGroup"
EIP = "aws:ec2/eip:Eip"
EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation"
ENI_ATTACHMENT = "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment"
METADATA_DEFAULTS = "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults"
EBS_DEFAULT_ENCRYPTION = "aws:ebs/encryptionByDefault:EncryptionByDefault"
NODES = (INSTANCE, SPOT)  # one node each
TEMPLATES = (TEMPLATE, LAUNCH_CONFIG)
LAUNCHERS = (INSTANCE, SPOT, TEMPLATE, LAUNCH_CONFIG)  # what carries a node's settings
PRIVATE_ROLES = ("gpu", "storage")


@dataclass
class Launch:
    """Something that launches nodes (an instance, a spot request, an auto scaling group): the
    launch template or configuration it launches from, the instance types it can run, how
    many nodes."""

    res: Res
    template: Res | None
    types: tuple[str, ...]
    count: int
    placement: tuple[str, Any] = ("placementGroup", None)  # the group it names itself


@dataclass
class Launches:
    by_node: dict[str, Launch] = field(default_factory=dict)
    # template URN -> what launches from it
    users: dict[str, list[Launch]] = field(default_factory=dict)


def _template_of(stack: Stack, res: Res) -> Res | None:
    props = res.props
    if res.type in NODES:
        return stack.ref(res, "launchTemplate", (TEMPLATE,))
    spec = mapping(mapping(props.get("mixedInstancesPolicy")).get("launchTemplate"))
    if spec:
        return stack.ref(
            res, "mixedInstancesPolicy", (TEMPLATE,), spec.get("launchTemplateSpecification")
        )
    if props.get("launchTemplate") is not None:
        return stack.ref(res, "launchTemplate", (TEMPLATE,))
    if props.get("launchConfiguration") is not None:
        return stack.ref(res, "launchConfiguration", (LAUNCH_CONFIG,))
    return None


def _count(props: Mapping[str, Any]) -> int:
    for key in ("maxSize", "desiredCapacity", "minSize"):
        value = props.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return 0


def launches(stack: Stack) -> Launches:
    out = Launches()
    for res in stack.of(*NODES, ASG):
        template = _template_of(stack, res)
        own = res.props.get("instanceType")
        types: list[str] = [own] if isinstance(own, str) and own else []
        if res.type == ASG:
            policy = mapping(mapping(res.props.get("mixedInstancesPolicy")).get("launchTemplate"))
            types += [
                o["instanceType"]
                for o in as_list(policy.get("overrides"))
                if isinstance(o, Mapping) and isinstance(o.get("instanceType"), str)
            ]
        if not types and template is not None:
            kind = template.props.get("instanceType")
            types = [kind] if isinstance(kind, str) and kind else []
        launch = Launch(
            res=res,
            template=template,
            types=tuple(types),
            count=1 if res.type in NODES else _count(res.props),
            placement=_own_placement(res),
        )
        out.by_node[res.where] = launch
        if template is not None:
            out.users.setdefault(template.where, []).append(launch)
    return out


def types_of(stack: Stack, res: Res) -> tuple[str, ...]:
    """The instance types this resource launches: its own, its template's, its users'."""
    if res.type in TEMPLATES:
        own = res.props.get("instanceType")
        found = [own] if isinstance(own, str) and own else []
        for user in stack.view(launches).users.get(res.where, ()):
            found += [t for t in user.types if t not in found]
        return tuple(found)
    launch = stack.view(launches).by_node.get(res.where)
    return launch.types if launch is not None else ()


def private_roles(stack: Stack, res: Res, cfg: Settings) -> list[str]:
    """GPU or storage, by instance type (or as the resource's role tag declares)."""
    kinds = types_of(stack, res)
    roles = set(roles_of(res.props)).intersection(PRIVATE_ROLES)
    if any(is_gpu(k, cfg) for k in kinds):
        roles.add("gpu")
    if any(is_storage(k) for k in kinds):
        roles.add("storage")
    return sorted(roles)


def _metadata_defaults(stack: Stack) -> tuple[bool, bool]:
    """Whether the account's instance metadata defaults (in this stack) require tokens and set
    one hop, for launches that leave the setting out."""
    tokens = hops = False
    for d in stack.of(METADATA_DEFAULTS):
        tokens |= d.props.get("httpTokens") == "required"
        hop = d.props.get("httpPutResponseHopLimit")
        hops |= isinstance(hop, int | float) and int(hop) == 1
    return tokens, hops


def _metadata(res: Res) -> Mapping[str, Any] | None:
    """The metadata options to judge, or None: inherited from a launch template, unknown, or
    the metadata service switched off (nothing to steal)."""
    meta = res.props.get("metadataOptions")
    if unknown(meta):
        return None
    if not isinstance(meta, Mapping):
        if res.type in NODES and res.props.get("launchTemplate"):
            return None
        meta = {}
    if meta.get("httpEndpoint") == "disabled":
        return None
    return meta


def _metadata_settings(stack: Stack, key: str) -> Iterator[tuple[Res, Any]]:
    """Each launch's metadata option `key` where it is to be judged: the metadata service on,
    the value known and, where left out, not settled by the account's defaults."""
    tokens, hops = stack.view(_metadata_defaults)
    by_default = {"httpTokens": tokens, "httpPutResponseHopLimit": hops}[key]
    for r in stack.of(*LAUNCHERS):
        meta = _metadata(r)
        value = meta.get(key) if meta is not None else UNKNOWN
        if not unknown(value) and not (value is None and by_default):
            yield r, value


@rule("AIDC-CMP-001")
def imdsv2_required(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r, tokens in _metadata_settings(stack, "httpTokens"):
        if tokens != "required":
            yield f"metadata_options.http_tokens is {tokens or 'unset'}, not required", r.where


def _one(hops: Any) -> bool:
    try:
        return hops is not None and int(hops) == 1
    except (TypeError, ValueError):
        return False


@rule("AIDC-CMP-002")
def imds_hop_limit_1(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r, hops in _metadata_settings(stack, "httpPutResponseHopLimit"):
        if not _one(hops):
            shown = "unset" if hops is None else hops
            yield f"metadata_options.http_put_response_hop_limit is {shown}, not 1", r.where


def _unencrypted(dev: Any) -> bool:
    if not isinstance(dev, Mapping):
        return False
    value = dev.get("encrypted")
    return not unknown(value) and not truthy(value)


@rule("AIDC-CMP-003")
def encrypted_volumes(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    # With EBS encryption by default on, AWS encrypts every new volume whatever it asks.
    if any(not falsy(d.props.get("enabled")) for d in stack.of(EBS_DEFAULT_ENCRYPTION)):
        return
    for r in stack.of(VOLUME):
        if _unencrypted(r.props):
            yield "EBS volume is not encrypted", r.where
    for r in stack.of(INSTANCE, SPOT, LAUNCH_CONFIG):
        if _unencrypted(r.props.get("rootBlockDevice")):
            yield "root block device is not encrypted", r.where
        for dev in as_list(r.props.get("ebsBlockDevices")):
            if _unencrypted(dev):
                yield f"EBS block device {dev.get('deviceName', '?')} is not encrypted", r.where
    for r in stack.of(TEMPLATE):
        for dev in as_list(r.props.get("blockDeviceMappings")):
            ebs = dev.get("ebs") if isinstance(dev, Mapping) else None
            if _unencrypted(ebs):
                yield f"block device {dev.get('deviceName', '?')} is not encrypted", r.where


def _nics(res: Res) -> list[Mapping[str, Any]]:
    return [n for n in as_list(res.props.get("networkInterfaces")) if isinstance(n, Mapping)]


def _public_by_subnet(stack: Stack, res: Res, prop: str, template: Res | None) -> Res | None:
    """The subnet that hands this launch a public address: it maps public IPs on launch and
    nothing on the way (instance, template interfaces) says no."""
    if falsy(res.props.get("associatePublicIpAddress")):
        return None
    said = [template.props.get("associatePublicIpAddress")] if template is not None else []
    said += [n.get("associatePublicIpAddress") for n in _nics(template)] if template else []
    if any(falsy(v) for v in said):
        return None
    subnets = stack.refs(res, prop, (network.SUBNET,))
    if not subnets and template is not None:
        for nic in _nics(template):
            subnets += stack.refs(
                template, "networkInterfaces", (network.SUBNET,), nic.get("subnetId")
            )
    for s in subnets:
        if truthy(s.props.get("mapPublicIpOnLaunch")):
            return s
    return None


def _interface_nodes(stack: Stack) -> dict[str, list[Res]]:
    """Network interface URN -> the instances it is attached to (by the instance or an
    attachment)."""
    out: dict[str, list[Res]] = {}
    for r in stack.of(*NODES):
        for prop in ("networkInterfaces", "primaryNetworkInterface"):
            for eni in stack.refs(r, prop, (network.ENI,)):
                out.setdefault(eni.where, []).append(r)
    for att in stack.of(ENI_ATTACHMENT):
        for eni in stack.refs(att, "networkInterfaceId", (network.ENI,)):
            out.setdefault(eni.where, []).extend(stack.refs(att, "instanceId", NODES))
    return out


def _elastic_ips(stack: Stack) -> dict[str, Res]:
    """Instance URN -> an Elastic IP associated with it or with one of its interfaces."""
    out: dict[str, Res] = {}
    on_interface = stack.view(_interface_nodes)
    for res, instance, interface in [
        *((eip, "instance", "networkInterface") for eip in stack.of(EIP)),
        *((a, "instanceId", "networkInterfaceId") for a in stack.of(EIP_ASSOCIATION)),
    ]:
        for node in stack.refs(res, instance, NODES):
            out.setdefault(node.where, res)
        for eni in stack.refs(res, interface, (network.ENI,)):
            for node in on_interface.get(eni.where, ()):
                out.setdefault(node.where, res)
    return out


@rule("AIDC-CMP-004")
def no_public_ip_gpu_storage(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    eips = stack.view(_elastic_ips)
    for r in stack.of(*TEMPLATES):
        public = truthy(r.props.get("associatePublicIpAddress")) or any(
            truthy(n.get("associatePublicIpAddress")) for n in _nics(r)
        )
        roles = private_roles(stack, r, cfg) if public else []
        if roles:
            yield f"{'+'.join(roles)} node gets a public IP address", r.where
    for launch in stack.view(launches).by_node.values():
        r = launch.res
        roles = private_roles(stack, r, cfg)
        if not roles:
            continue
        what = f"{'+'.join(roles)} node gets a public IP address"
        if r.type in NODES and truthy(r.props.get("associatePublicIpAddress")):
            yield what, r.where
            continue
        prop = "vpcZoneIdentifiers" if r.type == ASG else "subnetId"
        subnet = _public_by_subnet(stack, r, prop, launch.template)
        if subnet is not None:
            yield f"{what} (subnet {subnet.name} maps public IPs on launch)", r.where
        elif r.where in eips:
            yield f"{what} (Elastic IP {eips[r.where].name})", r.where


def user_data(props: Mapping[str, Any]) -> str:
    parts = [props.get("userData"), props.get("userDataBase64")]
    return "\n".join(p for p in parts if isinstance(p, str) and p)


@rule("AIDC-CMP-005", local=True)
def no_secrets_in_user_data(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r in stack.of(*LAUNCHERS):
        text = user_data(r.props)
        for what in secrets_in(text) if text else ():
            yield f"user data contains {what}", r.where


@rule("AIDC-CMP-007", local=True)
def allowed_instance_types(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    allowed = set(cfg.get("allowed_instance_types") or ())
    if not allowed:
        return
    for r in stack.of(*LAUNCHERS, ASG):
        kinds = [r.props.get("instanceType")]
        policy = mapping(mapping(r.props.get("mixedInstancesPolicy")).get("launchTemplate"))
        kinds += [
            o.get("instanceType")
            for o in as_list(policy.get("overrides"))
            if isinstance(o, Mapping)
        ]
        for kind in dict.fromkeys(k for k in kinds if isinstance(k, str) and k):
            if kind not in allowed:
                yield f"instance type {kind} is not in allowed_instance_types", r.where


def _efa_nodes(stack: Stack) -> dict[str, Res]:
    """Instances attached to EFA network interfaces (by the instance or an attachment)."""
    on_interface = stack.view(_interface_nodes)
    return {
        node.where: node
        for eni in stack.of(network.ENI)
        if network.is_efa(eni.props.get("interfaceType"))
        for node in on_interface.get(eni.where, ())
    }


def _own_placement(res: Res) -> tuple[str, Any]:
    key = "placementGroupId" if res.props.get("placementGroup") is None else "placementGroup"
    return key, res.props.get(key)


def _placement_problem(stack: Stack, res: Res, prop: str, value: Any) -> str | None:
    """Why this placement is not a cluster placement group, or None where it is (or where it
    names a group outside the stack, which cannot be judged)."""
    if value is None or value == "":
        return "no cluster placement group"
    if unknown(value) and not res.deps.get(prop):
        return None
    groups = stack.refs(res, prop, (PLACEMENT,), value)
    for g in groups:
        strategy = g.props.get("strategy")
        if strategy != "cluster" and not unknown(strategy):
            return f"placement group {g.name} with strategy {strategy}, not cluster"
    return None


@rule("AIDC-CMP-006")
def efa_cluster_placement_group(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    users = stack.view(launches).users
    for lt in stack.of(TEMPLATE):
        if not any(network.is_efa(n.get("interfaceType")) for n in _nics(lt)):
            continue
        placement = mapping(lt.props.get("placement"))
        key = "groupName" if placement.get("groupName") is not None else "groupId"
        problem = _placement_problem(stack, lt, "placement", placement.get(key))
        if problem is None:
            continue
        # A template without a placement of its own is placed by what launches from it.
        launched = users.get(lt.where, [])
        theirs = [_placement_problem(stack, u.res, *u.placement) for u in launched]
        if launched and not any(theirs):
            continue
        if placement.get(key) is None:
            problem = next((p for p in theirs if p and p.startswith("placement")), problem)
        yield f"launch template {lt.name} has EFA interfaces but {problem}", lt.where
    for where, node in stack.view(_efa_nodes).items():
        problem = _placement_problem(stack, node, *_own_placement(node))
        if problem is not None:
            yield f"instance {node.name} has EFA interfaces but {problem}", where


@rule("AIDC-CMP-008")
def gpu_budget(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    total = 0
    for launch in stack.view(launches).by_node.values():
        per_node = max((gpus_of(k, cfg) for k in launch.types), default=0)
        total += per_node * launch.count
    budget = int(cfg.get("max_gpus", 0))
    if total > budget:
        yield f"the stack has {total} GPUs, over the budget max_gpus={budget}", ""
