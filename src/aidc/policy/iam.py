"""IAM rules: no wildcard actions or resources in Allow statements of identity policies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aidc.policy.registry import Props, Settings, as_list, resource_rule

POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)


def allow_statements(props: Props) -> list[Mapping[str, Any]]:
    doc: Any = props.get("policy")
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return []
    if not isinstance(doc, Mapping):
        return []
    return [
        s
        for s in as_list(doc.get("Statement"))
        if isinstance(s, Mapping) and s.get("Effect") == "Allow"
    ]


def _wild_action(action: Any) -> bool:
    return action == "*" or (isinstance(action, str) and action.endswith(":*"))


@resource_rule("AIDC-IAM-001", *POLICY_TYPES)
def no_iam_wildcard_actions(typ: str, props: Props, cfg: Settings) -> list[str]:
    return [
        f"Allow statement grants the wildcard action {a}"
        for s in allow_statements(props)
        for a in as_list(s.get("Action"))
        if _wild_action(a)
    ]


@resource_rule("AIDC-IAM-002", *POLICY_TYPES)
def no_iam_wildcard_resources(typ: str, props: Props, cfg: Settings) -> list[str]:
    return [
        "Allow statement applies to Resource *"
        for s in allow_statements(props)
        if "*" in as_list(s.get("Resource"))
    ]
