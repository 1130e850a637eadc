"""Compute rules: instance metadata, volumes, public addresses, user data, EFA placement,
instance types and the GPU budget."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aidc.catalog import instance_types
from aidc.policy.registry import (
    Props,
    Res,
    Settings,
    as_list,
    resource_rule,
    roles_of,
    stack_rule,
    tags_of,
    truthy,
)

INSTANCE = "aws:ec2/instance:Instance"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
PLACEMENT = "aws:ec2/placementGroup:PlacementGroup"
ASG = "aws:autoscaling/group:Group"
PRIVATE_ROLES = ("gpu", "storage")

# What a secret looks like in cloud-init: AWS keys, private keys, password/token assignments.
_SECRETS = [
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"aws_secret_access_key\s*[=:]", re.I), "an AWS secret access key"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(password|passwd|secret|token|api_key)\s*[=:]\s*\S+", re.I), "a credential"),
]


def _metadata(typ: str, props: Props) -> Mapping[str, Any] | None:
    """The metadata options, or None where an instance inherits them from a launch template."""
    meta = props.get("metadataOptions")
    if isinstance(meta, Mapping):
        return meta
    if typ == INSTANCE and props.get("launchTemplate"):
        return None
    return {}


@resource_rule("AIDC-CMP-001", INSTANCE, TEMPLATE)
def imdsv2_required(typ: str, props: Props, cfg: Settings) -> list[str]:
    meta = _metadata(typ, props)
    if meta is None or meta.get("httpTokens") == "required":
        return []
    return [f"metadata_options.http_tokens is {meta.get('httpTokens', 'unset')!s}, not required"]


@resource_rule("AIDC-CMP-002", INSTANCE, TEMPLATE)
def imds_hop_limit_1(typ: str, props: Props, cfg: Settings) -> list[str]:
    meta = _metadata(typ, props)
    if meta is None:
        return []
    hops = meta.get("httpPutResponseHopLimit")
    if hops is not None and int(hops) == 1:
        return []
    shown = "unset" if hops is None else hops
    return [f"metadata_options.http_put_response_hop_limit is {shown}, not 1"]


@resource_rule("AIDC-CMP-003", INSTANCE, TEMPLATE, VOLUME)
def encrypted_volumes(typ: str, props: Props, cfg: Settings) -> list[str]:
    if typ == VOLUME:
        return [] if truthy(props.get("encrypted")) else ["EBS volume is not encrypted"]
    out = []
    if typ == INSTANCE:
        root = props.get("rootBlockDevice")
        if isinstance(root, Mapping) and not truthy(root.get("encrypted")):
            out.append("root block device is not encrypted")
        for dev in as_list(props.get("ebsBlockDevices")):
            if isinstance(dev, Mapping) and not truthy(dev.get("encrypted")):
                out.append(f"EBS block device {dev.get('deviceName', '?')} is not encrypted")
    for dev in as_list(props.get("blockDeviceMappings")):
        ebs = dev.get("ebs") if isinstance(dev, Mapping) else None
        if isinstance(ebs, Mapping) and not truthy(ebs.get("encrypted")):
            out.append(f"block device {dev.get('deviceName', '?')} is not encrypted")
    return out


@resource_rule("AIDC-CMP-004", INSTANCE, TEMPLATE)
def no_public_ip_gpu_storage(typ: str, props: Props, cfg: Settings) -> list[str]:
    roles = sorted(roles_of(props).intersection(PRIVATE_ROLES))
    if not roles:
        return []
    public = truthy(props.get("associatePublicIpAddress")) or any(
        isinstance(nic, Mapping) and truthy(nic.get("associatePublicIpAddress"))
        for nic in as_list(props.get("networkInterfaces"))
    )
    return [f"{'+'.join(roles)} node gets a public IP address"] if public else []


def _user_data(props: Props) -> str:
    raw = props.get("userData")
    if raw is None:
        raw = props.get("userDataBase64")
    text = str(raw or "")
    # Launch templates take base64; decode when it is (else scan the text as it is).
    try:
        decoded = base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return text
    return decoded if text else ""


@resource_rule("AIDC-CMP-005", INSTANCE, TEMPLATE)
def no_secrets_in_user_data(typ: str, props: Props, cfg: Settings) -> list[str]:
    text = _user_data(props)
    return [f"user data contains {what}" for pattern, what in _SECRETS if pattern.search(text)]


@resource_rule("AIDC-CMP-007", INSTANCE, TEMPLATE)
def allowed_instance_types(typ: str, props: Props, cfg: Settings) -> list[str]:
    kind = props.get("instanceType")
    allowed = cfg.get("allowed_instance_types") or ()
    if kind is None or not allowed or kind in allowed:
        return []
    return [f"instance type {kind} is not in allowed_instance_types"]


def _efa(props: Props) -> bool:
    return any(
        isinstance(nic, Mapping) and str(nic.get("interfaceType", "")).startswith("efa")
        for nic in as_list(props.get("networkInterfaces"))
    )


@stack_rule("AIDC-CMP-006")
def efa_cluster_placement_group(resources: Sequence[Res], cfg: Settings) -> list[tuple[str, str]]:
    clusters = [
        r for r in resources if r.type == PLACEMENT and r.props.get("strategy") == "cluster"
    ]
    out = []
    for r in resources:
        if r.type != TEMPLATE or not _efa(r.props):
            continue
        placement = r.props.get("placement")
        named = isinstance(placement, Mapping) and placement.get("groupName")
        if not named or not clusters:
            out.append(
                (
                    f"launch template {r.name} has EFA interfaces but no cluster placement group",
                    r.urn or r.name,
                )
            )
    return out


def _pool_key(props: Props) -> tuple[str, str]:
    tags = tags_of(props)
    return (str(tags.get("aidc:cluster", "")), str(tags.get("aidc:pool", "")))


def gpus_of(kind: str, cfg: Settings) -> int:
    """GPUs of one instance of this type: policy config's gpus_per_instance_type, else aidc's
    instance catalog; 0 for a type neither knows (CMP-007 flags it by default)."""
    extra: Mapping[str, int] = cfg.get("gpus_per_instance_type") or {}
    if kind in extra:
        return int(extra[kind])
    known = instance_types().get(kind)
    return known.gpus if known is not None else 0


@stack_rule("AIDC-CMP-008")
def gpu_budget(resources: Sequence[Res], cfg: Settings) -> list[tuple[str, str]]:
    # Instances usually take their type from the pool's launch template: match by pool tags.
    template_type = {
        _pool_key(r.props): str(r.props.get("instanceType"))
        for r in resources
        if r.type == TEMPLATE and r.props.get("instanceType")
    }
    total = 0
    for r in resources:
        if r.type == INSTANCE:
            kind = r.props.get("instanceType") or template_type.get(_pool_key(r.props))
            total += gpus_of(str(kind), cfg)
        elif r.type == ASG:
            kind = template_type.get(_pool_key(r.props), "")
            count = r.props.get("maxSize") or r.props.get("desiredCapacity") or 0
            total += gpus_of(kind, cfg) * int(count)
    budget = int(cfg.get("max_gpus", 0))
    if total > budget:
        return [(f"the stack has {total} GPUs, over the budget max_gpus={budget}", "")]
    return []
