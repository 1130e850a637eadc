"""Constrained scalar types the spec models share."""

from __future__ import annotations

import re
from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints

from aidc import catalog
from aidc.spec.errors import show

Target = Literal["lab", "aws"]
Role = Literal["gpu", "cpu", "storage", "login", "monitor"]
ROLES: tuple[Role, ...] = ("gpu", "cpu", "storage", "login", "monitor")
Protocol = Literal["tcp", "udp", "icmp", "all"]
BucketPurpose = Literal["datasets", "checkpoints", "logs"]
Encryption = Literal["sse-s3", "kms"]
DebianSuite = Literal["bookworm", "trixie"]
HardeningProfile = Literal["baseline", "strict", "off"]
ContainerRuntime = Literal["podman", "none"]
FilesystemKind = Literal["cephfs", "lustre", "efs"]
CephfsClient = Literal["auto", "kernel", "fuse"]

# An RFC 1123 label: lowercase letters, digits and '-', not starting or ending with '-'.
# Names become parts of hostnames, so they are held to the same rule.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"),
]

# Integers and booleans as YAML and JSON write them: `true` is no count, `"3"` no number.
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]


def _cidr_text(value: object) -> object:
    # pydantic would read a bare integer as a /32 address: no one writes a network that way.
    if isinstance(value, str | IPv4Network):
        return value
    raise ValueError(
        f"{show(value)} is not an IPv4 network; write it like 10.0.0.0/16, host bits zero"
    )


Cidr = Annotated[IPv4Network, BeforeValidator(_cidr_text)]


def _not_reserved_tag(key: str) -> str:
    if key.lower().startswith("aws:"):
        raise ValueError(
            f"{show(key)} starts with 'aws:', a prefix AWS reserves for its own tags; "
            "choose another key"
        )
    return key


TagKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[\w .:/=+\-@]+$"),
    AfterValidator(_not_reserved_tag),
]
TagValue = Annotated[str, StringConstraints(max_length=256, pattern=r"^[\w .:/=+\-@]*$")]


def _known_gpu(sku: str) -> str:
    known = catalog.gpus()
    if sku not in known:
        raise ValueError(f"{show(sku)} is not a known GPU SKU; allowed: {', '.join(sorted(known))}")
    return sku


GpuSku = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_gpu)]

# Which instance types exist is the aws target's question (its rules ask the catalog); here,
# only the form: a family, a dot and a size.
InstanceTypeName = Annotated[
    str, StringConstraints(max_length=64, pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
]

# What an image names is the target's question (aws: an AMI id or an SSM parameter); here, a
# reference of a sane size without blanks.
ImageRef = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^\S+$")]

Zone = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$")]

# AWS security group rules take these characters in a description, and nftables at most 128
# characters in a comment; the lab's nodes keep descriptions as comments.
DESCRIPTION_CHARS = "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*"
Description = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=128, pattern=r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+$"
    ),
]

Site = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=64,
        pattern=r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$",
    ),
]

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_KMS_KEY = f"(?:{_UUID}|mrk-[0-9a-f]{{32}})"
_KMS_ALIAS = "alias/[A-Za-z0-9/_-]{1,250}"
_KMS_ARN = r"arn:aws(?:-cn|-us-gov)?:kms:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:"
_KMS = re.compile(rf"(?:{_KMS_KEY}|{_KMS_ALIAS}|{_KMS_ARN}(?:key/{_KMS_KEY}|{_KMS_ALIAS}))")
KMS_FORMS = "a key id (a UUID or mrk-...), alias/<name>, or the ARN of a key or alias"


def _kms_key(value: str) -> str:
    if not _KMS.fullmatch(value):
        raise ValueError(f"{show(value)} is not a KMS key; use {KMS_FORMS}")
    return value


KmsKeyId = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_kms_key)]

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
BUCKET_FORM = (
    "3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with a "
    "letter or digit, no '..', not an IP address"
)


def bucket_name_problem(name: str) -> str | None:
    """Why S3 would refuse this bucket name, or None."""
    shown = show(name)
    if not _BUCKET.fullmatch(name) or ".." in name:
        return f"{shown} is not a valid S3 bucket name; use {BUCKET_FORM}"
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        return f"{shown} looks like an IP address; use {BUCKET_FORM}"
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return f"{shown} uses a prefix or suffix S3 reserves; use {BUCKET_FORM}"
    return None


def _bucket_name(name: str) -> str:
    problem = bucket_name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


BucketName = Annotated[str, AfterValidator(_bucket_name)]


def _parse_ports(value: object) -> object:
    """Accept 22, "22" or "6800-7300"; return (low, high)."""
    if isinstance(value, bool):
        raise ValueError("is a boolean; write a port like 22 or a range like 6800-7300")
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, str):
        low, sep, high = value.partition("-")
        if low.strip().isdigit() and (not sep or high.strip().isdigit()):
            return (int(low), int(high) if sep else int(low))
        raise ValueError(f"'{value}' is not a port or port range; use 22 or 6800-7300")
    return value


def _check_ports(value: tuple[int, int]) -> tuple[int, int]:
    low, high = value
    if not (1 <= low <= 65535 and 1 <= high <= 65535):
        raise ValueError(f"port {low if not 1 <= low <= 65535 else high} is out of range; 1-65535")
    if low > high:
        raise ValueError(f"range {low}-{high} is reversed; write the low port first")
    return value


PortRange = Annotated[tuple[int, int], BeforeValidator(_parse_ports), AfterValidator(_check_ports)]

Count = Annotated[int, Strict(), Field(ge=1, le=4096)]
# A mount point: absolute, plain path components, not the root or a system directory.
MountPath = Annotated[
    str,
    StringConstraints(max_length=255, pattern=r"^(/[A-Za-z0-9_][A-Za-z0-9._-]{0,63}){1,8}$"),
]
# A directory below a mount point: relative, plain components, no '..'.
SubPath = Annotated[
    str,
    StringConstraints(
        max_length=255,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,63}){0,7}$",
    ),
]
DiskGb = Annotated[int, Strict(), Field(ge=8, le=65536)]
