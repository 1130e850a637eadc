"""What a lab stack leaves on the host: bridges, links, netns, nspawn processes, nft tables,
mounts and folders, listed the same way before and after a destroy.

Scoped to one stack's names and folders, so labs of other stacks on the same host (other
engineers' experiments) do not blur the picture.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aidc.targets.lab.ops import firewall, paths


@dataclass(frozen=True)
class Snapshot:
    bridges: frozenset[str]
    links: frozenset[str]
    netns: frozenset[str]
    nspawn: frozenset[str]
    nft_tables: frozenset[str]
    mounts: frozenset[str]
    stack_dirs: frozenset[str]

    def minus(self, other: Snapshot) -> dict[str, list[str]]:
        """What this snapshot holds that `other` did not, by kind; empty kinds left out."""
        out = {}
        for kind in self.__dataclass_fields__:
            extra = sorted(getattr(self, kind) - getattr(other, kind))
            if extra:
                out[kind] = extra
        return out


def _lines(cmd: list[str]) -> list[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return result.stdout.splitlines() if result.returncode == 0 else []


def snapshot(stack: str, bridges: set[str]) -> Snapshot:
    """`bridges`: the stack's bridge names; its nodes' veths are enslaved to them."""
    links = json.loads(
        subprocess.run(
            ["ip", "-j", "link", "show"], capture_output=True, text=True, check=True
        ).stdout
    )
    ours = [
        link["ifname"]
        for link in links
        if link["ifname"] in bridges or link.get("master") in bridges
    ]
    stack_dir = paths.stack_dir(stack)
    # Live processes only: an exited nspawn waiting for its parent to reap it holds nothing.
    nspawn = [
        p.name
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _is_nspawn_of(p, stack_dir) and not _zombie(p)
    ]
    mounts = [
        line.split()[1]
        for line in Path("/proc/mounts").read_text().splitlines()
        if line.split()[1].startswith(str(stack_dir))
    ]
    table = f"table inet {firewall.table_name(stack)}"
    return Snapshot(
        bridges=frozenset(n for n in ours if n in bridges),
        links=frozenset(ours),
        netns=frozenset(_lines(["ip", "netns", "list"])),
        nspawn=frozenset(nspawn),
        nft_tables=frozenset(t for t in _lines(["nft", "list", "tables"]) if t == table),
        mounts=frozenset(mounts),
        stack_dirs=frozenset([str(stack_dir)]) if stack_dir.exists() else frozenset(),
    )


def _is_nspawn_of(proc: Path, stack_dir: Path) -> bool:
    try:
        if (proc / "comm").read_text().strip() != "systemd-nspawn":
            return False
        return str(stack_dir) in (proc / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _zombie(proc: Path) -> bool:
    try:
        return (proc / "stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True
