"""The stack-output contract: both targets' programs produce it, every reader parses it.

The recorded outputs in data/ are what the program exports under mocks for the example stacks
(stacks/Pulumi.lab.yaml, stacks/Pulumi.aws-p5.yaml). A change to what a target exports shows
here as a diff first; rewrite them on purpose with `python -m tests.unit.test_contract`.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from aidc.inventory import (
    CONTRACT_VERSION,
    AwsOutputs,
    ContractError,
    LabOutputs,
    build_inventory,
    parse_outputs,
)
from aidc.program import build
from aidc.spec import load_file
from tests.unit.aws_mocks import run_program

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
RECORDED = {"lab": ("Pulumi.lab.yaml", "lab"), "aws": ("Pulumi.aws-p5.yaml", "aws-p5")}


def program_outputs(target: str) -> dict[str, Any]:
    config, stack = RECORDED[target]
    cluster, _ = load_file(REPO / "stacks" / config)
    return run_program(lambda: build(cluster), stack=stack).outputs


def recorded(target: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"outputs-{target}.json").read_text())
    return data


@pytest.mark.parametrize("target", sorted(RECORDED))
def test_program_exports_the_recorded_outputs(target: str) -> None:
    exported = program_outputs(target)
    exported.pop("ssh_private_key", None)  # a secret, exported beside the contract
    assert exported == recorded(target)


@pytest.mark.parametrize(("target", "model"), [("lab", LabOutputs), ("aws", AwsOutputs)])
def test_recorded_outputs_parse_and_round_trip(target: str, model: type[Any]) -> None:
    raw = recorded(target)
    parsed = parse_outputs(raw)
    assert isinstance(parsed, model)
    assert parsed.contract_version == CONTRACT_VERSION
    assert parsed.export_values() == raw


def test_lab_secret_is_exported_but_not_read() -> None:
    exported = program_outputs("lab")
    assert "ssh_private_key" in exported
    parsed = parse_outputs(exported)
    assert "ssh_private_key" not in parsed.export_values()
    assert "PRIVATE KEY" not in json.dumps(build_inventory(parsed).__dict__)


def test_outputs_of_an_older_release_name_the_contract() -> None:
    old = json.loads((DATA / "outputs-lab-before-contract.json").read_text())
    with pytest.raises(ContractError, match=r"no contract_version.*before output contract 1"):
        parse_outputs(old)


def test_another_contract_version_is_named() -> None:
    raw = recorded("lab") | {"contract_version": 7}
    with pytest.raises(ContractError, match=r"written with output contract 7.*reads contract 1"):
        parse_outputs(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "the stack has no outputs; run `pulumi up`"),
        ([1], "not a mapping"),
        ({"contract_version": 1, "target": "gcp"}, "target: 'gcp' is not a target"),
    ],
)
def test_not_outputs_at_all(raw: Any, message: str) -> None:
    with pytest.raises(ContractError, match=message.replace("`", ".")):
        parse_outputs(raw)


@pytest.mark.parametrize("target", sorted(RECORDED))
def test_each_broken_field_is_named(target: str) -> None:
    raw = copy.deepcopy(recorded(target))
    del raw["cluster_vars"]["aidc_cluster_name"]
    raw["nodes"][1]["gpus"] = "eight"
    raw["networks"][0]["surprise"] = True
    with pytest.raises(ContractError) as caught:
        parse_outputs(raw)
    text = str(caught.value)
    assert "cluster_vars.aidc_cluster_name: Field required" in text
    assert "nodes.1.gpus" in text
    assert "networks.0.surprise: Extra inputs are not permitted" in text


def test_nodes_are_required() -> None:
    raw = recorded("aws") | {"nodes": []}
    with pytest.raises(ContractError, match="nodes: Tuple should have at least 1 item"):
        parse_outputs(raw)


def record() -> None:
    for target in RECORDED:
        exported = program_outputs(target)
        exported.pop("ssh_private_key", None)
        path = DATA / f"outputs-{target}.json"
        path.write_text(json.dumps(exported, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    record()
