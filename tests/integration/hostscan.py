"""What the lab leaves on the host: bridges, netns, nspawn processes, nft tables, mounts and
folders, listed the same way before and after a destroy."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aidc.targets.lab.ops import paths


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


def snapshot() -> Snapshot:
    links = json.loads(
        subprocess.run(
            ["ip", "-j", "link", "show"], capture_output=True, text=True, check=True
        ).stdout
    )
    names = [link["ifname"] for link in links]
    bridges = [n for n in names if Path(f"/sys/class/net/{n}/bridge").exists()]
    # Live processes only: an exited nspawn waiting for its parent to reap it holds nothing.
    nspawn = [
        p.name
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _comm(p) == "systemd-nspawn" and not _zombie(p)
    ]
    root = paths.lab_root()
    mounts = [
        line.split()[1]
        for line in Path("/proc/mounts").read_text().splitlines()
        if line.split()[1].startswith(str(root))
    ]
    stacks = paths.stacks_dir()
    return Snapshot(
        bridges=frozenset(bridges),
        links=frozenset(n for n in names if n.startswith(("aidc", "vb-", "ve-"))),
        netns=frozenset(_lines(["ip", "netns", "list"])),
        nspawn=frozenset(nspawn),
        nft_tables=frozenset(_lines(["nft", "list", "tables"])),
        mounts=frozenset(mounts),
        stack_dirs=frozenset(str(p) for p in stacks.iterdir()) if stacks.is_dir() else frozenset(),
    )


def _zombie(proc: Path) -> bool:
    try:
        return (proc / "stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""
