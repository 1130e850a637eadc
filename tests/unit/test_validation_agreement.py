"""`aidc validate` and the Pulumi program reach the same verdict on the same spec.

Hypothesis writes small specs for both targets, valid and invalid near the boundaries where
validation once lived in three places: pools spread over two networks, networks with missing
or empty subnets, autoscaling OSD hosts, unknown instance types, zones outside the region on
aws; lab pools around the 16 addresses each pool gets and around the end of small networks.
For each spec the CLI's exit status (0 or 2) is compared with the program's outcome under
Pulumi's mocks, the spec set as the stack config `aidc:cluster`: it completes, or it stops with
pulumi.RunError naming the same problems before any resource is registered.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidc import program
from aidc.cli.main import main as aidc
from aidc.spec.types import ROLES
from tests.conftest import stack_spec
from tests.unit.aws_mocks import run_program

EXAMPLES = 200
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# `<field.path>: <what is wrong>; <what is allowed>`
PROBLEM = re.compile(r"^(?:[\w:-]+|\[\d+\]|\.|'[^']*')+: \S.*; \S")
# What `aidc validate` puts before it: where the value is written (the program has no text).
POSITION = re.compile(r"^\S+\.yaml:\d+:\d+: ")


@dataclass(frozen=True)
class Verdict:
    valid: bool
    problems: tuple[str, ...]  # what refused the spec, one line each


def validate(spec: dict[str, Any]) -> Verdict:
    """`aidc validate` on the spec written to a file, as a user runs it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_text(yaml.safe_dump(spec))
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = aidc(["validate", str(path)])
    assert code in (0, 2), f"aidc validate exited {code}:\n{err.getvalue()}"
    lines = err.getvalue().splitlines()
    for line in lines:
        assert POSITION.match(line.removeprefix("warning: ")), f"no file:line:column: {line}"
    problems = tuple(POSITION.sub("", line) for line in lines if not line.startswith("warning:"))
    return Verdict(code == 0, problems)


def deploy(spec: dict[str, Any]) -> Verdict:
    """The Pulumi program, reading the spec from stack config, under mocks."""
    try:
        run_program(program.main, config={"aidc:cluster": json.dumps(spec)})
    except pulumi.RunError as exc:
        registered = exc.run.resources  # type: ignore[attr-defined]
        assert registered == [], f"refused after registering {[str(r) for r in registered]}"
        return Verdict(False, tuple(str(exc).splitlines()))
    except Exception as exc:  # a refusal validation did not foresee, or a bug: both count
        return Verdict(False, (f"{type(exc).__name__}: {exc}",))
    return Verdict(True, ())


def agree(spec: dict[str, Any]) -> bool:
    """Assert both verdicts are the same; return it."""
    cli, prog = validate(spec), deploy(spec)
    shown = yaml.safe_dump(spec, sort_keys=False)
    assert cli.valid == prog.valid, (
        f"aidc validate says {'valid' if cli.valid else 'invalid'}, the program "
        f"{'completes' if prog.valid else 'refuses'}:\n" + "\n".join(cli.problems + prog.problems)
    ) + f"\n---\n{shown}"
    for line in cli.problems:
        assert PROBLEM.match(line), line
        assert line in prog.problems, f"the program does not report {line!r}:\n{prog.problems}"
    return cli.valid


def run_agreement(specs: st.SearchStrategy[dict[str, Any]]) -> Counter[bool]:
    """Check agreement on EXAMPLES specs; count the verdicts, so a test can tell that the
    strategy reaches both sides of the boundaries."""
    seen: Counter[bool] = Counter()

    @SETTINGS
    @given(specs)
    def check(spec: dict[str, Any]) -> None:
        seen[agree(spec)] += 1

    check()
    return seen


Spec = dict[str, Any]
Fault = Callable[[st.DrawFn, Spec], None]


def with_faults(draw: st.DrawFn, spec: Spec, faults: Sequence[Fault]) -> Spec:
    """About half the specs get one or two faults; the rest stay as built, where the sizes
    drawn near the boundaries decide alone."""
    if draw(st.booleans()):
        for fault in draw(st.lists(st.sampled_from(faults), min_size=1, max_size=2, unique=True)):
            fault(draw, spec)
    return spec


def monitoring_and_flows(draw: st.DrawFn, pools: list[Spec]) -> Spec:
    """Monitoring where a monitor pool exists; now and then a flow between present roles."""
    present = [r for r in ROLES if any(r in p["roles"] for p in pools)]
    part: Spec = {"monitoring": {"enabled": "monitor" in present}}
    if draw(st.booleans()):
        flow = {"source": draw(st.sampled_from(present)), "destination": present[0]}
        part["firewall"] = {"flows": [flow | {"ports": 22, "description": "ssh"}]}
    return part


