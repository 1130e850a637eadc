"""The CrossGuard pack's policies (policies/__main__.py hands them to PolicyPack): the catalog's
validators wrapped one policy per rule, named by the rule's kebab name so `enforcementLevel` is
configurable per rule in policy config. Rules that relate resources run as one
StackValidationPolicy over the stack (with the engine's property dependencies, so references
resolve at preview, when ids are unknown); rules that judge a resource on its own facts run
per resource, before the resource is created."""

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
from aidc.policy.model import Stack
from aidc.policy.registry import REGISTRY, UNKNOWN, Res, defaults, load_all, run_rule, settings
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
    """Copy props out of the policy SDK's proxies (which are neither dicts nor lists, so rules
    would not see through them); values unknown at preview become `UNKNOWN`."""
    from pulumi_policy.proxy import UnknownValueError

    if isinstance(value, Mapping):
        out = {}
        for k in list(value.keys()):
            try:
                out[k] = plain(value[k])
            except UnknownValueError:
                out[k] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def _props(proxy: Any) -> dict[str, Any]:
    from pulumi_policy.proxy import UnknownValueError

    try:
        found = plain(proxy)
    except UnknownValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _deps(resource: Any) -> dict[str, tuple[str, ...]]:
    """The URNs each property depends on (a stack validation's PolicyResource has them)."""
    deps = getattr(resource, "property_dependencies", None) or {}
    return {k: tuple(d.urn for d in v) for k, v in deps.items()}


def _provider(provider: Any) -> Res | None:
    if provider is None or not getattr(provider, "urn", ""):
        return None
    return Res(provider.resource_type, provider.name, _props(provider.props), provider.urn)


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    """A rule that judges each resource on its own facts: run per resource, with the provider
    that manages it (its default tags count)."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        cfg = _settings(args.get_config())
        provider = _provider(getattr(args, "provider", None))
        res = Res(
            args.resource_type,
            args.name,
            _props(args.props),
            args.urn,
            provider=provider.urn if provider else "",
        )
        stack = Stack([res, provider] if provider else [res])
        for f in run_rule(rule.id, stack, cfg):
            report(f"[{rule.id}] {f.message}", args.urn or None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=f"{rule.id}: {rule.rationale}",
        validate=validate,
        enforcement_level=LEVELS[rule.enforcement],
        config_schema=_schema(rule),
    )


def resources_of(args: StackValidationArgs) -> list[Res]:
    """The stack's resources as rules see them, with their providers (the stack lists
    explicit providers; default ones only appear as a resource's provider)."""
    out: list[Res] = []
    providers: dict[str, Res] = {}
    for r in args.resources:
        provider = _provider(getattr(r, "provider", None))
        if provider is not None:
            providers.setdefault(provider.urn, provider)
        out.append(
            Res(
                r.resource_type,
                r.name,
                _props(r.props),
                r.urn,
                deps=_deps(r),
                provider=provider.urn if provider else "",
            )
        )
    listed = {r.urn for r in out}
    return out + [p for urn, p in providers.items() if urn not in listed]


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    """A rule that relates resources (a bucket and its configuration, a group and its rules):
    run once over the stack."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = resources_of(args)
        cfg = _settings(args.get_config(), resources)
        for f in run_rule(rule.id, Stack(resources), cfg):
            report(f"[{rule.id}] {f.message}", f.resource or None)

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
        _resource_policy(rule) if rule.id in REGISTRY.local else _stack_policy(rule)
        for rule in load().rules
    ]
