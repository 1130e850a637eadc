"""Drive the pack's own policies (aidc.policy.pack) over a recorded program as the policy SDK
would at preview: props behind the SDK's unknown-checking proxies with its sentinels for
unknown values, resource validations per resource with their provider, stack validations
with every resource and its property dependencies."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pulumi
from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import PolicyCustomTimeouts, PolicyProviderResource, PolicyResourceOptions
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from aidc.policy.pack import policies
from aidc.policy.registry import UNKNOWN, Res
from tests.policy_corpus.harness import Recorded, view


def _wire(value: Any) -> Any:
    """Rule-side values back to what the engine sends: UNKNOWN as the SDK's sentinel."""
    if value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


@contextmanager
def _stack_config(spec: dict[str, Any] | None) -> Iterator[None]:
    """The stack's config as the CLI hands it to the pack's process."""
    pulumi.runtime.set_all_config({"aidc:cluster": json.dumps(spec)} if spec else {})
    try:
        yield
    finally:
        pulumi.runtime.set_all_config({})


def pack_findings(
    recorded: list[Recorded], spec: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(rule ID, message) of every violation the pack reports over the preview view."""
    resources = view(recorded, "preview")
    providers = {
        r.urn: PolicyProviderResource(r.type, unknown_checking_proxy(_wire(r.props)), r.urn, r.name)
        for r in resources
        if r.type.startswith("pulumi:providers:")
    }
    found: list[tuple[str, str]] = []

    def report(message: str, urn: str | None = None) -> None:
        rule_id, _, text = message.partition("] ")
        found.append((rule_id.lstrip("["), text))

    def described(r: Res) -> tuple[Any, ...]:
        """What both kinds of validation are told of a resource, in the SDK's order."""
        proxy = unknown_checking_proxy(_wire(r.props))
        return (r.type, proxy, r.urn, r.name, _opts(), providers.get(r.provider))

    with _stack_config(spec):
        for policy in policies():
            if isinstance(policy, ResourceValidationPolicy):
                for r in resources:
                    policy.validate(ResourceValidationArgs(*described(r)), report)
            elif isinstance(policy, StackValidationPolicy):
                items = {r.urn: PolicyResource(*described(r), None, [], {}) for r in resources}
                for r in resources:
                    items[r.urn].property_dependencies = {
                        k: [items[u] for u in v if u in items] for k, v in r.deps.items()
                    }
                policy.validate(StackValidationArgs(list(items.values())), report)
    return found
