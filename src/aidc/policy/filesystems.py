"""Shared file system rules: EFS and FSx for Lustre encrypted at rest and in transit, never
reachable from the internet, their interfaces in private subnets.

A file system is one by its type, whoever declared it. EFS is reached through mount targets
(each names its file system, subnet and security groups), FSx through the network interfaces
it creates in `subnetIds` behind `securityGroupIds`; an EFS file system policy names its file
system in `fileSystemId`. References resolve as everywhere else (dependency, id, ARN), never by
a resource's name or tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from aidc.policy import network, storage
from aidc.policy.model import Stack, unclaimed
from aidc.policy.registry import (
    Hit,
    Res,
    Settings,
    as_list,
    falsy,
    mapping,
    rule,
    truthy,
    unknown,
)

EFS = "aws:efs/fileSystem:FileSystem"
MOUNT_TARGET = "aws:efs/mountTarget:MountTarget"
EFS_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
LUSTRE = "aws:fsx/lustreFileSystem:LustreFileSystem"
FSX = (
    LUSTRE,
    "aws:fsx/windowsFileSystem:WindowsFileSystem",
    "aws:fsx/ontapFileSystem:OntapFileSystem",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem",
)
NFS = 2049
# LNet's port and the privileged ports Lustre connects from.
LUSTRE_PORTS = (988, *range(1018, 1024))
# The one FSx for Lustre deployment type that carries data in clear between clients and
# servers (AWS encrypts in transit on SCRATCH_2 and PERSISTENT_* from Nitro instances); it is
# also the provider's default when none is named.
PLAIN_LUSTRE = "SCRATCH_1"
# A statement with Principal * is tied to the VPC when it asks for access through a mount
# target (what the EFS console writes by default), or to known callers by the S3 keys.
MOUNT_TARGET_KEY = "elasticfilesystem:accessedviamounttarget"
# Actions whose denial without TLS stops plain NFS mounts.
MOUNT_ACTIONS = frozenset({"*", "elasticfilesystem:*", "elasticfilesystem:clientmount"})


@rule("AIDC-STO-006", local=True)
def filesystem_encrypted_at_rest(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    # FSx (Lustre, Windows, ONTAP, OpenZFS) always encrypts at rest: only EFS can be plain.
    for fs in stack.of(EFS):
        encrypted = fs.props.get("encrypted")
        if not unknown(encrypted) and not truthy(encrypted):
            yield "EFS file system is not encrypted at rest (encrypted is not true)", fs.where


def _condition_keys(statement: Mapping[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for keys in mapping(statement.get("Condition")).values():
        for key, value in mapping(keys).items():
            out.setdefault(str(key).lower(), []).extend(as_list(value))
    return out


def _through_mount_target(statement: Mapping[str, Any]) -> bool:
    values = _condition_keys(statement).get(MOUNT_TARGET_KEY, [])
    return bool(values) and all(truthy(v) for v in values)


def public_grants(policy: Any) -> list[Mapping[str, Any]]:
    """Allow statements of an EFS file system policy open to any principal, tied neither to
    known callers nor to the VPC's mount targets."""
    return [s for s in storage.public_statements(policy) if not _through_mount_target(s)]


def _world_perms(
    stack: Stack, res: Res, prop: str, ports: tuple[int, ...]
) -> Iterator[tuple[network.Perm, str, int]]:
    """(permission, world CIDR, first port opened) of each ingress in the security groups
    `prop` names that admits the world on one of the service's ports."""
    model = stack.view(network.groups)
    for group in stack.refs(res, prop, network.GROUPS):
        found = model.get(group.where)
        for p in found.perms if found else ():
            opened = [port for port in ports if p.direction == "ingress" and p.covers(port)]
            for cidr in p.world if opened else ():
                yield p, cidr, opened[0]


@rule("AIDC-STO-007")
def filesystem_not_public(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for pol in stack.of(EFS_POLICY):
        if public_grants(pol.props.get("policy")):
            yield (
                "EFS file system policy allows any principal (Principal *) without a condition "
                "that ties it to the VPC's mount targets or known callers",
                pol.where,
            )
    exposed: list[tuple[Res, str, tuple[int, ...], str]] = [
        (mt, "securityGroups", (NFS,), "NFS of an EFS mount target")
        for mt in stack.of(MOUNT_TARGET)
    ]
    exposed += [(fs, "securityGroupIds", LUSTRE_PORTS, "FSx for Lustre") for fs in stack.of(LUSTRE)]
    seen: set[tuple[str, str]] = set()
    for res, prop, ports, what in exposed:
        for perm, cidr, port in _world_perms(stack, res, prop, ports):
            where = perm.source.where
            if (where, cidr) not in seen:
                seen.add((where, cidr))
                yield f"{perm.label} from {cidr} opens {what} (port {port}) to the world", where


def _subnet_problem(subnet: Res, public: set[str]) -> str | None:
    if subnet.where in public:
        return "routes to an internet gateway"
    if truthy(subnet.props.get("mapPublicIpOnLaunch")):
        return "gives public IPs to what launches in it"
    return None


@rule("AIDC-STO-008")
def filesystem_in_private_subnet(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    public = stack.view(network.public_subnets)
    placed = [(mt, "subnetId", "EFS mount target") for mt in stack.of(MOUNT_TARGET)]
    placed += [(fs, "subnetIds", "FSx file system") for fs in stack.of(*FSX)]
    for res, prop, what in placed:
        for subnet in stack.refs(res, prop, (network.SUBNET,)):
            problem = _subnet_problem(subnet, public)
            if problem:
                yield f"{what} sits in subnet {subnet.name}, which {problem}", res.where


def _denies_plain_mounts(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Deny" or not storage.anyone(statement.get("Principal")):
        return False
    actions = {str(a).lower() for a in as_list(statement.get("Action"))}
    secure = _condition_keys(statement).get("aws:securetransport", [])
    return bool(actions & MOUNT_ACTIONS) and bool(secure) and all(falsy(v) for v in secure)


def requires_tls(policy: Any) -> bool | None:
    """Whether an EFS file system policy refuses clients without TLS; None when unknown."""
    if unknown(policy):
        return None
    statements = as_list(storage.policy_document(policy).get("Statement"))
    return any(isinstance(s, Mapping) and _denies_plain_mounts(s) for s in statements)


@rule("AIDC-STO-009")
def filesystem_encrypted_in_transit(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for fs in stack.of(LUSTRE):
        kind = fs.props.get("deploymentType")
        if not unknown(kind) and str(kind or PLAIN_LUSTRE).upper() == PLAIN_LUSTRE:
            yield (
                f"FSx for Lustre deployment type {PLAIN_LUSTRE} does not encrypt data in transit",
                fs.where,
            )
    # A policy that cannot be read yet (unknown at preview) counts as one that requires TLS.
    tls = [p for p in stack.of(EFS_POLICY) if requires_tls(p.props.get("policy")) is not False]
    for fs in unclaimed(stack, stack.of(EFS), tls, "fileSystemId"):
        yield (
            f"EFS file system {fs.name} has no file system policy that denies access without "
            "TLS (aws:SecureTransport false)",
            fs.where,
        )