def storage_on(draw: st.DrawFn, hosts: str | None) -> Spec:
    """Ceph on the named pool (two copies on OSDs, so one host will do), maybe with RGW and a
    bucket it serves."""
    if hosts is None or not draw(st.booleans()):
        return {}
    rgw = draw(st.booleans())
    storage: Spec = {
        "ceph": {
            "osd_pool": hosts,
            "pools": [{"name": "rbd", "size": 2, "min_size": 1, "failure_domain": "osd"}],
            "rgw": rgw,
        }
    }
    if rgw and draw(st.booleans()):
        storage["buckets"] = [{"name": "c-datasets", "purpose": "datasets"}]
    return {"storage": storage}


# Lab: pools take 16 addresses each from offset 10, the n-th pool's from 10 + 16n, in the
# network it joins; counts and prefixes straddle those limits (a /28 holds five nodes of the
# first pool, none of the second).
LAB_PREFIXES = (24, 26, 27, 28, 29)
LAB_COUNTS = (1, 2, 4, 5, 6, 15, 16, 17)


def _lab_tiny_network(draw: st.DrawFn, spec: Spec) -> None:
    net = draw(st.sampled_from(spec["networks"]))
    net["cidr"] = net["cidr"].rsplit("/", 1)[0] + f"/{draw(st.sampled_from([30, 31, 32]))}"


def _lab_aws_field(draw: st.DrawFn, spec: Spec) -> None:
    pool = draw(st.sampled_from(spec["pools"]))
    field = draw(st.sampled_from(["efa", "autoscaling", "instance_type", "image"]))
    pool[field] = {"instance_type": "m7i.xlarge", "image": "ami-0123456789abcdef0"}.get(field, True)


def _lab_gpu_missing(draw: st.DrawFn, spec: Spec) -> None:
    pool = draw(st.sampled_from(spec["pools"]))
    pool["roles"] = ["gpu"]
    pool.pop("gpu", None)


def _lab_region(draw: st.DrawFn, spec: Spec) -> None:
    spec["region"] = "us-east-1"


def _lab_buckets_without_rgw(draw: st.DrawFn, spec: Spec) -> None:
    spec.setdefault("storage", {})["buckets"] = [{"name": "c-logs", "purpose": "logs"}]
    if "ceph" in spec["storage"]:
        spec["storage"]["ceph"]["rgw"] = False


def _lab_few_nodes_allowed(draw: st.DrawFn, spec: Spec) -> None:
    spec["lab"]["max_nodes"] = draw(st.integers(1, 12))


LAB_FAULTS: tuple[Fault, ...] = (
    _lab_tiny_network,
    _lab_aws_field,
    _lab_gpu_missing,
    _lab_region,
    _lab_buckets_without_rgw,
    _lab_few_nodes_allowed,
)


@st.composite
def lab_specs(draw: st.DrawFn) -> Spec:
    networks = [
        {"name": f"n{i}", "cidr": f"10.{i}.0.0/{draw(st.sampled_from(LAB_PREFIXES))}"}
        for i in range(draw(st.integers(1, 2)))
    ]
    pools: list[Spec] = []
    for i in range(draw(st.integers(1, 3))):
        pool: Spec = {
            "name": f"p{i}",
            "roles": draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True)),
            "count": draw(st.sampled_from(LAB_COUNTS)),
        }
        if len(networks) > 1 or draw(st.booleans()):
            pool["network"] = draw(st.sampled_from([n["name"] for n in networks]))
        if "gpu" in pool["roles"]:
            pool["gpu"] = draw(st.sampled_from(["h100-sxm", "l4"]))
        pools.append(pool)
    hosts = next((p["name"] for p in pools if "storage" in p["roles"]), None)
    spec: Spec = {
        "name": "c",
        "target": "lab",
        "lab": {"max_nodes": 64},
        "networks": networks,
        "pools": pools,
        **monitoring_and_flows(draw, pools),
        **storage_on(draw, hosts),
    }
    return with_faults(draw, spec, LAB_FAULTS)


# aws: instance types with and without GPUs and EFA; all pools on one network of subnets in
# the region, unless a fault says otherwise.
AWS_TYPES = ("m7i.xlarge", "i4i.4xlarge", "g5.xlarge", "g6.12xlarge", "p5.48xlarge")
ZONES = ("us-east-1a", "us-east-1b")


def aws_network(draw: st.DrawFn, i: int) -> Spec:
    """A /16 with one or two /24 subnets, or a /28 that is its own single subnet."""
    small = draw(st.booleans())
    cidrs = (
        [f"10.{i}.0.0/28"]
        if small
        else [f"10.{i}.{k}.0/24" for k in range(draw(st.integers(1, 2)))]
    )
    subnets = [
        {
            "name": f"s{k}",
            "cidr": cidr,
            "zone": draw(st.sampled_from(ZONES)),
            "public": draw(st.booleans()),
        }
        for k, cidr in enumerate(cidrs)
    ]
    return {"name": f"n{i}", "cidr": f"10.{i}.0.0/{28 if small else 16}", "subnets": subnets}


