"""Hostile and broken input, generated: alias bombs of several shapes, keys given twice at any
depth, tabs, deep nesting, huge scalars, garbage, and valid specs with several fields broken
at once. Reading never raises anything but SpecError, a bound is named when it is broken and
only then, and every broken field is named in the one pass."""

from __future__ import annotations

import contextlib
import copy
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidc.cli.main import main
from aidc.spec import SpecError, limits, load_spec
from aidc.spec.loader import load_document
from aidc.spec.yamlfile import parse
from tests.conftest import stack_spec

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BASES = {"lab": stack_spec("lab"), "aws": stack_spec("aws-p5")}
SOURCE = "spec.yaml"
POSITION = re.compile(r"^spec\.yaml(?::\d+:\d+)?: ")


def problems_of_text(text: str) -> list[str]:
    """The problems `aidc validate` would print for this text ([] when valid); anything but
    SpecError escapes and fails the test."""
    try:
        load_document(parse(text, SOURCE))
    except SpecError as exc:
        lines = [str(p) for p in exc.problems]
        assert lines, "SpecError without problems"
        for line in lines:
            assert POSITION.match(line), line
        return lines
    return []


def problems_of_data(data: Any) -> list[str]:
    try:
        load_spec(data)
    except SpecError as exc:
        return [str(p) for p in exc.problems]
    return []


def cli(tmp: Path, text: str) -> tuple[int, list[str]]:
    path = tmp / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", str(path)])
    return code, err.getvalue().splitlines()


def expanded_size(text: str) -> int:
    """What the document holds with every alias expanded, counted on PyYAML's node graph
    (composing does not expand aliases): the oracle for the reader's own count."""
    memo: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) not in memo:
            if isinstance(node, yaml.SequenceNode):
                memo[id(node)] = 1 + sum(size(n) for n in node.value)
            elif isinstance(node, yaml.MappingNode):
                memo[id(node)] = 1 + sum(size(k) + size(v) for k, v in node.value)
            else:
                memo[id(node)] = 1
        return memo[id(node)]

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert root is not None
    return size(root)


# Alias bombs: each level refers to the one below `width` times, as a list, as a mapping, or
# through merge keys; the bomb sits under a key of an otherwise valid spec.
@st.composite
def alias_bombs(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["list", "mapping", "merge", "mixed"]))
    width = draw(st.integers(2, 12))
    levels = draw(st.integers(1, 12))
    lines = ["bomb:", "  l0: &l0 [lol, lol, lol]"]
    for i in range(1, levels + 1):
        kind = draw(st.sampled_from(["list", "mapping", "merge"])) if shape == "mixed" else shape
        refs = [f"*l{i - 1}"] * width
        if kind == "list":
            body = f"[{', '.join(refs)}]"
        elif kind == "mapping":
            body = "{" + ", ".join(f"k{j}: {r}" for j, r in enumerate(refs)) + "}"
        else:
            # Merged mappings' keys collapse, but the values they bring are whole copies.
            below = f"l{i - 1}"
            body = (
                "{"
                + ", ".join(f"v{j}: *{below}" for j in range(width))
                + f", <<: {{m: *{below}}}}}"
            )
        lines.append(f"  l{i}: &l{i} {body}")
    spec = yaml.safe_dump(BASES["lab"], sort_keys=False)
    return spec + "\n".join(lines) + "\n"


@SETTINGS
@given(alias_bombs())
def test_alias_bombs_are_refused_before_expansion(text: str) -> None:
    problems = problems_of_text(text)
    refused = [p for p in problems if "aliases here expand the document past" in p]
    if expanded_size(text) > limits.MAX_NODES:
        assert len(problems) == 1 and refused, problems
    else:
        assert not refused, problems
        assert any("bomb: is not a known field" in p for p in problems), problems


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    for text in ("a: &a [*a]\n", "a: &a {b: [1, {c: *a}]}\n", "a: &a {<<: *a}\n"):
        (problem,) = problems_of_text(text)
        assert "alias *a refers to a node that holds it (a cycle)" in problem, problem


def test_an_alias_bomb_of_a_kilobyte_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    text = "\n".join(lines) + "\n"
    assert len(text) < 1024
    code, lines_out = cli(tmp_path, text)
    assert code == 2
    assert len(lines_out) == 1 and "aliases here expand the document past 50,000" in lines_out[0]


