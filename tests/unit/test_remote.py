"""SSH to a node is built from its inventory host variables: pinned host keys, key, jump host."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aidc.inventory.contract import parse_outputs
from aidc.remote import destination, hostvars_for, ssh_argv

DATA = Path(__file__).parent / "data"


def outputs(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((DATA / name).read_text())
    return raw


def test_lab_nodes_are_reached_with_the_stacks_known_hosts_and_key() -> None:
    raw = outputs("outputs-lab.json")
    lab = parse_outputs(raw)
    node = lab.nodes[0]
    argv = ssh_argv(hostvars_for(raw, node.name), "hostname")
    assert argv[0] == "ssh" and argv[-2:] == [f"{node.ssh_user}@{node.ansible_host}", "hostname"]
    assert f"UserKnownHostsFile={raw['known_hosts_path']}" in argv
    assert "StrictHostKeyChecking=yes" in argv
    assert "StrictHostKeyChecking=no" not in " ".join(argv)
    assert argv[argv.index("-i") + 1] == node.ssh_private_key_file
    assert "BatchMode=yes" in argv


def test_typed_and_raw_outputs_give_the_same_command() -> None:
    raw = outputs("outputs-lab.json")
    name = raw["nodes"][1]["name"]
    assert ssh_argv(hostvars_for(raw, name), "true") == ssh_argv(
        hostvars_for(parse_outputs(raw), name), "true"
    )


def test_a_node_behind_a_jump_host_goes_through_it() -> None:
    raw = outputs("outputs-aws.json")
    behind = next(n for n in parse_outputs(raw).nodes if n.jump_host)
    argv = ssh_argv(hostvars_for(raw, behind.name), "true")
    assert f"ProxyJump={behind.jump_host}" in argv
    assert destination(hostvars_for(raw, behind.name)).endswith(f"@{behind.ansible_host}")


def test_options_given_first_override_the_defaults() -> None:
    raw = outputs("outputs-lab.json")
    argv = ssh_argv(hostvars_for(raw, raw["nodes"][0]["name"]), "true", "-o", "BatchMode=no")
    # ssh keeps the first value of an option.
    assert argv.index("BatchMode=no") < argv.index("BatchMode=yes")
