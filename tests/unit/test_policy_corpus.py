"""The corpus (tests/policy_corpus/): violating stack configs and small programs, each run
under Pulumi's mocks with the rules applied to what it registered, as the pack sees it at
preview and at `up` and as the runtime audit sees deployed resources (harness.VIEWS); each must
be caught under its rule ID in every view. The second corpus (foreign/) is written unlike aidc's
own components: each violating program is caught under exactly its rule IDs, each compliant one
passes clean. The shipped example stacks pass clean."""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.policy.mocked import with_spec
from aidc.policy.registry import UNKNOWN, Finding, Res, evaluate
from aidc.program import build, read_cluster
from aidc.spec import load_file
from tests.policy_corpus.harness import VIEWS, Recorded, View, record, view
from tests.policy_corpus.pack_run import pack_findings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "policy_corpus"
FOREIGN = CORPUS / "foreign"
STACKS = ROOT / "stacks"
SPECS = sorted(CORPUS.glob("*.yaml"))
PROGRAMS = sorted(CORPUS.glob("prog_*.py"))
VIOLATING = sorted(FOREIGN.glob("bad_*.py"))
COMPLIANT = sorted(FOREIGN.glob("good_*.py"))
# Rules that can fire on what a stack lacks (a resource or a setting not there at all).
ABSENCE_RULES = {
    "AIDC-NET-004",
    "AIDC-NET-006",
    "AIDC-NET-007",
    "AIDC-CMP-001",
    "AIDC-CMP-002",
    "AIDC-CMP-006",
    "AIDC-STO-001",
    "AIDC-STO-002",
    "AIDC-STO-003",
    "AIDC-STO-004",
    "AIDC-STO-006",
    "AIDC-STO-009",
}


def findings(
    recorded: list[Recorded], how: View, spec: dict[str, Any] | None = None, **config: Any
) -> list[Finding]:
    return evaluate(view(recorded, how), with_spec(spec, config))


def ids(found: list[Finding]) -> set[str]:
    return {f.rule_id for f in found}