# Keys given twice, in any mapping of a valid spec, block or flow style.
@st.composite
def duplicated_keys(draw: st.DrawFn) -> tuple[str, str, str]:
    """(text, path of the repeated key, the key)."""
    spec = BASES[draw(st.sampled_from(sorted(BASES)))]
    root = yaml.compose(yaml.safe_dump(spec, sort_keys=False), Loader=yaml.SafeLoader)
    assert root is not None
    mappings: list[tuple[yaml.MappingNode, tuple[str | int, ...]]] = []

    def walk(node: yaml.Node, loc: tuple[str | int, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            mappings.append((node, loc))
            for key, value in node.value:
                walk(value, (*loc, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*loc, i))

    walk(root, ())
    node, loc = draw(st.sampled_from(mappings))
    key, value = draw(st.sampled_from(node.value))
    at = draw(st.integers(0, len(node.value)))
    # New nodes: the same node twice would be written as an anchor and an alias.
    node.value.insert(at, (yaml.ScalarNode(key.tag, key.value), copy.deepcopy(value)))
    flow = draw(st.booleans())
    for mapping, _ in mappings:
        mapping.flow_style = flow
    text = yaml.serialize(root, width=100_000)
    return text, _path((*loc, key.value)), key.value


def _path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@SETTINGS
@given(duplicated_keys())
def test_a_key_given_twice_is_named_with_both_lines(case: tuple[str, str, str]) -> None:
    text, path, key = case
    problems = problems_of_text(text)
    lines = text.splitlines()
    found = [p for p in problems if f": {path}: is given twice in one mapping" in p]
    assert len(found) == 1, (path, problems)
    places = re.search(r"\((?:lines (\d+) and (\d+)|line (\d+), columns \d+ and \d+)\)", found[0])
    assert places, found[0]
    for number in filter(None, places.groups()):
        assert re.search(rf"(^|[ {{,-]){re.escape(key)}:", lines[int(number) - 1]), found[0]


# Tabs in the indentation of a block spec.
@st.composite
def tab_indented(draw: st.DrawFn) -> tuple[str, int]:
    text = yaml.safe_dump(BASES[draw(st.sampled_from(sorted(BASES)))], sort_keys=False)
    lines = text.splitlines()
    indented = [i for i, line in enumerate(lines) if line.startswith("  ")]
    i = draw(st.sampled_from(indented))
    lines[i] = "\t" + lines[i].lstrip(" ")
    return "\n".join(lines) + "\n", i + 1


@SETTINGS
@given(tab_indented())
def test_a_tab_is_named_as_a_tab(case: tuple[str, int]) -> None:
    text, line = case
    assert problems_of_text(text) == [
        f"{SOURCE}:{line}:1: a tab indents this line; YAML allows only spaces for indentation: "
        "indent with spaces"
    ]


# Deep nesting, in YAML (flow and block) and in parsed data.
@SETTINGS
@given(
    st.integers(1, 40 * limits.MAX_DEPTH),
    st.sampled_from(["flow-list", "flow-map", "block-list", "block-map"]),
)
def test_deep_nesting_is_refused_past_the_bound(depth: int, style: str) -> None:
    if style == "flow-list":
        value = "[" * depth + "]" * depth
        text = f"x: {value}\n"
    elif style == "flow-map":
        text = "x: " + "{a: " * depth + "1" + "}" * depth + "\n"
    elif style == "block-list":
        depth = min(depth, 400)  # block indentation grows with the square of the depth
        text = "x:\n" + "".join(f"{'  ' * i}-\n" for i in range(depth)) + "  " * depth + "1\n"
    else:
        depth = min(depth, 400)
        text = "x:\n" + "".join(f"{'  ' * (i + 1)}a:\n" for i in range(depth - 1))
        text += "  " * depth + "a: 1\n"
    problems = problems_of_text(text)
    deep = [p for p in problems if "nest more than 64 levels deep" in p]
    # The document's own mapping is the first level.
    assert bool(deep) == (depth + 1 > limits.MAX_DEPTH), (depth, problems)


@pytest.mark.parametrize("depth", [limits.MAX_DEPTH, 10 * limits.MAX_DEPTH, 100_000])
def test_deep_data_is_refused_without_recursion(depth: int) -> None:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    spec = copy.deepcopy(BASES["lab"]) | {"name": value}
    (problem,) = problems_of_data(spec)
    assert "nests mappings and lists more than 64 levels deep" in problem, problem


def test_shared_references_count_where_each_appears() -> None:
    value: Any = ["x"] * 10
    for _ in range(8):
        value = [value] * 10  # 10**8 leaves, a few hundred objects
    (problem,) = problems_of_data(copy.deepcopy(BASES["lab"]) | {"tags": value})
    assert problem.startswith("spec: holds more than 50,000 values"), problem


def test_a_reference_cycle_is_refused() -> None:
    loop: list[Any] = []
    loop.append(loop)
    (problem,) = problems_of_data(copy.deepcopy(BASES["lab"]) | {"site": loop})
    assert "more than 64 levels deep" in problem


# Huge scalars: text, numbers, keys.
@SETTINGS
@given(
    st.integers(limits.MAX_SCALAR_CHARS - 5, 3 * limits.MAX_SCALAR_CHARS),
    st.sampled_from(["value", "key", "number", "quoted"]),
)
def test_huge_scalars_are_refused_in_few_words(size: int, where: str) -> None:
    if where == "value":
        text = f"name: {'a' * size}\n"
    elif where == "key":
        text = f"{'k' * size}: 1\n"
    elif where == "quoted":
        text = f"name: '{'a' * size}'\n"
    else:
        text = f"count: {'9' * (size // 600)}\n"
    problems = problems_of_text(text)
    assert all(len(p) < 400 for p in problems), [p[:100] for p in problems]
    if where == "number":
        assert any("a number of" in p and "digits; write at most 100" in p for p in problems)
    elif size > limits.MAX_SCALAR_CHARS:
        assert problems == [
            f"{SOURCE}:1:{1 if where == 'key' else 7}: a scalar of {size:,} characters; at most "
            f"{limits.MAX_SCALAR_CHARS:,} in any value"
        ]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "a" * 70_000, "name: is text of 70,000 characters; at most 65,536"),
        ("name", 10**150, "name: is a number of more than 100 digits; no field takes one"),
        ("pools", ["x" * 10_000] * 5, "pools[0]: 'xxxxxxxxxx"),
        ("networks", [{"name": ["n"] * 40_000}], "networks[0].name: ['n', 'n', 'n', ...]"),
    ],
)
def test_huge_values_in_data_are_shown_short(field: str, value: Any, expected: str) -> None:
    problems = problems_of_data(copy.deepcopy(BASES["lab"]) | {field: value})
    assert any(p.startswith(expected) for p in problems), problems
    assert all(len(p) < 400 for p in problems), problems


