"""Linux bridges that act as the lab's networks.

Debian package: iproute2. A bridge gets one host IPv4 address (the nodes'
admin and proxy endpoint), no IPv6, and bridge netfilter switched on for
itself only (nf_call_iptables), so the inet firewall table sees traffic
between its ports. Nothing is routed or NATed: nodes have no way off the host.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from pathlib import Path

from aidc.targets.lab.ops.shell import run

BRIDGE_PREFIX = "aidc-"
_SYS_NET = Path("/sys/class/net")
_IFNAMSIZ = 15  # Linux interface names are at most 15 characters


def bridge_name(stack: str, network: str) -> str:
    """Stable short bridge name for (stack, network), e.g. 'aidc-3f2a9c0b1d'."""
    digest = hashlib.sha256(f"{stack}/{network}".encode()).hexdigest()
    return BRIDGE_PREFIX + digest[: _IFNAMSIZ - len(BRIDGE_PREFIX)]


def ensure_bridge(name: str, host_cidr: str) -> None:
    """Create bridge name with host address host_cidr (e.g. '10.42.0.1/24'), or converge it."""
    _check_ifname(name)
    address = ipaddress.IPv4Interface(host_cidr)
    if address.ip in (address.network.network_address, address.network.broadcast_address):
        raise ValueError(f"{host_cidr}: host address must not be the network or broadcast address")
    if not bridge_exists(name):
        run(["ip", "link", "add", "name", name, "type", "bridge"])
    # Per-bridge switch: bridged IPv4/IPv6 traverse the inet hooks (with conntrack)
    # regardless of the host-wide net.bridge.bridge-nf-call-* sysctls.
    bridge_netfilter = ["nf_call_iptables", "1", "nf_call_ip6tables", "1"]
    run(["ip", "link", "set", "dev", name, "type", "bridge", *bridge_netfilter])
    # The lab is IPv4 only; no link-local address, no router/MLD chatter.
    Path(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6").write_text("1\n")
    for other in bridge_addresses(name):
        if other != address.with_prefixlen:
            run(["ip", "-4", "address", "del", other, "dev", name])
    if address.with_prefixlen not in bridge_addresses(name):
        run(["ip", "-4", "address", "add", address.with_prefixlen, "dev", name])
    run(["ip", "link", "set", "dev", name, "up"])


def bridge_exists(name: str) -> bool:
    """True if name is an existing bridge device."""
    return (_SYS_NET / name / "bridge").is_dir()


def bridge_addresses(name: str) -> list[str]:
    """IPv4 addresses (CIDR form) on the bridge; [] if it does not exist."""
    if not bridge_exists(name):
        return []
    out = run(["ip", "-j", "-4", "address", "show", "dev", name]).stdout
    return [
        f"{info['local']}/{info['prefixlen']}"
        for link in json.loads(out or "[]")
        for info in link.get("addr_info", [])
    ]


def delete_bridge(name: str) -> None:
    """Delete the bridge; absent is fine. Ports still attached are detached by the kernel."""
    if bridge_exists(name):
        run(["ip", "link", "del", "dev", name])


def list_bridges(prefix: str = BRIDGE_PREFIX) -> list[str]:
    """Names of existing bridges starting with prefix."""
    return sorted(
        dev.name
        for dev in _SYS_NET.iterdir()
        if dev.name.startswith(prefix) and bridge_exists(dev.name)
    )


def _check_ifname(name: str) -> None:
    if not 0 < len(name) <= _IFNAMSIZ or "/" in name or any(c.isspace() for c in name):
        raise ValueError(f"invalid interface name {name!r} (1-{_IFNAMSIZ} chars, no '/' or spaces)")
