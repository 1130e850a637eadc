"""Lab rules: the nftables firewall dynamic resource denies by default between roles."""

from __future__ import annotations

from collections.abc import Mapping

from aidc.policy.registry import Props, Settings, as_list, resource_rule

DYNAMIC = "pulumi-python:dynamic:Resource"


def is_lab_firewall(props: Props) -> bool:
    return "rules" in props and "bridges" in props


@resource_rule("AIDC-NET-008", DYNAMIC)
def lab_firewall_default_deny(typ: str, props: Props, cfg: Settings) -> list[str]:
    if not is_lab_firewall(props):
        return []
    out = []
    if not as_list(props.get("bridges")):
        out.append("the firewall filters no bridge")
    for rule in as_list(props.get("rules")):
        if not isinstance(rule, Mapping):
            continue
        what = rule.get("description") or "?"
        sources, dests = as_list(rule.get("sources")), as_list(rule.get("destinations"))
        if not sources or not dests:
            out.append(f"flow '{what}' has no sources or destinations (would match any node)")
            continue
        protocol = rule.get("protocol")
        every_port = protocol == "all" or (protocol in ("tcp", "udp") and not rule.get("ports"))
        # Protocol all is for traffic within one role (NCCL between GPU nodes), never across.
        if every_port and set(sources) != set(dests):
            out.append(f"flow '{what}' opens every port between different roles")
    return out
