"""Hypothesis: hundreds of invalid specs; the loader raises only SpecError, the CLI exits 2,
and every problem line starts with a field path."""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidc.cli.main import main
from aidc.spec import SpecError, load_spec
from tests.conftest import stack_spec

BASES = {"lab": stack_spec("lab"), "aws": stack_spec("aws-p5")}
PROBLEM_LINE = re.compile(r"^(?:[\w:-]+|\[\d+\]|\.|'[^']*'|\"[^\"]*\")+: \S")
# `aidc validate` says where each value is written first.
POSITION = re.compile(r"^\S+\.yaml:\d+:\d+: ")

Path_ = tuple[str | int, ...]


def leaves(node: Any, path: Path_ = ()) -> list[Path_]:
    """Paths to every scalar, skipping free-form tag values."""
    if isinstance(node, dict):
        if path and path[-1] == "tags":
            return []
        return [p for k, v in node.items() for p in leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in leaves(v, (*path, i))]
    return [path]


def mappings(node: Any, path: Path_ = ()) -> list[Path_]:
    out: list[Path_] = []
    if isinstance(node, dict):
        if not (path and path[-1] == "tags"):
            out.append(path)
        for k, v in node.items():
            out += mappings(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += mappings(v, (*path, i))
    return out


def get(node: Any, path: Path_) -> Any:
    for part in path:
        node = node[part]
    return node


JUNK = st.one_of(
    st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=2),
    st.lists(st.dictionaries(st.just("x"), st.none(), min_size=1), min_size=1, max_size=2),
)
BAD_NAMES = st.one_of(
    st.just(""),
    st.text(alphabet="ÄßЖ漢字🚀 _", min_size=1, max_size=8),
    st.from_regex(r"-[a-z]{1,5}", fullmatch=True),
    st.text(alphabet="abc", min_size=41, max_size=60),
)
REQUIRED = [
    ("name",),
    ("target",),
    ("networks",),
    ("pools",),
    ("pools", 0, "count"),
    ("pools", 0, "roles"),
    ("firewall", "flows", 0, "description"),
]


def _lab_pool_past_its_block(spec: dict[str, Any]) -> None:
    spec["lab"]["max_nodes"] = 64
    spec["pools"][1]["count"] = 17


def _lab_network_too_small(spec: dict[str, Any]) -> None:
    spec["networks"][0]["cidr"] = "10.231.0.0/28"


def _lab_aws_field(spec: dict[str, Any]) -> None:
    spec["pools"][0]["autoscaling"] = True


def _aws_second_network(spec: dict[str, Any]) -> None:
    spec["networks"].append(
        {
            "name": "other",
            "cidr": "10.1.0.0/16",
            "subnets": [{"name": "a", "cidr": "10.1.0.0/20", "zone": "us-east-1a"}],
        }
    )
    spec["pools"][1]["network"] = "other"


def _aws_no_subnets(spec: dict[str, Any]) -> None:
    del spec["networks"][0]["subnets"]


def _aws_autoscaling_osd_pool(spec: dict[str, Any]) -> None:
    spec["pools"][2]["autoscaling"] = True


def _aws_zone_elsewhere(spec: dict[str, Any]) -> None:
    spec["networks"][0]["subnets"][0]["zone"] = "eu-west-1a"


# Changes that only a target's own rules refuse (the layout could not place the result).
TARGET_BREAKS = {
    "lab": [_lab_pool_past_its_block, _lab_network_too_small, _lab_aws_field],
    "aws": [_aws_second_network, _aws_no_subnets, _aws_autoscaling_osd_pool, _aws_zone_elsewhere],
}


@st.composite
def invalid_specs(draw: st.DrawFn) -> dict[str, Any]:
    spec = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    kind = draw(
        st.sampled_from(
            [
                "wrong_type",
                "bad_name",
                "huge_count",
                "unknown_key",
                "missing",
                "overlap",
                "bad_ref",
                "target_rule",
            ]
        )
    )
    if kind == "wrong_type":
        path = draw(st.sampled_from(leaves(spec)))
        get(spec, path[:-1])[path[-1]] = draw(JUNK)
    elif kind == "bad_name":
        target = draw(st.sampled_from([("name",), ("pools", 1, "name"), ("networks", 0, "name")]))
        get(spec, target[:-1])[target[-1]] = draw(BAD_NAMES)
    elif kind == "huge_count":
        spec["pools"][draw(st.integers(0, 2))]["count"] = draw(st.integers(4097, 10**12))
    elif kind == "unknown_key":
        where = draw(st.sampled_from(mappings(spec)))
        key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in get(spec, where)))
        get(spec, where)[key] = draw(st.integers() | st.text(max_size=5))
    elif kind == "missing":
        path = draw(st.sampled_from(REQUIRED))
        del get(spec, path[:-1])[path[-1]]
    elif kind == "overlap":
        first = spec["networks"][0]["cidr"]
        spec["networks"].append({"name": "dup", "cidr": first})
    elif kind == "target_rule":
        draw(st.sampled_from(TARGET_BREAKS[spec["target"]]))(spec)
    else:
        field = draw(st.sampled_from(["osd_pool", "flow"]))
        if field == "osd_pool":
            spec["storage"]["ceph"]["osd_pool"] = draw(st.sampled_from(["nope", "gpu-x", "z"]))
        else:
            spec["firewall"]["flows"][0]["destination"] = "cpu"
    return spec


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_specs())
def test_invalid_specs_rejected_with_paths(spec: dict[str, Any]) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    assert info.value.problems
    for problem in info.value.problems:
        assert PROBLEM_LINE.match(str(problem)), str(problem)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_specs())
def test_cli_exits_2_with_a_path_per_line(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True))
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["validate", str(path)])
    assert code == 2
    lines = err.getvalue().splitlines()
    assert lines
    for line in lines:
        assert POSITION.match(line), line
        assert PROBLEM_LINE.match(POSITION.sub("", line)), line
