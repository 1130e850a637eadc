"""The report's one-line summaries over the roles' records."""

from __future__ import annotations

from typing import Any

from aidc.report import NodeReport, _hardening


def _node(name: str, record: dict[str, Any] | None) -> NodeReport:
    facts = {"aidc_hardening": record} if record is not None else {}
    return NodeReport(name, "pool", ["gpu"], "10.0.0.1", True, facts)


def test_hardening_summary_merges_nodes() -> None:
    not_live = ["auditd (no audit netlink in a container)", "kernel.* sysctls (host-owned)"]
    nodes = [
        _node("a", {"controls_applied": 118, "profile": "baseline", "not_live_in_container": []}),
        _node(
            "b",
            {"controls_applied": 121, "profile": "baseline", "not_live_in_container": not_live},
        ),
        _node("c", None),
    ]
    assert _hardening(nodes) == (
        "2/3 nodes, 118-121 controls each (profile baseline); in a container, not live: "
        "auditd (no audit netlink in a container), kernel.* sysctls (host-owned)"
    )


def test_hardening_summary_without_records() -> None:
    assert _hardening([_node("a", None)]) == "not configured: hardening role not applied"
