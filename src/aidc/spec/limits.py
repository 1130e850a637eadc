"""How much input a spec may be: the bounds that keep validation fast on hostile input.

A cluster spec is a few kilobytes: a few hundred values, six or seven levels deep, no text
longer than an SSM parameter path. The bounds sit far above that and far below what could
cost seconds or much memory. The YAML reader checks them on the token stream before any
node is built or any alias expanded (`aidc.spec.yamlfile`); `check_data` checks them again on
data that arrives already parsed (the Pulumi program reads the spec from stack config), where
shared references count once per place they appear, as aliases do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aidc.spec.errors import ROOT, Problem, format_path

# A file larger than this is refused unread.
MAX_FILE_BYTES = 1_048_576
# Values (mappings, lists and scalars) in the document, every alias counted as the values it
# stands for: a billion-laughs file is refused by this bound.
MAX_NODES = 50_000
# Mappings and lists nested in one another.
MAX_DEPTH = 64
# Characters in one scalar (a key or a value).
MAX_SCALAR_CHARS = 65_536
# Digits in one integer: Python refuses to convert more than 4,300, and no field needs 20.
MAX_INT_DIGITS = 100

_MAX_INT = 10**MAX_INT_DIGITS


def check_data(data: Any) -> list[Problem]:
    """The bounds that parsed data breaks, at the first place each is broken (empty if none).

    The walk stops at MAX_NODES values, so its cost is bounded whatever the data holds,
    reference cycles included (they break MAX_DEPTH)."""
    problems: list[Problem] = []
    seen_kinds: set[str] = set()
    for count, (loc, value) in enumerate(_walk(data), 1):
        if count > MAX_NODES:
            problems.append(
                Problem(
                    ROOT,
                    f"holds more than {MAX_NODES:,} values (mappings, lists and scalars, shared "
                    f"ones counted where each appears); a cluster spec needs at most {MAX_NODES:,}",
                )
            )
            break
        kind, message = _bound(loc, value)
        if kind and kind not in seen_kinds:
            seen_kinds.add(kind)
            problems.append(Problem(_short_path(loc), message))
    return problems


def _walk(data: Any) -> Iterator[tuple[tuple[int | str, ...], Any]]:
    """Every value with its location, depth first, without recursion."""
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        yield loc, value
        if len(loc) >= MAX_DEPTH:
            continue
        if isinstance(value, dict):
            items = [((*loc, _key(k)), v) for k, v in value.items()]
            stack.extend(reversed(items))
        elif isinstance(value, list | tuple):
            stack.extend(reversed([((*loc, i), v) for i, v in enumerate(value)]))


def _key(key: Any) -> int | str:
    if isinstance(key, str):
        return key[:MAX_SCALAR_CHARS]
    # A key that is no text still needs a place in the path; it is never an index.
    return type(key).__name__


def _bound(loc: tuple[int | str, ...], value: Any) -> tuple[str, str]:
    if len(loc) >= MAX_DEPTH and isinstance(value, dict | list | tuple):
        return "depth", (
            f"nests mappings and lists more than {MAX_DEPTH} levels deep; a cluster spec needs "
            "fewer than ten"
        )
    if isinstance(value, str) and len(value) > MAX_SCALAR_CHARS:
        return "scalar", (
            f"is text of {len(value):,} characters; at most {MAX_SCALAR_CHARS:,} in any value"
        )
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _MAX_INT:
        return "int", f"is a number of more than {MAX_INT_DIGITS} digits; no field takes one"
    return "", ""


def _short_path(loc: tuple[int | str, ...]) -> str:
    """The path, its middle elided when it is deep (a deep path is the problem itself)."""
    if len(loc) <= 12:
        return format_path(loc)
    return f"{format_path(loc[:6])}...{format_path(loc[-2:])}"
