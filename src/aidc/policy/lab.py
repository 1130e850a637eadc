"""Lab rules: the nftables firewall dynamic resource denies by default between roles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aidc.policy.model import Stack
from aidc.policy.registry import Hit, Props, Settings, as_list, rule, unknown

DYNAMIC = "pulumi-python:dynamic:Resource"


def is_lab_firewall(props: Props) -> bool:
    return "rules" in props and "bridges" in props


def firewall_problems(props: Props) -> list[str]:
    out = []
    bridges = props.get("bridges")
    if not as_list(bridges) and not unknown(bridges):
        out.append("the firewall filters no bridge")
    for flow in as_list(props.get("rules")):
        if not isinstance(flow, Mapping):
            continue
        if any(unknown(v) for v in flow.values()):
            continue  # not known until preview has values for it
        what = flow.get("description") or "?"
        sources, dests = as_list(flow.get("sources")), as_list(flow.get("destinations"))
        if not sources or not dests:
            out.append(f"flow '{what}' has no sources or destinations (would match any node)")
            continue
        protocol = flow.get("protocol")
        every_port = protocol == "all" or (protocol in ("tcp", "udp") and not flow.get("ports"))
        # Protocol all is for traffic within one role (NCCL between GPU nodes), never across.
        if every_port and set(sources) != set(dests):
            out.append(f"flow '{what}' opens every port between different roles")
    return out


@rule("AIDC-NET-008", local=True)
def lab_firewall_default_deny(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r in stack.of(DYNAMIC):
        if is_lab_firewall(r.props):
            for msg in firewall_problems(r.props):
                yield msg, r.where