def test_a_file_too_large_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    with path.open("w") as handle:
        handle.write("name: lab\n")
        handle.write("# " + "x" * (limits.MAX_FILE_BYTES + 10) + "\n")
    code, lines = cli(tmp_path, path.read_text())
    assert code == 2
    assert lines == [
        f"{path}: is {path.stat().st_size:,} bytes; a spec file may be at most 1,048,576 bytes "
        "(a cluster spec is a few kilobytes)"
    ]


# Garbage: random YAML-ish text and random data never raise anything but SpecError.
YAMLISH = st.text(alphabet=" \t\n-:[]{},&*!|>'\"#%@`?<=~abc01.\\", max_size=200)
DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(YAMLISH)
def test_garbage_text_gives_problems_not_tracebacks(text: str) -> None:
    problems_of_text(text)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(DATA, st.sampled_from(sorted(BASES)), st.data())
def test_garbage_data_anywhere_gives_problems_not_tracebacks(
    junk: Any, base: str, data: st.DataObject
) -> None:
    spec = copy.deepcopy(BASES[base])
    node: Any = spec
    path = data.draw(st.lists(st.integers(0, 30), max_size=4))
    for step in path:
        if isinstance(node, dict) and node:
            key = sorted(node)[step % len(node)]
            if not isinstance(node[key], dict | list):
                node[key] = junk
                break
            node = node[key]
        elif isinstance(node, list) and node:
            node = node[step % len(node)]
    else:
        if isinstance(node, dict):
            node["junk"] = junk
    problems_of_data(spec)


# Several known fields broken at once: each is named, whatever fails first.
Break = Callable[[dict[str, Any]], None]


def _set(path: tuple[str | int, ...], value: Any) -> Break:
    def apply(spec: dict[str, Any]) -> None:
        node: Any = spec
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return apply


def _append_overlapping_network(spec: dict[str, Any]) -> None:
    spec["networks"].append({"name": "twin", "cidr": spec["networks"][0]["cidr"]})


def _duplicate_pool_name(spec: dict[str, Any]) -> None:
    spec["pools"][1]["name"] = spec["pools"][0]["name"]