def _aws_second_network(draw: st.DrawFn, spec: Spec) -> None:
    if len(spec["networks"]) == 1:
        spec["networks"].append(aws_network(draw, 1))
    pool = draw(st.sampled_from(spec["pools"]))
    used = pool.get("network", "n0")
    pool["network"] = "n1" if used == "n0" else "n0"


def _aws_no_subnets(draw: st.DrawFn, spec: Spec) -> None:
    net = draw(st.sampled_from(spec["networks"]))
    if draw(st.booleans()):
        del net["subnets"]
    else:
        net["subnets"] = []


def _aws_autoscaling(draw: st.DrawFn, spec: Spec) -> None:
    """The OSD hosts' pool where there is one, else any: some specs end up groups only."""
    osd = spec.get("storage", {}).get("ceph", {}).get("osd_pool")
    pool = next((p for p in spec["pools"] if p["name"] == osd), None)
    (pool or draw(st.sampled_from(spec["pools"])))["autoscaling"] = True


def _aws_zone(draw: st.DrawFn, spec: Spec) -> None:
    subnets = [s for n in spec["networks"] for s in n.get("subnets", [])]
    if not subnets:
        return
    subnet = draw(st.sampled_from(subnets))
    if draw(st.booleans()):
        del subnet["zone"]
    else:
        subnet["zone"] = "eu-west-1a"


def _aws_no_region(draw: st.DrawFn, spec: Spec) -> None:
    del spec["region"]


def _aws_no_instance_type(draw: st.DrawFn, spec: Spec) -> None:
    draw(st.sampled_from(spec["pools"])).pop("instance_type")


def _aws_unknown_instance_type(draw: st.DrawFn, spec: Spec) -> None:
    draw(st.sampled_from(spec["pools"]))["instance_type"] = "p9.huge"


def _aws_instance_type_disagrees(draw: st.DrawFn, spec: Spec) -> None:
    """Role gpu on a CPU type, EFA on a type without it, or a GPU the type does not carry."""
    pool = draw(st.sampled_from(spec["pools"]))
    change = draw(
        st.sampled_from(
            [{"roles": ["gpu"], "instance_type": "m7i.xlarge"}, {"efa": True}, {"gpu": "b200"}]
        )
    )
    pool.update(change)


def _aws_large_vpc(draw: st.DrawFn, spec: Spec) -> None:
    spec["networks"][0]["cidr"] = "10.0.0.0/15"


AWS_FAULTS: tuple[Fault, ...] = (
    _aws_second_network,
    _aws_no_subnets,
    _aws_autoscaling,
    _aws_zone,
    _aws_no_region,
    _aws_no_instance_type,
    _aws_unknown_instance_type,
    _aws_instance_type_disagrees,
    _aws_large_vpc,
)


@st.composite
def aws_specs(draw: st.DrawFn) -> Spec:
    # A second network costs a VPC's worth of mocked resources: have one now and then.
    networks = [aws_network(draw, i) for i in range(draw(st.sampled_from([1, 1, 2])))]
    home = draw(st.sampled_from([None, *(n["name"] for n in networks)]))
    pools: list[Spec] = []
    for i in range(draw(st.integers(1, 2))):
        itype = draw(st.sampled_from(AWS_TYPES))
        gpus = itype.startswith(("g", "p"))
        pool: Spec = {
            "name": f"p{i}",
            "roles": ["gpu" if gpus else draw(st.sampled_from(["cpu", "login", "monitor"]))],
            "count": draw(st.integers(1, 2)),
            "instance_type": itype,
        }
        if itype in ("g6.12xlarge", "p5.48xlarge") and draw(st.booleans()):
            pool["efa"] = True
        if draw(st.integers(0, 4)) == 0:
            pool["autoscaling"] = True
        pools.append(pool)
    hosts = None
    if draw(st.booleans()):
        hosts = "osd"
        pools.insert(
            0, {"name": "osd", "roles": ["storage"], "count": 2, "instance_type": "i4i.4xlarge"}
        )
    if home is not None:
        for pool in pools:
            pool["network"] = home
    spec: Spec = {
        "name": "c",
        "target": "aws",
        "region": "us-east-1",
        "networks": networks,
        "pools": pools,
        **monitoring_and_flows(draw, pools),
        **storage_on(draw, hosts),
    }
    return with_faults(draw, spec, AWS_FAULTS)


def assert_both_sides(seen: Counter[bool], examples: int = EXAMPLES) -> None:
    assert sum(seen.values()) >= examples, seen
    # Both verdicts, each well represented: the boundaries are probed from both sides.
    assert min(seen[True], seen[False]) >= examples // 5, seen


def test_lab_validate_and_program_agree() -> None:
    assert_both_sides(run_agreement(lab_specs()))


def test_aws_validate_and_program_agree() -> None:
    assert_both_sides(run_agreement(aws_specs()))


def test_the_example_stacks_agree() -> None:
    assert all(agree(stack_spec(s)) for s in ("lab", "aws-p5", "aws-h200"))
