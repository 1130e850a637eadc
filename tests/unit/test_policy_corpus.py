"""The corpus (tests/policy_corpus/): violating stack configs and small programs, each run
under Pulumi's mocks (tests/unit/aws_mocks) with the pack's validators applied to what it
registered; each must be caught under its rule ID. The shipped example stacks pass clean."""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.policy.registry import Finding, Res, evaluate
from aidc.program import build, read_cluster
from aidc.spec import load_file
from tests.unit.aws_mocks import Run, run_cluster, run_program

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "policy_corpus"
STACKS = ROOT / "stacks"
SPECS = sorted(CORPUS.glob("*.yaml"))
PROGRAMS = sorted(p for p in CORPUS.glob("prog_*.py"))


def findings(run: Run, spec: dict[str, Any] | None, policy_config: dict[str, Any]) -> list[Finding]:
    """What the pack reports: validators over the registered resources, the stack's spec as
    the pack reads it from stack config (declared egress, Ceph pools)."""
    cfg = dict(policy_config)
    if spec is not None:
        cfg["aidc:cluster"] = spec
        cfg["declared_egress_cidrs"] = list(cfg.get("declared_egress_cidrs", [])) + [
            str(c) for c in (spec.get("firewall") or {}).get("egress_cidrs") or []
        ]
    return evaluate([Res(r.type, r.name, r.inputs, r.urn) for r in run.resources], cfg)


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


def test_the_corpus_has_at_least_25_entries() -> None:
    assert len(SPECS) + len(PROGRAMS) >= 25


@pytest.mark.parametrize("entry", SPECS, ids=[p.stem for p in SPECS])
def test_violating_spec_is_caught(entry: Path) -> None:
    case = yaml.safe_load(entry.read_text())
    spec = stack_spec(case["base"])
    for path, value in (case.get("set") or {}).items():
        apply(spec, path, value)
    run = run_program(lambda: build(read_cluster()), config={"aidc:cluster": json.dumps(spec)})
    found = findings(run, spec, case.get("policy_config") or {})
    assert case["expect"] in {f.rule_id for f in found}, [str(f) for f in found]


@pytest.mark.parametrize("entry", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_violating_program_is_caught(entry: Path) -> None:
    module = importlib.import_module(f"tests.policy_corpus.{entry.stem}")
    run = run_program(module.program)
    found = findings(run, None, {})
    assert module.EXPECT in {f.rule_id for f in found}, [str(f) for f in found]


@pytest.mark.parametrize("stack", ["aws-p5", "aws-h200"])
def test_example_aws_stack_is_clean(stack: str) -> None:
    cluster, _ = load_file(STACKS / f"Pulumi.{stack}.yaml")
    run = run_cluster(cluster)
    assert [str(f) for f in findings(run, stack_spec(stack), {})] == []


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