# (targets, group, path named, break): at most one break per group, so no break hides another
# (a broken pool list cannot say which roles are present).
BREAKS: list[tuple[str, str, str, Break]] = [
    ("lab aws", "name", "name", _set(("name",), "")),
    ("lab aws", "count", "pools[2].count", _set(("pools", 2, "count"), "many")),
    ("lab aws", "roles", "pools[0].roles[1]", _set(("pools", 0, "roles"), ["login", "boss"])),
    (
        "lab aws",
        "roles",
        "firewall.flows[0].destination",
        _set(("firewall", "flows", 0, "destination"), "cpu"),
    ),
    ("lab aws", "cidr", "networks[0].cidr", _set(("networks", 0, "cidr"), "10.0.0.1/24")),
    ("lab aws", "cidr", "networks[1].cidr", _append_overlapping_network),
    ("lab aws", "ports", "firewall.flows[0].ports", _set(("firewall", "flows", 0, "ports"), "9-1")),
    (
        "lab aws",
        "desc",
        "firewall.flows[1].description",
        _set(("firewall", "flows", 1, "description"), ""),
    ),
    (
        "lab aws",
        "bucket",
        "storage.buckets[0].name",
        _set(("storage", "buckets", 0, "name"), "Bad_Name"),
    ),
    (
        "lab aws",
        "kms",
        "storage.buckets[1].kms_key_id",
        _set(("storage", "buckets", 1, "encryption"), "kms"),
    ),
    ("lab aws", "gpu", "pools[1].gpu", _set(("pools", 1, "gpu"), "h300")),
    ("lab", "gpu", "pools[1].gpus_per_node", _set(("pools", 1, "gpus_per_node"), 3)),
    (
        "lab aws",
        "retention",
        "monitoring.retention_days",
        _set(("monitoring", "retention_days"), 0),
    ),
    ("lab aws", "tags", "tags.aws:owner", _set(("tags", "aws:owner"), "me")),
    (
        "lab aws",
        "admin",
        "firewall.admin_cidrs",
        _set(("firewall", "admin_cidrs"), ["0.0.0.0/1", "128.0.0.0/1"]),
    ),
    (
        "lab aws",
        "admin",
        "firewall.admin_cidrs[0]",
        _set(("firewall", "admin_cidrs"), ["0.0.0.0/2"]),
    ),
    ("lab aws", "osd", "storage.ceph.osd_pool", _set(("storage", "ceph", "osd_pool"), "nope")),
    (
        "lab aws",
        "min",
        "storage.ceph.pools[0].min_size",
        _set(("storage", "ceph", "pools", 0, "min_size"), 9),
    ),
    ("lab aws", "unknown", "pools[0].size", _set(("pools", 0, "size"), 3)),
    ("lab aws", "network", "pools[0].network", _set(("pools", 0, "network"), "elsewhere")),
    ("lab aws", "dup", "pools", _duplicate_pool_name),
    ("lab aws", "strict", "pools[0].efa", _set(("pools", 0, "efa"), "yes")),
    ("lab", "lab", "lab.max_nodes", _set(("lab", "max_nodes"), 0)),
    ("lab", "image", "pools[0].image", _set(("pools", 0, "image"), "ami-0123456789abcdef0")),
    ("lab", "site", "site", _set(("site",), " padded")),
    ("aws", "image", "pools[1].image", _set(("pools", 1, "image"), "ubuntu")),
    ("aws", "region", "region", _set(("region",), "mars")),
    (
        "aws",
        "region",
        "networks[0].subnets[0].zone",
        _set(("networks", 0, "subnets", 0, "zone"), "eu-west-1a"),
    ),
    ("aws", "itype", "pools[2].instance_type", _set(("pools", 2, "instance_type"), "p9.huge")),
    (
        "aws",
        "cr",
        "pools[1].capacity_reservation_id",
        _set(("pools", 1, "capacity_reservation_id"), "cr-x"),
    ),
]


@st.composite
def broken_specs(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    target = draw(st.sampled_from(sorted(BASES)))
    spec = copy.deepcopy(BASES[target])
    usable = [b for b in BREAKS if target in b[0].split()]
    chosen = draw(
        st.lists(st.sampled_from(usable), min_size=1, max_size=7, unique_by=lambda b: b[1])
    )
    for _, _, _, apply in chosen:
        apply(spec)
    return spec, [path for _, _, path, _ in chosen]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(broken_specs())
def test_every_broken_field_is_named_in_one_pass(case: tuple[dict[str, Any], list[str]]) -> None:
    spec, paths = case
    problems = problems_of_data(spec)
    assert len(problems) == len(set(problems)), problems
    named = {p.split(": ", 1)[0] for p in problems}
    missing = [path for path in paths if path not in named]
    assert missing == [], f"{missing} not named in:\n" + "\n".join(problems)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(broken_specs())
def test_the_cli_names_each_broken_field_where_it_is_written(
    case: tuple[dict[str, Any], list[str]],
) -> None:
    spec, paths = case
    text = yaml.safe_dump(spec, sort_keys=False)
    problems = problems_of_text(text)
    named = {POSITION.sub("", p).split(": ", 1)[0] for p in problems}
    assert [path for path in paths if path not in named] == [], problems
    for problem in problems:
        line = re.match(r"^spec\.yaml:(\d+):\d+: ", problem)
        assert line and 1 <= int(line.group(1)) <= len(text.splitlines()), problem
