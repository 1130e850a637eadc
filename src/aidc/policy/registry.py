"""Where validators register, and `evaluate`, which applies them the way the pack does: used
by the corpus tests, the benchmark and the runtime audit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aidc.catalog import instance_types
from aidc.policy.catalog import load

Props = Mapping[str, Any]
Settings = Mapping[str, Any]
ResourceValidator = Callable[[str, Props, Settings], list[str]]


@dataclass(frozen=True)
class Res:
    """A resource as validators see it: type, logical name, input properties."""

    type: str
    name: str
    props: Props
    urn: str = ""


StackValidator = Callable[[Sequence[Res], Settings], list[tuple[str, str]]]


@dataclass(frozen=True)
class Finding:
    rule_id: str
    message: str
    resource: str  # the URN or name; "" for the stack as a whole

    def __str__(self) -> str:
        return f"[{self.rule_id}] {load()[self.rule_id].name}: {self.message}"


@dataclass
class Registry:
    resource: dict[str, list[tuple[frozenset[str], ResourceValidator]]] = field(
        default_factory=dict
    )
    stack: dict[str, list[StackValidator]] = field(default_factory=dict)
    # type -> [(rule id, validator)]: one dict lookup per resource keeps evaluate fast.
    by_type: dict[str, list[tuple[str, ResourceValidator]]] = field(default_factory=dict)


REGISTRY = Registry()


def resource_rule(rule_id: str, *types: str) -> Callable[[ResourceValidator], ResourceValidator]:
    load()[rule_id]  # an unknown ID fails at import, not at preview

    def register(fn: ResourceValidator) -> ResourceValidator:
        REGISTRY.resource.setdefault(rule_id, []).append((frozenset(types), fn))
        for typ in types:
            REGISTRY.by_type.setdefault(typ, []).append((rule_id, fn))
        return fn

    return register


def stack_rule(rule_id: str) -> Callable[[StackValidator], StackValidator]:
    load()[rule_id]

    def register(fn: StackValidator) -> StackValidator:
        REGISTRY.stack.setdefault(rule_id, []).append(fn)
        return fn

    return register


def defaults() -> dict[str, Any]:
    """The rule catalog's config defaults; instance types allowed default to every type aidc's
    instance catalog describes."""
    merged = dict(load().config)
    if merged.get("allowed_instance_types") is None:
        merged["allowed_instance_types"] = sorted(instance_types())
    return merged


def settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The config defaults with policy config overrides on top."""
    merged = defaults()
    merged.update(overrides or {})
    return merged


def load_all() -> Registry:
    """Import every domain module so its validators register."""
    from aidc.policy import compute, iam, lab, network, storage, tags  # noqa: F401

    return REGISTRY


def evaluate(
    resources: Iterable[Res],
    cfg: Settings | None = None,
    *,
    skip: Iterable[str] = (),
    stack: bool = True,
) -> list[Finding]:
    """Every finding of every enabled rule over these resources (resource then stack rules)."""
    registry = load_all()
    merged = settings(cfg)
    disabled = set(skip) | {r.id for r in load().rules if r.enforcement == "disabled"}
    items = list(resources)
    findings: list[Finding] = []
    for res in items:
        for rule_id, fn in registry.by_type.get(res.type, ()):
            if rule_id in disabled:
                continue
            for msg in fn(res.type, res.props, merged):
                findings.append(Finding(rule_id, msg, res.urn or res.name))
    for rule_id, fns in registry.stack.items() if stack else ():
        if rule_id in disabled:
            continue
        for sfn in fns:
            for msg, where in sfn(items, merged):
                findings.append(Finding(rule_id, msg, where))
    return findings


def truthy(value: Any) -> bool:
    """Provider inputs carry booleans as bools or as "true"/"false" strings."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def tags_of(props: Props) -> Mapping[str, Any]:
    tags = props.get("tags")
    return tags if isinstance(tags, Mapping) else {}


def roles_of(props: Props) -> set[str]:
    return {r for r in str(tags_of(props).get("aidc:roles", "")).split(",") if r}
