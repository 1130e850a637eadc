"""Where in a stack config a finding's cause is written, so CI annotates that line.

Every resource aidc declares comes from the spec, so each rule points at the part of the spec
that decides what it judges (`SPEC_PATHS`); within a list (pools, buckets, Ceph pools, flows)
the entry whose name the finding mentions. A path the file lacks (a setting left to its
default) falls back to the nearest value that holds it, as spec problems do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aidc.check.findings import Location
from aidc.spec import STACK_KEY
from aidc.spec.yamlfile import Positions, read

# The part of the spec each rule's resources come from; areas first, single rules over them.
AREAS = {"NET": "firewall", "CMP": "pools", "STO": "storage.buckets", "IAM": "", "TAG": "tags"}
SPEC_PATHS = {
    "AIDC-NET-001": "firewall.admin_cidrs",
    "AIDC-NET-005": "networks",
    "AIDC-NET-006": "networks",
    "AIDC-NET-007": "pools",
    "AIDC-NET-008": "firewall.flows",
    "AIDC-STO-005": "storage.ceph.pools",
}
# The key that names an entry of each list.
_NAMED_BY = {"firewall.flows": "description"}
_MARK = re.compile(r":(\d+):(\d+)$")


class Locator:
    """Positions of one stack config's spec, and the spec itself, to name list entries."""

    def __init__(self, path: Path, root: Path) -> None:
        document = read(path)
        self.path = path.relative_to(root) if path.is_relative_to(root) else path
        self.spec: Mapping[str, Any] = {}
        self.positions: Positions = document.positions
        data = document.data
        if isinstance(data, dict) and isinstance(data.get("config"), dict):
            data = data["config"].get(STACK_KEY)
            self.positions = document.positions.within(("config", STACK_KEY))
        if isinstance(data, dict):
            self.spec = data

    def spec_path(self, rule_id: str, text: str) -> str:
        base = SPEC_PATHS.get(rule_id, AREAS.get(rule_id.split("-")[1], ""))
        entries = _at(self.spec, base)
        if isinstance(entries, list):
            key = _NAMED_BY.get(base, "name")
            for i, entry in enumerate(entries):
                name = entry.get(key) if isinstance(entry, dict) else None
                if isinstance(name, str) and name and _mentions(text, name):
                    return f"{base}[{i}]"
        return base or "spec"

    def locate(self, rule_id: str, text: str) -> Location:
        mark = _MARK.search(self.positions.where(self.spec_path(rule_id, text)))
        if mark is None:
            return Location(self.path)
        return Location(self.path, int(mark.group(1)), int(mark.group(2)))


def _at(spec: Mapping[str, Any], path: str) -> Any:
    node: Any = spec
    for key in path.split(".") if path else ():
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _mentions(text: str, name: str) -> bool:
    """The name as a whole word of the text ('gpu' in 'p5-gpu-1', not in 'gpus')."""
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None
