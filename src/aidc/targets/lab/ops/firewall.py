"""Host nftables rules that enforce the declared flows between lab nodes.

Debian package: nftables. One table per stack, `inet aidc_<stack>`.

Nodes on one bridge are bridged, not routed. On this kernel the nft `bridge`
family cannot track connections (no nf_conntrack_bridge: `ct state` fails with
"Protocol error"), so filtering uses bridge netfilter instead: ensure_bridge
sets the bridge's own nf_call_iptables/nf_call_ip6tables, and bridged IPv4/IPv6
between its ports then traverses the inet `forward` hook with conntrack and
iif/oif = the bridge. Between nodes: established/related replies pass, new
connections pass only if a Flow allows them, everything else (IPv6 included) is
dropped. From nodes to the host (`input`): replies to the host's own
connections (admin SSH), the listed host TCP ports (the apt proxy) and ping
pass; the rest is dropped. Host-initiated traffic to nodes is not filtered.
ARP is not IP and is never filtered.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aidc.targets.lab.ops.paths import check_name
from aidc.targets.lab.ops.shell import run

TABLE_PREFIX = "aidc_"
_FAMILY = "inet"
Protocol = Literal["tcp", "udp", "icmp"]


@dataclass(frozen=True)
class Flow:
    """New connections allowed from any source to any destination (IPv4 hosts or CIDRs).

    ports is an inclusive (first, last) destination port range for tcp/udp,
    None for all ports; it must be None for icmp.
    """

    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    protocol: Protocol
    ports: tuple[int, int] | None = None


@dataclass(frozen=True)
class Ruleset:
    """A stack's firewall: its bridges, the flows between nodes, host ports nodes may reach."""

    bridges: tuple[str, ...]
    flows: tuple[Flow, ...] = ()
    host_tcp_ports: tuple[int, ...] = ()


def table_name(stack: str) -> str:
    """The stack's nft table name."""
    return TABLE_PREFIX + check_name("stack", stack)


def render_ruleset(stack: str, ruleset: Ruleset) -> str:
    """The nft script that atomically replaces the stack's table (pure function)."""
    if not ruleset.bridges:
        raise ValueError("a ruleset needs at least one bridge")
    table = f"{_FAMILY} {table_name(stack)}"
    bridges = _set(f'"{b}"' for b in ruleset.bridges)
    between_nodes = [
        "ct state established,related accept",
        *(_render_flow(flow) for flow in ruleset.flows),
        "counter drop",
    ]
    from_nodes = ["ct state established,related accept"]
    if ruleset.host_tcp_ports:
        if not all(1 <= port <= 65535 for port in ruleset.host_tcp_ports):
            raise ValueError(f"invalid host ports {ruleset.host_tcp_ports}")
        from_nodes.append(f"tcp dport {_set(map(str, sorted(set(ruleset.host_tcp_ports))))} accept")
    from_nodes += ["icmp type echo-request accept", "counter drop"]
    lines = [
        # Declaring then deleting makes the delete safe when the table is absent;
        # nft -f applies the whole file as one transaction.
        f"table {table}",
        f"delete table {table}",
        f"table {table} {{",
        "\tchain forward {",
        "\t\ttype filter hook forward priority filter; policy accept;",
        f"\t\tiifname {bridges} oifname {bridges} jump between_nodes",
        "\t}",
        "\tchain between_nodes {",
        *(f"\t\t{rule}" for rule in between_nodes),
        "\t}",
        "\tchain input {",
        "\t\ttype filter hook input priority filter; policy accept;",
        f"\t\tiifname {bridges} jump from_nodes",
        "\t}",
        "\tchain from_nodes {",
        *(f"\t\t{rule}" for rule in from_nodes),
        "\t}",
        "}",
    ]
    return "\n".join(lines) + "\n"


def apply_ruleset(stack: str, ruleset: Ruleset) -> None:
    """Replace the stack's table with ruleset in one transaction (idempotent)."""
    if not Path("/proc/sys/net/bridge").is_dir():
        raise RuntimeError(
            "bridge netfilter is not loaded (modprobe br_netfilter): rules would not apply"
        )
    for bridge in ruleset.bridges:
        switch = Path(f"/sys/class/net/{bridge}/bridge/nf_call_iptables")
        if not switch.exists() or switch.read_text().strip() != "1":
            raise RuntimeError(f"bridge {bridge} is missing or not made by ensure_bridge")
    run(["nft", "-f", "-"], input=render_ruleset(stack, ruleset))


def table_exists(stack: str) -> bool:
    """True if the stack's table is loaded."""
    return table_name(stack) in list_tables()


def delete_table(stack: str) -> None:
    """Remove the stack's table; absent is fine."""
    table = f"{_FAMILY} {table_name(stack)}"
    run(["nft", "-f", "-"], input=f"table {table}\ndelete table {table}\n")


def list_tables(prefix: str = TABLE_PREFIX) -> list[str]:
    """Names of loaded inet tables starting with prefix."""
    listing = json.loads(run(["nft", "-j", "list", "tables", _FAMILY]).stdout or "{}")
    return sorted(
        item["table"]["name"]
        for item in listing.get("nftables", [])
        if "table" in item and item["table"]["name"].startswith(prefix)
    )


def _render_flow(flow: Flow) -> str:
    if not flow.sources or not flow.destinations:
        raise ValueError(f"flow needs sources and destinations: {flow}")
    match = f"ip saddr {_addresses(flow.sources)} ip daddr {_addresses(flow.destinations)}"
    if flow.protocol == "icmp":
        if flow.ports is not None:
            raise ValueError(f"icmp flows take no ports: {flow}")
        return f"{match} ip protocol icmp accept"
    if flow.protocol not in ("tcp", "udp"):
        raise ValueError(f"unknown protocol {flow.protocol!r}: use tcp, udp or icmp")
    if flow.ports is None:
        return f"{match} ip protocol {flow.protocol} accept"
    first, last = flow.ports
    if not 1 <= first <= last <= 65535:
        raise ValueError(f"invalid port range {flow.ports}")
    ports = str(first) if first == last else f"{first}-{last}"
    return f"{match} {flow.protocol} dport {ports} accept"


def _addresses(values: tuple[str, ...]) -> str:
    # strict parsing rejects "10.0.0.5/24"; collapsing avoids nft's overlapping-interval error
    networks = ipaddress.collapse_addresses(ipaddress.IPv4Network(v) for v in values)
    return _set(str(n.network_address) if n.prefixlen == 32 else str(n) for n in networks)


def _set(items: Iterable[str]) -> str:
    """An nft anonymous set, or the bare element when there is one."""
    elements = list(items)
    return elements[0] if len(elements) == 1 else "{ " + ", ".join(elements) + " }"