def stack_spec(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def apply(spec: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = spec
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def program_of(entry: Path) -> tuple[Callable[[], None], Any]:
    package = ".".join(entry.relative_to(ROOT).with_suffix("").parts)
    module = importlib.import_module(package)
    return module.program, module.EXPECT


def test_the_corpus_has_at_least_25_entries() -> None:
    assert len(SPECS) + len(PROGRAMS) >= 25


def test_the_foreign_corpus_has_20_violating_and_10_compliant_programs() -> None:
    assert len(VIOLATING) >= 20
    assert len(COMPLIANT) >= 10


@pytest.mark.parametrize("entry", SPECS, ids=[p.stem for p in SPECS])
def test_violating_spec_is_caught(entry: Path) -> None:
    case = yaml.safe_load(entry.read_text())
    spec = stack_spec(case["base"])
    for path, value in (case.get("set") or {}).items():
        apply(spec, path, value)
    recorded = record(lambda: build(read_cluster()), config={"aidc:cluster": json.dumps(spec)})
    for how in VIEWS:
        found = findings(recorded, how, spec, **(case.get("policy_config") or {}))
        assert case["expect"] in ids(found), (how, [str(f) for f in found])


@pytest.mark.parametrize("entry", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_violating_program_is_caught(entry: Path) -> None:
    program, expect = program_of(entry)
    recorded = record(program)
    for how in VIEWS:
        found = findings(recorded, how)
        assert expect in ids(found), (how, [str(f) for f in found])


@pytest.mark.parametrize("entry", VIOLATING, ids=[p.stem for p in VIOLATING])
def test_foreign_violating_program_is_caught_under_exactly_its_rules(entry: Path) -> None:
    program, expect = program_of(entry)
    assert expect, "a violating program names the rules it breaks"
    recorded = record(program)
    for how in VIEWS:
        found = findings(recorded, how)
        assert ids(found) == set(expect), (how, [str(f) for f in found])


@pytest.mark.parametrize("entry", COMPLIANT, ids=[p.stem for p in COMPLIANT])
def test_foreign_compliant_program_passes_clean(entry: Path) -> None:
    program, expect = program_of(entry)
    assert expect == set()
    recorded = record(program)
    for how in VIEWS:
        assert [str(f) for f in findings(recorded, how)] == [], how


@pytest.mark.parametrize(
    "entry", [*VIOLATING, *COMPLIANT], ids=[p.stem for p in [*VIOLATING, *COMPLIANT]]
)
def test_the_pack_reaches_the_same_verdict_at_preview(entry: Path) -> None:
    """Through the pack's own policies (resource and stack validations, the SDK's proxies with
    unknown values, property dependencies, providers) the preview view gives the same IDs."""
    program, expect = program_of(entry)
    recorded = record(program)
    assert {rule_id for rule_id, _ in pack_findings(recorded)} == set(expect)


@pytest.mark.parametrize("stack", ["aws-p5", "aws-h200"])
def test_example_aws_stack_is_clean(stack: str) -> None:
    cluster, _ = load_file(STACKS / f"Pulumi.{stack}.yaml")
    recorded = record(lambda: build(cluster))
    for how in VIEWS:
        assert [str(f) for f in findings(recorded, how, stack_spec(stack))] == [], how
    assert pack_findings(recorded, stack_spec(stack)) == []


def _every_leaf_unknown(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _every_leaf_unknown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_every_leaf_unknown(v) for v in value]
    return UNKNOWN


def test_rules_survive_every_value_unknown() -> None:
    """At preview any value may be unknown: no rule may fail on one, whole properties or
    single values, and an unknown value is no violation of a rule about that value."""
    for entry in [*PROGRAMS, *VIOLATING, *COMPLIANT]:
        program, _ = program_of(entry)
        resources = view(record(program), "preview")
        whole = [
            Res(r.type, r.name, dict.fromkeys(r.props, UNKNOWN), r.urn, provider=r.provider)
            for r in resources
        ]
        leaves = [
            Res(r.type, r.name, _every_leaf_unknown(r.props), r.urn, "", r.deps, r.provider)
            for r in resources
        ]
        for blank in (whole, leaves):
            # What is left can only be about absence (a bucket with no block, a VPC with no
            # flow log), never about a value that is there.
            found = ids(evaluate(blank))
            assert found <= ABSENCE_RULES, (entry.stem, found)


def test_example_lab_stack_is_clean() -> None:
    """The lab program's registrations need the host (images, bridges), so judge what it would
    register: the firewall dynamic resource's inputs from the lab layout, and the spec."""
    from aidc.targets.lab.layout import plan_layout

    cluster, _ = load_file(STACKS / "Pulumi.lab.yaml")
    layout = plan_layout(cluster, "lab")
    props = {
        "stack": "lab",
        "bridges": [b.bridge for b in layout.bridges],
        "rules": [
            {
                "description": r.description,
                "sources": [str(a) for a in r.sources],
                "destinations": [str(a) for a in r.destinations],
                "protocol": r.protocol,
                "ports": list(r.ports) if r.ports else None,
            }
            for r in layout.rules
        ],
        "host_tcp_ports": [],
    }
    res = Res("pulumi-python:dynamic:Resource", "lab-firewall-nftables", props)
    assert [str(f) for f in evaluate([res], {"aidc:cluster": stack_spec("lab")})] == []
    bad = stack_spec("lab")
    bad["firewall"]["flows"].append(
        {"source": "login", "destination": "gpu", "protocol": "all", "description": "everything"}
    )
    from aidc.spec import load_spec

    layout = plan_layout(load_spec(bad)[0], "lab")
    props["rules"] = [
        {
            "description": r.description,
            "sources": [str(a) for a in r.sources],
            "destinations": [str(a) for a in r.destinations],
            "protocol": r.protocol,
            "ports": list(r.ports) if r.ports else None,
        }
        for r in layout.rules
    ]
    found = evaluate([Res(res.type, res.name, props)], {})
    assert [f.message for f in found] == [
        "flow 'everything' opens every port between different roles"
    ]
