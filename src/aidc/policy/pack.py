"""The CrossGuard pack's policies (policies/__main__.py hands them to PolicyPack): the catalog's
validators wrapped one policy per rule, named by the rule's kebab name so `enforcementLevel` is
configurable per rule in policy config. Rules with a stack-wide part run as one
StackValidationPolicy (both parts), the rest per resource."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from aidc.policy.catalog import Rule, load
from aidc.policy.registry import REGISTRY, Res, defaults, load_all, settings
from aidc.policy.storage import CLUSTER_KEY

LEVELS = {
    "advisory": EnforcementLevel.ADVISORY,
    "mandatory": EnforcementLevel.MANDATORY,
    "disabled": EnforcementLevel.DISABLED,
}
# Which policy config properties each rule reads (defaults: `registry.defaults()`).
CONFIG_KEYS = {
    "AIDC-NET-003": ("declared_egress_cidrs",),
    "AIDC-CMP-007": ("allowed_instance_types",),
    "AIDC-CMP-008": ("max_gpus", "gpus_per_instance_type"),
    "AIDC-TAG-001": ("required_tags",),
}
_SCHEMA_TYPES = {list: "array", dict: "object", int: "integer", str: "string"}


def _schema(rule: Rule) -> PolicyConfigSchema | None:
    keys = CONFIG_KEYS.get(rule.id)
    if not keys:
        return None
    values = defaults()
    return PolicyConfigSchema(
        properties={k: {"type": _SCHEMA_TYPES[type(values[k])], "default": values[k]} for k in keys}
    )


def stack_spec() -> dict[str, Any] | None:
    """The stack's cluster spec: the CLI hands the stack's config to the pack's process."""
    try:
        import pulumi

        raw = pulumi.Config("aidc").get("cluster")
    except Exception:
        return None
    if not raw:
        return None
    doc = json.loads(raw)
    return doc if isinstance(doc, dict) else None


def spec_from_resources(resources: list[Res]) -> dict[str, Any] | None:
    """The spec as a provider resource carries it: the engine hands the stack's config to the
    dynamic provider (`pulumi:providers:pulumi-python`), and the pack sees that provider."""
    for res in resources:
        raw = res.props.get(CLUSTER_KEY) if res.type.startswith("pulumi:providers:") else None
        if isinstance(raw, str) and raw:
            doc = json.loads(raw)
            if isinstance(doc, dict):
                return doc
    return None


def _settings(config: Mapping[str, Any], resources: list[Res] | None = None) -> dict[str, Any]:
    cfg = settings(config)
    spec = stack_spec() or spec_from_resources(resources or [])
    if spec is not None:
        cfg[CLUSTER_KEY] = spec
        # World egress the spec declares (firewall.egress_cidrs) is allowed by NET-003.
        declared = list(cfg.get("declared_egress_cidrs") or [])
        declared += [str(c) for c in (spec.get("firewall") or {}).get("egress_cidrs") or []]
        cfg["declared_egress_cidrs"] = declared
    return cfg


def plain(value: Any) -> Any:
    """Copy props out of the policy SDK's proxies (which are neither dicts nor lists, so
    validators would not see through them); unknown (preview) values become None."""
    from pulumi_policy.proxy import UnknownValueError

    if isinstance(value, Mapping):
        out = {}
        for k in list(value.keys()):
            try:
                out[k] = plain(value[k])
            except UnknownValueError:
                out[k] = None
        return out
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(None)
        return items
    return value


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    entries = REGISTRY.resource.get(rule.id, [])

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        cfg = _settings(args.get_config())
        props = plain(args.props)
        for types, fn in entries:
            if args.resource_type in types:
                for msg in fn(args.resource_type, props, cfg):
                    report(f"[{rule.id}] {msg}", None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=f"{rule.id}: {rule.rationale}",
        validate=validate,
        enforcement_level=LEVELS[rule.enforcement],
        config_schema=_schema(rule),
    )


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    entries = REGISTRY.resource.get(rule.id, [])
    stack_fns = REGISTRY.stack.get(rule.id, [])

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [Res(r.resource_type, r.name, plain(r.props), r.urn) for r in args.resources]
        cfg = _settings(args.get_config(), resources)
        for res in resources:
            for types, fn in entries:
                if res.type in types:
                    for msg in fn(res.type, res.props, cfg):
                        report(f"[{rule.id}] {msg}", res.urn or None)
        for sfn in stack_fns:
            for msg, urn in sfn(resources, cfg):
                report(f"[{rule.id}] {msg}", urn or None)

    return StackValidationPolicy(
        name=rule.name,
        description=f"{rule.id}: {rule.rationale}",
        validate=validate,
        enforcement_level=LEVELS[rule.enforcement],
        config_schema=_schema(rule),
    )


def policies() -> list[Policy]:
    load_all()
    return [
        _stack_policy(rule) if rule.id in REGISTRY.stack else _resource_policy(rule)
        for rule in load().rules
    ]
