"""Problems found in a spec, and their translation from pydantic's errors.

Every problem reads `<field.path>: <what is wrong>; <what is allowed>`.
"""

from __future__ import annotations

import re
import reprlib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Severity = Literal["error", "warning"]
ROOT = "spec"
_KEY_CHARS = 40


@dataclass(frozen=True)
class Problem:
    """One problem. `path` is the field path (empty for a problem of the YAML text itself);
    `where` is `file:line:column` when the problem was found in a file whose text is known."""

    path: str
    message: str
    severity: Severity = "error"
    where: str = ""

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        parts = [part for part in (self.where, self.path) if part]
        return prefix + "".join(f"{part}: " for part in parts) + self.message


class SpecError(ValueError):
    """The spec is invalid; `problems` holds one entry per problem (errors only)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def format_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # Unknown keys can hold anything; quote those that would blur the path, and cut
            # the long ones.
            if len(part) > _KEY_CHARS:
                part = part[: _KEY_CHARS - 3] + "..."
            name = part if re.fullmatch(r"[\w:-]+", part) else repr(part)
            out += f".{name}" if out else name
    return out or ROOT


# Messages for the patterns the models use, keyed by the pattern itself.
_PATTERN_HINTS = {
    r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$": (
        "lowercase letters, digits and '-' (an RFC 1123 label), not starting or ending with '-'"
    ),
    r"^[a-z]{2}(-gov)?-[a-z]+-\d$": "an AWS region name such as us-east-1",
    r"^(cr|cb)-[0-9a-f]{8,17}$": (
        "a capacity reservation id (cr-...) or capacity block id (cb-...) with 8 to 17 hex digits"
    ),
    r"^[a-z][a-z0-9-]*\.[a-z0-9]+$": "an instance type such as p5.48xlarge",
    r"^\S+$": "a reference without spaces",
    r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$": (
        "an availability zone: a region and a letter, as us-east-1a"
    ),
    r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+$": (
        "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* (what AWS security group rules accept)"
    ),
    r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$": (
        "printable text without control characters, not starting or ending with a space"
    ),
    r"^[\w .:/=+\-@]+$": "letters, digits, spaces and ._:/=+-@",
    r"^[\w .:/=+\-@]*$": "letters, digits, spaces and ._:/=+-@",
    r"^(host|osd|rack)$": "host, osd or rack",
    r"^(rbd|rgw|cephfs)$": "rbd, rgw or cephfs",
}


SHOWN_CHARS = 60


class _Shortened(reprlib.Repr):
    """reprlib's bounded repr, which never renders a huge integer's digits either."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 2
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 3
        self.maxstring = self.maxother = self.maxlong = SHOWN_CHARS

    def repr_int(self, x: int, level: int) -> str:
        if abs(x).bit_length() > 4 * SHOWN_CHARS:
            return f"<a number of about {int(abs(x).bit_length() * 0.30103) + 1:,} digits>"
        return super().repr_int(x, level)

    def repr_bytes(self, x: bytes, level: int) -> str:
        return repr(x[: self.maxstring]) + ("..." if len(x) > self.maxstring else "")


_SHORTENED = _Shortened()


def show(value: Any) -> str:
    """The value as a message quotes it: a repr cut to 60 characters, built from a bounded
    part of the value (never from all of a huge string, list or mapping)."""
    text = repr(value[: SHOWN_CHARS + 1]) if isinstance(value, str) else _SHORTENED.repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def _allowed_fields(model: type[BaseModel], loc: Sequence[int | str]) -> list[str] | None:
    """Field names of the model found at loc (the parent of an unknown key)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        elif isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else Any
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional and Annotated wrappers."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _describe(err: ErrorDetails, model: type[BaseModel]) -> str:
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    value = err.get("input")
    shown = show(value)
    if kind == "missing":
        return "is required; add this field"
    if kind == "invalid_key":
        return f"key {shown} is not text; write field names and keys as text"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, err["loc"][:-1])
        hint = f"allowed: {', '.join(allowed)}" if allowed else "remove it"
        return f"is not a known field; {hint}"
    if kind == "literal_error":
        return f"{shown} is not allowed; allowed: {ctx.get('expected')}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{shown} is not a whole number; write an integer"
    if kind in ("bool_parsing", "bool_type"):
        return f"{shown} is not a boolean; write true or false"
    if kind in ("string_type", "string_unicode"):
        return f"{shown} is not a string; write text"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{shown} is not a mapping; write key: value pairs"
    if kind in ("tuple_type", "list_type", "iterable_type"):
        return f"{shown} is not a list; write a YAML list"
    if kind == "greater_than_equal":
        return f"{shown} is too small; at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"{shown} is too large; at most {ctx.get('le')}"
    if kind == "string_too_short":
        least = ctx.get("min_length")
        unit = "character" if least == 1 else "characters"
        if value == "":
            return f"is empty; write at least {least} {unit}"
        return f"{shown} is too short; at least {least} {unit}"
    if kind == "string_too_long":
        return f"{shown} is too long; at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"has {ctx.get('actual_length')} entries; at least {ctx.get('min_length')}"
    if kind == "too_long":
        return f"has {ctx.get('actual_length')} entries; at most {ctx.get('max_length')}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        hint = _PATTERN_HINTS.get(pattern, f"must match {pattern}")
        return f"{shown} is not valid; use {hint}"
    if kind in ("ip_v4_network", "ip_any_network"):
        return f"{shown} is not an IPv4 network; write it like 10.0.0.0/16, host bits zero"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    message = str(err["msg"]).rstrip(".")
    return f"{message[:1].lower()}{message[1:]}; see the spec reference in README.md"


def from_validation_error(exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    errors = exc.errors(include_url=False)
    locs = [clean_loc(err["loc"]) for err in errors]
    for err, loc in zip(errors, locs, strict=True):
        # A list whose items failed is also reported as too short; the item errors say it all.
        if err["type"] == "too_short" and any(o[: len(loc)] == loc and o != loc for o in locs):
            continue
        # A key that is not text is named in the message, at the mapping that holds it.
        where = loc[:-1] if err["type"] == "invalid_key" else loc
        problem = Problem(format_path(where), _describe(err, model))
        if (problem.path, problem.message) not in seen:
            seen.add((problem.path, problem.message))
            problems.append(problem)
    return problems


def clean_loc(loc: Iterable[int | str]) -> tuple[int | str, ...]:
    """An error's location as a field path: without the labels pydantic adds for union
    members and validators."""
    return tuple(p for p in loc if not _is_branch_label(p))


def _is_branch_label(part: int | str) -> bool:
    # pydantic inserts the union member or validator name (e.g. 'function-after[...]') in loc.
    return isinstance(part, str) and ("[" in part or part in {"tuple[int, int]", "int", "str"})
