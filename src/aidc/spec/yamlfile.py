"""A spec file's YAML, read within the bounds of `aidc.spec.limits`, with the position of
every value.

Reading takes three steps, and hostile text is refused at the first that sees it:

1. The event stream (the parser's output, before any node exists) is walked once, counting
   values, nesting and scalar sizes. An alias counts as everything its anchor holds, so what
   the document would expand to is known, and refused past the bounds, before any alias is
   expanded; an alias inside its own anchor (a cycle) is refused too. Memory stays bounded by
   the nesting depth and the number of anchors.
2. The nodes are composed and checked for keys given twice in one mapping (YAML forbids it;
   a plain load keeps the last value silently).
3. The values are constructed (integers of absurd length and dates that are none refused with
   their position), and the position of each value is recorded by its field path, so a
   problem found later by the models or the rules can say `file:line:column`.

Tabs used for indentation are named as such: YAML allows only spaces there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aidc.spec import limits
from aidc.spec.errors import ROOT, Problem, SpecError, format_path, show

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"
_DEEP = (
    f"mappings and lists nest more than {limits.MAX_DEPTH} levels deep here; a cluster spec "
    "needs fewer than ten"
)
# Keys given twice are reported one by one up to this many, then counted.
_MAX_DUPLICATES = 50
_PARENT = re.compile(r"(?:\.[^.\[]+|\[\d+\])$")

Loc = tuple[int | str, ...]


class _Refused(Exception):
    """Text the reader will not go on with; carries the problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _Unreadable(yaml.constructor.ConstructorError):
    """A value the loader will not construct; its problem is a whole message."""

    def __init__(self, message: str, node: Node) -> None:
        super().__init__(None, None, message, node.start_mark)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, refusing integers too long to convert and dates that are none."""

    def construct_yaml_int(self, node: ScalarNode) -> int:
        digits = sum(ch.isalnum() for ch in str(node.value))
        if digits > limits.MAX_INT_DIGITS:
            raise _Unreadable(
                f"a number of {digits:,} digits; write at most {limits.MAX_INT_DIGITS}", node
            )
        value: int = super().construct_yaml_int(node)
        return value

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise _Unreadable(
                f"{show(node.value)} reads as a date but is none; quote it to keep it as text",
                node,
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


@dataclass(frozen=True)
class Positions:
    """Where each value of a document is written: field path -> `file:line:column`."""

    source: str
    at: dict[str, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: str) -> str:
        """The position of the value at path; for a path the text lacks (a missing field),
        that of the nearest value that holds it."""
        while path not in self.at:
            parent = _PARENT.sub("", path)
            if parent == path or not parent:
                if path == ROOT or ROOT not in self.at:
                    return self.source
                parent = ROOT
            path = parent
        line, column = self.at[path]
        return f"{self.source}:{line}:{column}"

    def within(self, loc: Loc) -> Positions:
        """The positions below loc, their paths relative to it (the spec inside a stack
        config)."""
        if not loc:
            return self
        prefix = format_path(loc)
        inner = {
            path[len(prefix) :].lstrip("."): mark
            for path, mark in self.at.items()
            if path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] in (".", "[")
        }
        inner[ROOT] = self.at.get(prefix, (1, 1))
        return Positions(self.source, inner)

    def locate(self, problem: Problem) -> Problem:
        if problem.where or not problem.path:
            return problem
        return Problem(problem.path, problem.message, problem.severity, self.where(problem.path))


@dataclass(frozen=True)
class Document:
    data: Any
    positions: Positions
    # Problems of the text itself that still left data to judge (keys given twice).
    problems: tuple[Problem, ...] = ()


def read(path: Path) -> Document:
    """Read and parse a YAML file within bounds; SpecError for what cannot be read."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            raise SpecError([_too_large(source, size)])
        with path.open("rb") as handle:
            raw = handle.read(limits.MAX_FILE_BYTES + 1)
        if len(raw) > limits.MAX_FILE_BYTES:  # a file that grew, or a device
            raise SpecError([_too_large(source, None)])
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(
            [Problem("", f"cannot be read ({exc}); name a readable UTF-8 file", where=source)]
        ) from None
    return parse(text, source)


