"""IAM rules: no wildcard actions or resources in Allow statements of identity policies,
whether a policy resource carries them or a role's inline policies do."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from aidc.policy.model import Stack
from aidc.policy.registry import Hit, Res, Settings, as_list, rule

POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)
ROLE = "aws:iam/role:Role"


def allow_statements(doc: Any) -> list[Mapping[str, Any]]:
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


def documents(stack: Stack) -> Iterator[tuple[Res, Any]]:
    """Every identity policy document of the stack, with the resource that carries it."""
    for r in stack.of(*POLICY_TYPES):
        yield r, r.props.get("policy")
    for role in stack.of(ROLE):
        for inline in as_list(role.props.get("inlinePolicies")):
            if isinstance(inline, Mapping):
                yield role, inline.get("policy")


def _wild_action(action: Any) -> bool:
    return action == "*" or (isinstance(action, str) and action.endswith(":*"))


@rule("AIDC-IAM-001", local=True)
def no_iam_wildcard_actions(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r, doc in documents(stack):
        for s in allow_statements(doc):
            for a in as_list(s.get("Action")):
                if _wild_action(a):
                    yield f"Allow statement grants the wildcard action {a}", r.where


@rule("AIDC-IAM-002", local=True)
def no_iam_wildcard_resources(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for r, doc in documents(stack):
        for s in allow_statements(doc):
            if "*" in as_list(s.get("Resource")):
                yield "Allow statement applies to Resource *", r.where
