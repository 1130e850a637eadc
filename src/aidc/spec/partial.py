"""A cluster built from what parsed, so the rules judge a spec even when some fields fail.

When the models refuse a spec, pydantic has already reported every field that failed. The
cross-field rules still have something to say about the rest: `build` makes a Cluster whose
parts that parsed are ordinary validated values and whose failed parts are `UNPARSED`, a
placeholder that raises `Unparsed` on any use (attribute, comparison, iteration, hashing,
formatting, truth). A rule that touches one stops there (`check` drops the rest of its
output), and rules that check list items one by one skip an item that touches one
(`skipping_unparsed`), so a failed field silences only the judgements that need it, and list
items keep their positions (`pools[2]` is still the third pool).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from aidc.spec.errors import clean_loc

Loc = tuple[int | str, ...]
M = TypeVar("M", bound=BaseModel)

# Errors that say something about a key, not about the value of any field.
_KEY_ERRORS = frozenset({"extra_forbidden", "invalid_key"})


class Unparsed(Exception):
    """A rule used a part of the spec that failed to parse."""


class _Unparsed:
    """The placeholder of a failed part: every use raises Unparsed."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise Unparsed

    __getattr__ = _refuse
    __getitem__ = _refuse
    __iter__ = _refuse
    __len__ = _refuse
    __bool__ = _refuse
    __eq__ = _refuse
    __ne__ = _refuse
    __lt__ = _refuse
    __le__ = _refuse
    __gt__ = _refuse
    __ge__ = _refuse
    __hash__ = _refuse
    __contains__ = _refuse
    __str__ = _refuse
    __repr__ = _refuse
    __format__ = _refuse
    __int__ = _refuse
    __index__ = _refuse
    __float__ = _refuse
    __add__ = _refuse
    __radd__ = _refuse
    __sub__ = _refuse
    __rsub__ = _refuse
    __mul__ = _refuse
    __rmul__ = _refuse
    __call__ = _refuse


UNPARSED: Any = _Unparsed()


def is_parsed(value: object) -> bool:
    return value is not UNPARSED


# Set while rules judge a partly parsed cluster. A placeholder handed to a builtin that checks
# types (re.escape, ipaddress) raises TypeError before any method of it runs; on a partial
# cluster that means the same as Unparsed. On a whole cluster a TypeError stays a bug.
_PARTIAL: ContextVar[bool] = ContextVar("partial", default=False)


@contextmanager
def judging(cluster_is_partial: bool) -> Iterator[None]:
    token = _PARTIAL.set(cluster_is_partial)
    try:
        yield
    finally:
        _PARTIAL.reset(token)


def unparsed_touched(exc: BaseException) -> bool:
    """Whether exc says a rule touched a part that failed to parse."""
    return isinstance(exc, Unparsed) or (isinstance(exc, TypeError) and _PARTIAL.get())


@contextmanager
def skipping_unparsed() -> Iterator[None]:
    """Around the check of one item: an item that touches a failed part is skipped."""
    try:
        yield
    except (Unparsed, TypeError) as exc:
        if not unparsed_touched(exc):
            raise


class _Failures:
    """Where validation failed: every error location, and those of values (not of keys, such
    as an unknown field, which leave every field of their mapping as it is)."""

    def __init__(self, errors: Sequence[tuple[Loc, str]]) -> None:
        self._all = [loc for loc, _ in errors]
        self._values = [loc for loc, kind in errors if kind not in _KEY_ERRORS]
        self._at = {loc: kind for loc, kind in errors if kind not in _KEY_ERRORS}

    def under(self, loc: Loc) -> bool:
        """Whether anything at or under loc failed, keys included."""
        return any(f[: len(loc)] == loc for f in self._all)

    def broken_itself(self, loc: Loc) -> bool:
        """An error of the value at loc as a whole, not only of its parts. A list whose items
        failed may also be reported too short; that one is about the items."""
        kind = self._at.get(loc)
        if kind is None:
            return False
        return kind != "too_short" or not any(
            len(f) > len(loc) and f[: len(loc)] == loc for f in self._values
        )


def build(model: type[M], raw: dict[str, Any], exc: ValidationError) -> M:
    """`model` from raw data that failed validation with exc: what parsed, and UNPARSED in
    place of what did not."""
    errors = [(clean_loc(err["loc"]), err["type"]) for err in exc.errors(include_url=False)]
    built: M = _model(model, raw, (), _Failures(errors))
    return built


def _model(model: type[M], raw: dict[str, Any], loc: Loc, failures: _Failures) -> M:
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in raw:
            values[name] = _field(model, name, info, raw[name], (*loc, name), failures)
        elif info.is_required():
            values[name] = UNPARSED
        else:
            values[name] = info.get_default(call_default_factory=True, validated_data={})
    return model.model_construct(**values)


def _field(
    model: type[BaseModel], name: str, info: FieldInfo, raw: Any, loc: Loc, failures: _Failures
) -> Any:
    if not failures.under(loc):
        return _validated(_field_adapter(model, name), raw)
    return _part(info.annotation, raw, loc, failures)


def _part(annotation: Any, raw: Any, loc: Loc, failures: _Failures) -> Any:
    """A value with failures at or under loc."""
    if failures.broken_itself(loc):
        return UNPARSED
    annotation = _optional_member(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model(annotation, raw, loc, failures) if isinstance(raw, dict) else UNPARSED
    item = _tuple_item(annotation)
    if item is not None and isinstance(raw, list):
        return tuple(_item(item, value, (*loc, i), failures) for i, value in enumerate(raw))
    return UNPARSED


def _item(annotation: Any, raw: Any, loc: Loc, failures: _Failures) -> Any:
    if not failures.under(loc):
        return _validated(_adapter(annotation), raw)
    return _part(annotation, raw, loc, failures)


def _validated(adapter: TypeAdapter[Any], raw: Any) -> Any:
    try:
        return adapter.validate_python(raw)
    except ValidationError:  # pragma: no cover - it passed as part of the whole
        return UNPARSED


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotation: Any = info.annotation
    if info.metadata:
        annotation = typing.Annotated[annotation, *info.metadata]
    return TypeAdapter(annotation)


@cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def _optional_member(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _tuple_item(annotation: Any) -> Any | None:
    """X of tuple[X, ...], else None."""
    if typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
    return None