def _too_large(source: str, size: int | None) -> Problem:
    what = f"{size:,} bytes" if size is not None else f"more than {limits.MAX_FILE_BYTES:,} bytes"
    return Problem(
        "",
        f"is {what}; a spec file may be at most {limits.MAX_FILE_BYTES:,} bytes (a cluster "
        "spec is a few kilobytes)",
        where=source,
    )


def parse(text: str, source: str) -> Document:
    """Parse YAML text within bounds; SpecError for text that is refused."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.MAX_FILE_BYTES:
        raise SpecError([_too_large(source, size)])
    try:
        _scan(text, source)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            duplicates = list(_duplicate_keys(node))
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Refused as refused:
        raise SpecError([refused.problem]) from None
    except yaml.YAMLError as exc:
        raise SpecError([_syntax_problem(exc, text, source)]) from None
    at: dict[str, tuple[int, int]] = {}
    key_paths: dict[int, str] = {}
    if node is not None:
        _record(node, at, key_paths)
    problems = [_duplicate(source, keys, key_paths) for keys in duplicates[:_MAX_DUPLICATES]]
    if len(duplicates) > _MAX_DUPLICATES:
        more = len(duplicates) - _MAX_DUPLICATES
        problems.append(
            Problem(
                "",
                f"{more:,} more keys are given twice in a mapping; keep one of each",
                where=source,
            )
        )
    return Document(data, Positions(source, at), tuple(problems))


def _duplicate(source: str, keys: list[Node], key_paths: dict[int, str]) -> Problem:
    """One problem per key given more than once in a mapping, at its second place."""
    path = key_paths.get(id(keys[-1]), "")
    key = "" if path else f"key {show(str(keys[0].value))} "
    times = "twice" if len(keys) == 2 else f"{len(keys):,} times"
    return Problem(
        path,
        f"{key}is given {times} in one mapping ({_places(keys)}); keep one",
        where=_mark(source, keys[1]),
    )


def _places(keys: list[Node]) -> str:
    marks = [k.start_mark for k in keys]
    if len({m.line for m in marks}) == 1:
        columns = [str(m.column + 1) for m in marks]
        return f"line {marks[0].line + 1}, columns {_listed(columns)}"
    return f"lines {_listed([str(m.line + 1) for m in marks])}"


def _listed(words: list[str]) -> str:
    if len(words) > 4:
        return f"{', '.join(words[:3])}, ... and {words[-1]}"
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _mark(source: str, node: Node) -> str:
    return f"{source}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _at(source: str, event: Any, what: str) -> Problem:
    mark = event.start_mark
    return Problem("", what, where=f"{source}:{mark.line + 1}:{mark.column + 1}")


def _scan(text: str, source: str) -> None:
    """Step 1: bound the document on its event stream, counting what aliases stand for."""
    loader = _Loader(text)
    # Per open collection: its anchor, the expanded count when it opened, its height so far.
    open_: list[tuple[str | None, int, int]] = []
    # Per anchor: the values it stands for, and how many levels deep it nests.
    anchors: dict[str, tuple[int, int]] = {}
    values = expanded = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, ScalarEvent):
                values += 1
                expanded += 1
                if len(event.value) > limits.MAX_SCALAR_CHARS:
                    raise _Refused(
                        _at(
                            source,
                            event,
                            f"a scalar of {len(event.value):,} characters; at most "
                            f"{limits.MAX_SCALAR_CHARS:,} in any value",
                        )
                    )
                if event.anchor:
                    anchors[event.anchor] = (1, 0)
                height = 0
            elif isinstance(event, AliasEvent):
                if any(anchor == event.anchor for anchor, _, _ in open_):
                    raise _Refused(
                        _at(
                            source,
                            event,
                            f"alias *{event.anchor} refers to a node that holds it (a cycle); "
                            "refer only to finished nodes",
                        )
                    )
                size, height = anchors.get(event.anchor or "", (1, 0))
                values += 1
                expanded += size
            elif isinstance(event, CollectionStartEvent):
                values += 1
                expanded += 1
                open_.append((event.anchor, expanded - 1, 0))
                height = 0
            elif isinstance(event, CollectionEndEvent):
                anchor, start, inner = open_.pop()
                height = inner + 1
                if anchor:
                    anchors[anchor] = (expanded - start, height)
            else:
                continue
            if open_ and not isinstance(event, CollectionStartEvent):
                anchor, start, inner = open_[-1]
                open_[-1] = (anchor, start, max(inner, height))
            _bound(source, event, values, expanded, len(open_) + height)
    finally:
        loader.dispose()


def _bound(source: str, event: Any, values: int, expanded: int, depth: int) -> None:
    if values > limits.MAX_NODES:
        raise _Refused(
            _at(
                source,
                event,
                f"the document holds more than {limits.MAX_NODES:,} values; a cluster spec "
                "needs a few hundred",
            )
        )
    if expanded > limits.MAX_NODES:
        raise _Refused(
            _at(
                source,
                event,
                f"aliases here expand the document past {limits.MAX_NODES:,} values; a cluster "
                "spec needs a few hundred: write values out or alias fewer",
            )
        )
    if depth > limits.MAX_DEPTH:
        raise _Refused(_at(source, event, _DEEP))


def _duplicate_keys(root: Node | None) -> Iterator[list[Node]]:
    """Step 2: the key nodes of each key given more than once in one mapping."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            given: dict[tuple[str, str], list[Node]] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    given.setdefault((key.tag, key.value), []).append(key)
                stack += [key, value]
            yield from (keys for keys in given.values() if len(keys) > 1)
        elif isinstance(node, SequenceNode):
            stack += node.value


