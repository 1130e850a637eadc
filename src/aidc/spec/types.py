"""Constrained scalar types the spec models share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

Target = Literal["lab", "aws"]
Role = Literal["gpu", "cpu", "storage", "login", "monitor"]
ROLES: tuple[Role, ...] = ("gpu", "cpu", "storage", "login", "monitor")
Protocol = Literal["tcp", "udp", "icmp", "all"]
BucketPurpose = Literal["datasets", "checkpoints", "logs"]
Encryption = Literal["sse-s3", "kms"]
DebianSuite = Literal["bookworm", "trixie"]
HardeningProfile = Literal["baseline", "strict", "off"]

# An RFC 1123 label: lowercase letters, digits and '-', not starting or ending with '-'.
# Names become parts of hostnames, so they are held to the same rule.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"),
]

TagKey = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w .:/=+\-@]+$")
]
TagValue = Annotated[str, StringConstraints(max_length=256, pattern=r"^[\w .:/=+\-@]*$")]


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

Count = Annotated[int, Field(ge=1, le=4096)]
DiskGb = Annotated[int, Field(ge=8, le=65536)]
