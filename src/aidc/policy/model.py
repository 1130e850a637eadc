"""The stack as rules see it: every resource indexed by URN, type and identity, and references
resolved by what they point at, never by names.

A property that refers to another resource (a rule's security group, a bucket's configuration,
an instance's launch template) is resolved two ways, whichever the context gives:

- by the engine's property dependencies: the URNs a property was computed from. At preview
  these are all there is (ids are unknown until the resource exists);
- by value: the string equals the target's id, ARN or name (`bucket`, `name`). This is how the
  runtime audit, which reads deployed resources, and literal references resolve.

When both are there, dependencies pick among the resources a value matches (two stacks' worth of
resources may share a name). Rules treat an unresolved reference as unknown, not as missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from aidc.policy.registry import UNKNOWN, Res, unknown

T = TypeVar("T")
WHOLE: Any = object()  # refs(): read the whole property
IDENTITY_PROPS = ("arn", "name", "bucket")


def leaves(value: Any) -> Iterable[Any]:
    """The scalar values inside a property (lists flattened, mappings by value)."""
    if isinstance(value, Mapping):
        for v in value.values():
            yield from leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from leaves(v)
    elif value is not None:
        yield value


class Stack:
    def __init__(self, resources: Iterable[Res]) -> None:
        self.resources = list(resources)
        self.by_urn: dict[str, Res] = {}
        self._by_type: dict[str, list[Res]] = defaultdict(list)
        for r in self.resources:
            if r.urn:
                self.by_urn[r.urn] = r
            self._by_type[r.type].append(r)
        self._by_value: dict[str, list[Res]] | None = None
        self._memo: dict[Callable[[Stack], Any], Any] = {}

    def of(self, *types: str) -> list[Res]:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [r for t in types for r in self._by_type.get(t, ())]

    def view(self, build: Callable[[Stack], T]) -> T:
        """A normalised view of the stack, built once however many rules read it."""
        if build not in self._memo:
            self._memo[build] = build(self)
        found: T = self._memo[build]
        return found

    @property
    def by_value(self) -> dict[str, list[Res]]:
        if self._by_value is None:
            index: dict[str, list[Res]] = defaultdict(list)
            for r in self.resources:
                keys = {r.id} if r.id else set()
                keys.update(v for k in IDENTITY_PROPS if isinstance(v := r.props.get(k), str) and v)
                for key in keys:
                    index[key].append(r)
            self._by_value = index
        return self._by_value

    def refs(self, res: Res, prop: str, kinds: Iterable[str], value: Any = WHOLE) -> list[Res]:
        """The resources of these types that `res`'s property `prop` refers to (`value`: the
        part of the property to read, default the whole property)."""
        kinds = frozenset(kinds)
        raw = res.props.get(prop) if value is WHOLE else value
        values = list(leaves(raw))
        if not values:
            return []
        by_value: list[Res] = []
        seen: set[int] = set()
        for v in values:
            if isinstance(v, str):
                for r in self.by_value.get(v, ()):
                    if r.type in kinds and id(r) not in seen:
                        seen.add(id(r))
                        by_value.append(r)
        deps = [
            d
            for u in res.deps.get(prop, ())
            if (d := self.by_urn.get(u)) is not None and d.type in kinds
        ]
        if not deps:
            return by_value
        if UNKNOWN not in values:
            # Every value is known: dependencies only choose among the resources they match
            # (a literal id of a resource outside the stack matches none).
            dep_urns = {r.urn for r in deps}
            return [r for r in by_value if r.urn in dep_urns] or by_value
        return deps

    def ref(self, res: Res, prop: str, kinds: Iterable[str], value: Any = WHOLE) -> Res | None:
        """The one resource a reference names, or None where it names none (or several)."""
        found = self.refs(res, prop, kinds, value)
        return found[0] if len(found) == 1 else None

    def provider_of(self, res: Res) -> Res | None:
        return self.by_urn.get(res.provider) if res.provider else None


def unclaimed(stack: Stack, owners: Iterable[Res], claims: Iterable[Res], prop: str) -> list[Res]:
    """The owners (VPCs, file systems) that no claim (a flow log, a policy) names in `prop`.
    A claim whose reference cannot be told yet (unknown, no dependency) may name any owner, so
    each such claim excuses one owner."""
    owners = list(owners)
    kinds = {o.type for o in owners}
    claimed: set[str] = set()
    unresolved = 0
    for claim in claims:
        found = stack.refs(claim, prop, kinds)
        claimed.update(r.where for r in found)
        if not found and unknown(claim.props.get(prop)):
            unresolved += 1
    out = []
    for owner in owners:
        if owner.where in claimed:
            continue
        if unresolved:
            unresolved -= 1
            continue
        out.append(owner)
    return out