def _record(root: Node, at: dict[str, tuple[int, int]], key_paths: dict[int, str]) -> None:
    """Step 3: the position of each value by its path, after merge keys were applied (a key
    written after another in a mapping wins, as in construction). Aliased nodes are walked
    where each alias stands; step 1 bounded that walk."""
    at[ROOT] = (root.start_mark.line + 1, root.start_mark.column + 1)
    stack: list[tuple[Node, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if not isinstance(key, ScalarNode) or key.tag == _MERGE:
                    continue
                child = (*loc, str(key.value))
                path = format_path(child)
                at[path] = (key.start_mark.line + 1, key.start_mark.column + 1)
                key_paths[id(key)] = path
                stack.append((value, child))
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                at[format_path((*loc, i))] = (item.start_mark.line + 1, item.start_mark.column + 1)
                stack.append((item, (*loc, i)))


def _syntax_problem(exc: yaml.YAMLError, text: str, source: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    tab = _tab_indent(text, line)
    if tab is not None:
        return Problem(
            "",
            "a tab indents this line; YAML allows only spaces for indentation: indent with spaces",
            where=f"{source}:{tab[0]}:{tab[1]}",
        )
    problem = str(getattr(exc, "problem", None) or exc).strip()
    context = str(getattr(exc, "context", None) or "").strip()
    if isinstance(exc, _Unreadable):
        what = problem
    elif "maximum nesting depth" in problem:  # libyaml's own bound, met while reading ahead
        what = _DEEP
    elif "expected a single document" in f"{problem} {context}":
        what = "holds more than one YAML document; put the spec in one"
    elif problem.startswith("could not determine a constructor for the tag"):
        tag = problem.rsplit(" ", 1)[-1]
        what = f"the tag {tag[:80]} is not plain data; remove it (a spec holds plain YAML values)"
    else:
        what = f"is not valid YAML: {problem}{f' ({context})' if context else ''}; fix the syntax"
    where = f"{source}:{line}:{mark.column + 1}" if mark is not None else source
    return Problem("", what[:300], where=where)


def _tab_indent(text: str, upto: int) -> tuple[int, int] | None:
    """(line, column) of a tab in the indentation of a line up to `upto`, the closest first."""
    lines = text.splitlines()[:upto]
    for number in range(len(lines), 0, -1):
        line = lines[number - 1]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return number, indent.index("\t") + 1
    return None
