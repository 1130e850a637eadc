"""Where rules register, and `evaluate`, which applies them the way the pack does: used by the
corpus tests, the benchmark and the runtime audit.

A rule is a function of the whole stack (`aidc.policy.model.Stack`: every resource, indexed,
with its references resolved) and the policy settings; it yields (message, where) pairs. Rules
marked `local` judge each resource on its own facts (and its provider's): the pack runs those
per resource, before the resource exists; the others run once over the stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aidc.catalog import instance_types
from aidc.policy.catalog import load

if TYPE_CHECKING:
    from aidc.policy.model import Stack

Props = Mapping[str, Any]
Settings = Mapping[str, Any]


class Unknown:
    """A value the engine cannot know yet (at preview: an id, an ARN, anything computed from
    another resource's outputs). Falsy, equal only to itself; rules treat it as "cannot tell",
    never as a setting that is off."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<unknown>"

    __str__ = __repr__


UNKNOWN = Unknown()


def unknown(value: Any) -> bool:
    return value is UNKNOWN


@dataclass(frozen=True)
class Res:
    """A resource as rules see it: type, logical name, properties; where known, the provider's
    id, the URNs each property depends on (the engine's property dependencies) and the URN of
    the provider that manages it."""

    type: str
    name: str
    props: Props
    urn: str = ""
    id: str = ""
    deps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    provider: str = ""

    @property
    def where(self) -> str:
        return self.urn or self.name


Hit = tuple[str, str]  # (message, the URN or name it is about; "" for the stack as a whole)
RuleFn = Callable[["Stack", Settings], Iterable[Hit]]


@dataclass(frozen=True)
class Finding:
    rule_id: str
    message: str
    resource: str  # the URN or name; "" for the stack as a whole

    def __str__(self) -> str:
        return f"[{self.rule_id}] {load()[self.rule_id].name}: {self.message}"


@dataclass
class Registry:
    rules: dict[str, list[RuleFn]] = field(default_factory=dict)
    # Rules whose findings about a resource follow from that resource (and its provider) alone.
    local: set[str] = field(default_factory=set)


REGISTRY = Registry()


def rule(rule_id: str, *, local: bool = False) -> Callable[[RuleFn], RuleFn]:
    load()[rule_id]  # an unknown ID fails at import, not at preview

    def register(fn: RuleFn) -> RuleFn:
        REGISTRY.rules.setdefault(rule_id, []).append(fn)
        if local:
            REGISTRY.local.add(rule_id)
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
    """Import every domain module so its rules register."""
    from aidc.policy import compute, filesystems, iam, lab, network, storage, tags  # noqa: F401

    return REGISTRY


def run_rule(rule_id: str, stack: Stack, cfg: Settings) -> list[Finding]:
    return [
        Finding(rule_id, msg, where)
        for fn in load_all().rules.get(rule_id, ())
        for msg, where in fn(stack, cfg)
    ]


def evaluate(
    resources: Iterable[Res], cfg: Settings | None = None, *, skip: Iterable[str] = ()
) -> list[Finding]:
    """Every finding of every enabled rule over these resources, in catalog order."""
    from aidc.policy.model import Stack

    registry = load_all()
    merged = settings(cfg)
    disabled = set(skip) | {r.id for r in load().rules if r.enforcement == "disabled"}
    stack = Stack(resources)
    findings: list[Finding] = []
    for r in load().rules:
        if r.id in registry.rules and r.id not in disabled:
            findings += run_rule(r.id, stack, merged)
    return findings


def truthy(value: Any) -> bool:
    """Provider inputs carry booleans as bools or as "true"/"false" strings."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True or (isinstance(value, int | float) and bool(value))


def falsy(value: Any) -> bool:
    """Explicitly off (False or "false"); None and unknown are neither on nor off."""
    if isinstance(value, str):
        return value.strip().lower() == "false"
    return value is False


def as_list(value: Any) -> list[Any]:
    if value is None or value is UNKNOWN:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def tags_of(props: Props) -> Mapping[str, Any]:
    return mapping(props.get("tags"))


def roles_of(props: Props) -> set[str]:
    """Roles a resource declares in a role tag (aidc's `aidc:roles`, or any `role`/`Role`/
    `node-role` tag): one signal among others, never needed."""
    out: set[str] = set()
    for key, value in tags_of(props).items():
        if str(key).lower().rstrip("s").endswith("role") and isinstance(value, str):
            out.update(r.strip().lower() for r in value.split(",") if r.strip())
    return out
