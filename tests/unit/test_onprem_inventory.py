"""inventory/onprem.example.yml yields the aidc inventory contract (read by ansible-inventory)."""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any

import pytest

from tests.ansible_cli import inventory_list, inventory_run, members
from tests.conftest import REPO

INVENTORY = REPO / "inventory" / "onprem.example.yml"
ROLE_GROUPS = ("gpu", "cpu", "storage", "login", "monitor")
HOSTNAME = re.compile(r"^(?P<cluster>[a-z0-9]+)-(?P<pool>[a-z0-9]+)-(?P<n>[1-9][0-9]*)$")


@pytest.fixture(scope="module")
def inventory() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    return inventory_list(INVENTORY, env=env)


@pytest.fixture(scope="module")
def graph() -> str:
    return inventory_run(INVENTORY, "--graph").stdout


def _hostvars(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    hostvars: dict[str, dict[str, Any]] = data["_meta"]["hostvars"]
    return hostvars


def test_every_host_is_in_aidc(inventory: dict[str, Any]) -> None:
    hosts = set(_hostvars(inventory))
    assert len(hosts) == 6
    assert members(inventory, "aidc") == hosts == members(inventory, "all")


def test_host_names_follow_cluster_pool_n(inventory: dict[str, Any]) -> None:
    for name, hostvars in _hostvars(inventory).items():
        match = HOSTNAME.match(name)
        assert match, name
        assert match["cluster"] == hostvars["aidc_cluster_name"]
        assert match["pool"] == hostvars["aidc_pool"]


def test_role_groups(inventory: dict[str, Any], graph: str) -> None:
    assert members(inventory, "gpu") == {"dc1-gpu-1", "dc1-gpu-2"}
    assert members(inventory, "storage") == {"dc1-storage-1", "dc1-storage-2", "dc1-storage-3"}
    assert members(inventory, "login") == {"dc1-login-1"}
    assert members(inventory, "monitor") == {"dc1-login-1"}
    assert members(inventory, "cpu") == set()
    # Every role group exists under aidc, even an empty one (--list leaves empty ones out).
    for group in ROLE_GROUPS:
        assert f"@{group}:" in graph, group


def test_role_groups_match_aidc_roles(inventory: dict[str, Any]) -> None:
    for name, hostvars in _hostvars(inventory).items():
        in_groups = {g for g in ROLE_GROUPS if name in members(inventory, g)}
        assert in_groups == set(hostvars["aidc_roles"]), name


def test_pool_groups_match_aidc_pool(inventory: dict[str, Any]) -> None:
    pools = {g for g in inventory if g.startswith("pool_")}
    assert pools == {"pool_gpu", "pool_storage", "pool_login"}
    assert pools <= set(inventory["aidc"]["children"])
    for name, hostvars in _hostvars(inventory).items():
        assert name in members(inventory, f"pool_{hostvars['aidc_pool']}")
        assert [p for p in pools if name in members(inventory, p)] == [
            f"pool_{hostvars['aidc_pool']}"
        ]


def test_host_vars(inventory: dict[str, Any]) -> None:
    for name, hostvars in _hostvars(inventory).items():
        assert isinstance(hostvars["ansible_host"], str), name
        ipaddress.ip_address(hostvars["ansible_host"])
        assert hostvars["ansible_user"]
        assert hostvars["ansible_ssh_private_key_file"]
        assert isinstance(hostvars["aidc_roles"], list) and hostvars["aidc_roles"], name
        addresses = hostvars["aidc_addresses"]
        assert isinstance(addresses, dict) and addresses, name
        assert hostvars["ansible_host"] in addresses.values(), name


def test_group_vars(inventory: dict[str, Any]) -> None:
    all_addresses = {h["ansible_host"] for h in _hostvars(inventory).values()}
    storage = {_hostvars(inventory)[h]["ansible_host"] for h in members(inventory, "storage")}
    for hostvars in _hostvars(inventory).values():
        assert hostvars["aidc_cluster_name"] == "dc1"
        assert hostvars["aidc_target"] == "onprem"
        assert hostvars["aidc_apt_proxy"] == ""
        assert hostvars["aidc_rgw_endpoint"] == ""
        assert set(hostvars["aidc_monitoring_targets"]) == all_addresses
        assert set(hostvars["aidc_ceph_mon_hosts"]) == storage
        for cidr in hostvars["aidc_admin_sources"]:
            ipaddress.ip_network(cidr)
        flows = hostvars["aidc_firewall_flows"]
        assert flows
        for flow in flows:
            assert set(flow) == {"description", "sources", "destinations", "protocol", "ports"}
            assert set(flow["sources"]) <= all_addresses
            assert set(flow["destinations"]) <= all_addresses
            assert flow["protocol"] in {"tcp", "udp", "icmp", "all"}
            if flow["ports"] is None:
                assert flow["protocol"] in {"all", "icmp"}
            else:
                low, high = flow["ports"]
                assert 1 <= low <= high <= 65535
