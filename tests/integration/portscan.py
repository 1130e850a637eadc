"""Real TCP port scans of lab nodes with nmap, from the host or from inside a node.

A scan "from a node" runs the host's nmap in that node's network namespace (entered through
the node's init process), so its packets leave the node's own interface with the node's
address and cross the lab bridge and both firewalls like any traffic of that node.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from aidc.targets.lab.ops import paths

ALL_PORTS = frozenset(range(1, 65536))


@dataclass(frozen=True)
class Ports:
    """What one scan saw on one address: open answered SYN-ACK, closed answered RST; every
    other port got no answer (filtered, dropped by a firewall)."""

    open: frozenset[int]
    closed: frozenset[int]

    @property
    def reachable(self) -> frozenset[int]:
        return self.open | self.closed


def node_netns_pid(stack: str, hostname: str) -> int:
    """The node's init process (systemd-nspawn's child), whose network namespace is the node's."""
    nspawn = int((paths.node_dir(stack, hostname) / "nspawn.pid").read_text().strip())
    children = Path(f"/proc/{nspawn}/task/{nspawn}/children").read_text().split()
    if not children:
        raise RuntimeError(f"{hostname}: systemd-nspawn {nspawn} has no init process")
    return int(children[0])


def scan_tcp(addresses: list[str], from_pid: int | None = None) -> dict[str, Ports]:
    """A SYN scan of every TCP port of each address (root: raw sockets)."""
    argv = [
        "nmap", "-Pn", "-n", "-sS", "-p-", "--max-retries", "1", "--min-rate", "20000",
        "-oX", "-", *addresses,
    ]  # fmt: skip
    if from_pid is not None:
        argv = ["nsenter", f"--net=/proc/{from_pid}/ns/net", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=True)
    return parse_nmap_xml(result.stdout)


def parse_nmap_xml(text: str) -> dict[str, Ports]:
    out = {}
    for host in ET.fromstring(text).iter("host"):  # noqa: S314 - our own nmap run
        address = next(
            a.get("addr", "") for a in host.iter("address") if a.get("addrtype") == "ipv4"
        )
        states: dict[str, set[int]] = {"open": set(), "closed": set()}
        for port in host.iter("port"):
            state = port.find("state")
            if state is not None and state.get("state") in states:
                states[str(state.get("state"))].add(int(port.get("portid", "0")))
        # Ports nmap groups instead of listing carry their ranges in extrareasons.
        for extra in host.iter("extraports"):
            if extra.get("state") in states:
                for reason in extra.iter("extrareasons"):
                    states[str(extra.get("state"))] |= _ranges(reason.get("ports", ""))
        out[address] = Ports(frozenset(states["open"]), frozenset(states["closed"]))
    return out


def _ranges(text: str) -> set[int]:
    ports: set[int] = set()
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        ports.update(range(int(first), int(last or first) + 1))
    return ports
