"""Inventory from recorded stack outputs of both targets, through the real Ansible plugin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aidc.inventory import InventoryError, build_inventory, parse_outputs
from aidc.spec import load_spec
from tests.ansible_cli import inventory_list, inventory_run
from tests.unit.aws_mocks import run_cluster

DATA = Path(__file__).parent / "data"


def recorded(target: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"outputs-{target}.json").read_text())
    return data


def ansible_inventory(tmp_path: Path, outputs: dict[str, Any]) -> dict[str, Any]:
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    config = tmp_path / "test.pulumi.yml"
    config.write_text(
        "plugin: aidc.cluster.pulumi_stack\nstack: recorded\n"
        f"outputs_file: {tmp_path / 'outputs.json'}\n"
    )
    return inventory_list(config)


@pytest.mark.parametrize("target", ["lab", "aws"])
def test_groups_per_role_and_pool(target: str) -> None:
    outputs = recorded(target)
    inv = build_inventory(outputs)
    names = [n["name"] for n in outputs["nodes"]]
    assert sorted(inv.groups["aidc"]) == sorted(names)
    for node in outputs["nodes"]:
        assert node["name"] in inv.groups[f"pool_{node['pool']}"]
        for role in node["roles"]:
            assert node["name"] in inv.groups[role]


def test_lab_host_vars_pin_host_keys() -> None:
    outputs = recorded("lab")
    inv = build_inventory(outputs)
    gpu = inv.hostvars["lab-gpu-1"]
    assert gpu["ansible_host"] == "10.231.0.26"
    assert gpu["ansible_user"] == "root"
    assert gpu["aidc_roles"] == ["gpu"] and gpu["aidc_pool"] == "gpu"
    assert (gpu["aidc_gpu_sku"], gpu["aidc_gpu_count"]) == ("h200-sxm", 8)
    assert inv.hostvars["lab-login-1"]["aidc_gpu_count"] == 0
    assert gpu["ansible_ssh_private_key_file"].endswith("/ssh/id_ed25519")
    assert "StrictHostKeyChecking=yes" in gpu["ansible_ssh_common_args"]
    assert outputs["known_hosts_path"] in gpu["ansible_ssh_common_args"]
    assert inv.groupvars["aidc_ceph_mon_hosts"] == ["10.231.0.42", "10.231.0.43", "10.231.0.44"]
    assert inv.groupvars["aidc_rgw_endpoint"] == "http://10.231.0.42:7480"
    assert inv.groupvars["aidc_apt_proxy"] == "http://10.231.0.1:8888/"


def test_no_secret_reaches_the_inventory() -> None:
    outputs = recorded("lab")
    assert "ssh_private_key" not in outputs
    outputs["ssh_private_key"] = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret"
    text = json.dumps(build_inventory(outputs).__dict__)
    assert "PRIVATE KEY" not in text


def test_aws_jump_host() -> None:
    outputs = recorded("aws")
    inv = build_inventory(outputs)
    login = next(n for n in outputs["nodes"] if n["name"] == "p5-login-1")
    jump = f"-o ProxyJump=ubuntu@{login['public_ip']}"
    assert inv.hostvars["p5-gpu-1"]["ansible_ssh_common_args"] == jump
    assert inv.hostvars["p5-login-1"]["ansible_host"] == login["public_ip"]
    assert "ansible_ssh_common_args" not in inv.hostvars["p5-login-1"]
    assert inv.groups["monitor"] == ["p5-login-1"]


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({}, "the stack has no outputs; run `pulumi up` for it first"),
        ({"target": "lab"}, "the stack outputs carry no contract_version"),
        (
            {"contract_version": 1, "target": "lab"},
            "the stack outputs do not fit output contract 1 \\(target lab\\):\n"
            "nodes: Field required",
        ),
    ],
)
def test_clear_errors(outputs: dict[str, Any], message: str) -> None:
    with pytest.raises(InventoryError, match=message.replace("`", ".")):
        build_inventory(outputs)


@pytest.mark.parametrize("target", ["lab", "aws"])
def test_plugin_through_ansible(tmp_path: Path, target: str) -> None:
    outputs = recorded(target)
    data = ansible_inventory(tmp_path, outputs)
    hostvars = data["_meta"]["hostvars"]
    assert set(hostvars) == {n["name"] for n in outputs["nodes"]}
    assert set(data["aidc"]["children"]) >= {"gpu", "storage", "login", "monitor"}
    first = parse_outputs(outputs).nodes[0]
    assert hostvars[first.name]["ansible_host"] == first.connect_address
    cluster_name = hostvars[first.name]["aidc_cluster_name"]
    assert cluster_name == outputs["cluster_vars"]["aidc_cluster_name"]


def test_plugin_reports_missing_outputs(tmp_path: Path) -> None:
    (tmp_path / "outputs.json").write_text("{}")
    config = tmp_path / "empty.pulumi.yml"
    config.write_text(
        f"plugin: aidc.cluster.pulumi_stack\nstack: x\noutputs_file: {tmp_path}/outputs.json\n"
    )
    result = inventory_run(config, "--list", check=False)
    assert "the stack has no outputs" in result.stderr


def test_inventory_from_the_aws_program_under_mocks(aws_spec: dict[str, Any]) -> None:
    cluster, _ = load_spec(aws_spec)
    outputs = run_cluster(cluster).outputs
    inv = build_inventory(outputs)
    assert sorted(inv.groups["gpu"]) == [f"p5-gpu-{i}" for i in range(1, 5)]
    assert inv.groups["monitor"] == ["p5-login-1"]
    login = next(n for n in outputs["nodes"] if n["name"] == "p5-login-1")
    assert inv.hostvars["p5-login-1"]["ansible_host"] == login["public_ip"]
    gpu = inv.hostvars["p5-gpu-1"]
    assert "ProxyJump=" in gpu["ansible_ssh_common_args"]
    assert (gpu["aidc_gpu_sku"], gpu["aidc_gpu_count"]) == ("h100-sxm", 8)
    assert inv.groupvars["aidc_target"] == "aws"
