"""Every validation rule, neutral and per target: start from a valid example, change one field,
assert the exact message."""

from __future__ import annotations

import subprocess
import sys
import typing
from typing import Any

import pytest

from aidc.spec import SpecError, load_spec
from aidc.spec.rules import RULES, TARGET_RULES, rules_for, target_rules
from aidc.spec.types import Target
from tests.conftest import STACKS

STACK_OF: dict[Target, str] = {"lab": "lab", "aws": "aws-p5"}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(data)
    return [str(p) for p in info.value.problems]


def test_examples_are_valid(lab_spec: dict[str, Any], aws_spec: dict[str, Any]) -> None:
    lab, lab_warnings = load_spec(lab_spec)
    aws, aws_warnings = load_spec(aws_spec)
    assert (lab.node_count, aws.node_count) == (6, 8)
    assert lab_warnings == aws_warnings == []


def test_safe_defaults(lab_spec: dict[str, Any]) -> None:
    lab, _ = load_spec(lab_spec)
    assert lab.firewall.admin_cidrs == ()
    assert lab.firewall.allow_world_admin is False
    assert all(b.encryption == "sse-s3" for b in lab.storage.buckets)
    assert lab.storage.buckets[1].versioned and not lab.storage.buckets[0].versioned
    assert lab.hardening.profile == "baseline"


def test_models_are_immutable(lab_spec: dict[str, Any]) -> None:
    lab, _ = load_spec(lab_spec)
    with pytest.raises(ValueError, match="frozen"):
        lab.pools[0].count = 9  # type: ignore[misc]


def test_overlapping_networks(aws_spec: dict[str, Any]) -> None:
    aws_spec["networks"].append({"name": "other", "cidr": "10.0.128.0/17"})
    assert problems(aws_spec) == [
        "networks[1].cidr: 10.0.128.0/17 overlaps networks[0].cidr 10.0.0.0/16; "
        "networks must not overlap"
    ]


def test_invalid_cidr(lab_spec: dict[str, Any]) -> None:
    lab_spec["networks"][0]["cidr"] = "10.231.0.1/24"
    assert problems(lab_spec) == [
        "networks[0].cidr: '10.231.0.1/24' is not an IPv4 network; "
        "write it like 10.0.0.0/16, host bits zero"
    ]


def test_subnet_outside_network(aws_spec: dict[str, Any]) -> None:
    aws_spec["networks"][0]["subnets"][0]["cidr"] = "10.1.0.0/20"
    assert problems(aws_spec) == [
        "networks[0].subnets[0].cidr: 10.1.0.0/20 is outside its network 10.0.0.0/16; "
        "use a part of it"
    ]


def test_overlapping_subnets(aws_spec: dict[str, Any]) -> None:
    aws_spec["networks"][0]["subnets"][1]["cidr"] = "10.0.8.0/24"
    assert problems(aws_spec) == [
        "networks[0].subnets[1].cidr: 10.0.8.0/24 overlaps networks[0].subnets[0].cidr "
        "10.0.0.0/20; subnets must not overlap"
    ]


def test_duplicate_pool_names(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][1]["name"] = "login"
    assert problems(lab_spec) == [
        "pools: name 'login' is used more than once; names must be unique"
    ]


def test_duplicate_bucket_names(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["buckets"][1]["name"] = "lab-datasets"
    assert problems(lab_spec) == [
        "storage.buckets: name 'lab-datasets' is used more than once; names must be unique"
    ]


def test_name_not_rfc1123(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][1]["name"] = "GPU_nodes"
    assert problems(lab_spec) == [
        "pools[1].name: 'GPU_nodes' is not valid; use lowercase letters, digits and '-' "
        "(an RFC 1123 label), not starting or ending with '-'"
    ]


def test_hostname_too_long(lab_spec: dict[str, Any]) -> None:
    lab_spec["name"] = "a" * 40
    lab_spec["pools"][2]["name"] = "s" * 22
    lab_spec["storage"]["ceph"]["osd_pool"] = "s" * 22
    assert problems(lab_spec) == [
        f"pools[2].name: hostname '{'a' * 40}-{'s' * 22}-3' is 65 characters; cluster name, "
        "pool name and index together must fit in 63 (RFC 1123)"
    ]


def test_unknown_gpu(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][1]["gpu"] = "h300"
    (message,) = problems(lab_spec)
    assert message.startswith("pools[1].gpu: 'h300' is not a known GPU SKU; allowed: a100-40gb, ")
    assert "h200-sxm" in message


def test_lab_gpu_pool_without_gpu(lab_spec: dict[str, Any]) -> None:
    del lab_spec["pools"][1]["gpu"]
    (message,) = problems(lab_spec)
    assert message.startswith(
        "pools[1].gpu: a pool with role gpu needs a GPU SKU; allowed: a100-40gb, "
    )


def test_aws_gpu_pool_takes_its_gpu_from_the_instance_type(aws_spec: dict[str, Any]) -> None:
    cluster, _ = load_spec(aws_spec)
    assert cluster.pools[1].gpu is None and cluster.pools[1].instance_type == "p5.48xlarge"


def test_aws_unknown_instance_type(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"][1]["instance_type"] = "p9.huge"
    (message,) = problems(aws_spec)
    assert message.startswith("pools[1].instance_type: 'p9.huge' is not a known instance type; ")


def test_aws_instance_type_required(aws_spec: dict[str, Any]) -> None:
    del aws_spec["pools"][0]["instance_type"]
    assert problems(aws_spec) == [
        "pools[0].instance_type: is required on target aws; name an instance type"
    ]


def test_aws_sku_mismatch(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"][1]["gpu"] = "h200-sxm"
    assert problems(aws_spec) == [
        "pools[1].gpu: 'h200-sxm' does not match instance type p5.48xlarge, which carries "
        "h100-sxm; drop gpu or make them agree"
    ]


def test_aws_gpu_role_on_cpu_type(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"][1]["instance_type"] = "m7i.2xlarge"
    aws_spec["pools"][1]["efa"] = False
    assert problems(aws_spec) == [
        "pools[1].instance_type: m7i.2xlarge has no GPU but the pool has role gpu; "
        "choose a GPU instance type"
    ]


def test_efa_on_incapable_type(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"][1]["instance_type"] = "g6.xlarge"
    (message,) = problems(aws_spec)
    assert message.startswith(
        "pools[1].efa: g6.xlarge does not support EFA; EFA-capable types: g5.12xlarge, "
    )


def test_zone_not_in_region(aws_spec: dict[str, Any]) -> None:
    aws_spec["networks"][0]["subnets"][0]["zone"] = "eu-west-1a"
    assert problems(aws_spec) == [
        "networks[0].subnets[0].zone: 'eu-west-1a' is not a zone of region us-east-1; "
        "use us-east-1 followed by a letter"
    ]


def test_region_required_on_aws(aws_spec: dict[str, Any]) -> None:
    del aws_spec["region"]
    assert problems(aws_spec) == [
        "region: is required on target aws; name a region such as us-east-1"
    ]


def test_region_on_lab(lab_spec: dict[str, Any]) -> None:
    lab_spec["region"] = "us-east-1"
    assert problems(lab_spec) == ["region: applies only to target aws; use site on target lab"]


def test_lab_rejects_aws_fields(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][1]["instance_type"] = "p5.48xlarge"
    assert problems(lab_spec) == [
        "pools[1].instance_type: applies only to target aws; remove it (the lab image is lab.suite)"
    ]


def test_lab_rejects_efa_and_autoscaling_each(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][1].update(efa=True, autoscaling=True)
    assert problems(lab_spec) == [
        "pools[1].efa: applies only to target aws; set it false",
        "pools[1].autoscaling: applies only to target aws; set it false",
    ]


def test_lab_node_limit(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][2]["count"] = 10
    assert problems(lab_spec) == [
        "pools: 13 nodes in all exceed lab.max_nodes (12); lower the counts or raise lab.max_nodes"
    ]


def test_lab_pool_holds_at_most_16_nodes(lab_spec: dict[str, Any]) -> None:
    lab_spec["lab"]["max_nodes"] = 64
    lab_spec["pools"][1]["count"] = 16
    load_spec(lab_spec)
    lab_spec["pools"][1]["count"] = 17
    assert problems(lab_spec) == [
        "pools[1].count: 17 is more than the 16 addresses the lab gives each pool; at most 16"
    ]


def test_lab_pool_past_the_end_of_its_network(lab_spec: dict[str, Any]) -> None:
    lab_spec["networks"][0]["cidr"] = "10.231.0.0/27"
    assert problems(lab_spec) == [
        "pools[2].count: 3 does not fit: the lab places this pool's nodes from offset 42 "
        "(16 addresses for each pool listed before it) of network 'cluster' (10.231.0.0/27), "
        "whose last node address is at offset 30; use a network of /26 or larger"
    ]


def test_lab_pool_on_a_28_holds_five_nodes(lab_spec: dict[str, Any]) -> None:
    lab_spec["networks"][0]["cidr"] = "10.231.0.0/28"
    lab_spec["pools"] = [lab_spec["pools"][0] | {"count": 5}]
    lab_spec["firewall"]["flows"] = []
    lab_spec["storage"] = {}
    load_spec(lab_spec)
    lab_spec["pools"][0]["count"] = 6
    assert problems(lab_spec) == [
        "pools[0].count: 6 does not fit: the lab places this pool's nodes from offset 10 of "
        "network 'cluster' (10.231.0.0/28), whose last node address is at offset 14; "
        "at most 5 nodes, or a network of /27 or larger"
    ]


def test_lab_pool_too_large_for_block_and_network(lab_spec: dict[str, Any]) -> None:
    lab_spec["lab"]["max_nodes"] = 64
    lab_spec["networks"][0]["cidr"] = "10.231.0.0/27"
    lab_spec["pools"][1]["count"] = 20
    assert (
        "pools[1].count: 20 does not fit: the lab places this pool's nodes from offset 26 "
        "(16 addresses for each pool listed before it) of network 'cluster' (10.231.0.0/27), "
        "whose last node address is at offset 30; "
        "at most 5 nodes, or a network of /26 or larger with at most 16 nodes"
    ) in problems(lab_spec)


def test_lab_pool_on_a_network_without_node_addresses(lab_spec: dict[str, Any]) -> None:
    lab_spec["networks"].append({"name": "tiny", "cidr": "10.232.0.0/31"})
    lab_spec["pools"][0]["network"] = "tiny"
    assert problems(lab_spec) == [
        "networks[1].cidr: 10.232.0.0/31 leaves no address for the host's bridge; "
        "use /30 or larger",
        "pools[0].count: 1 does not fit: the lab places this pool's nodes from offset 10 of "
        "network 'tiny' (10.232.0.0/31), which has none; use a network of /28 or larger",
    ]


def test_lab_network_needs_an_address_for_the_bridge(lab_spec: dict[str, Any]) -> None:
    lab_spec["networks"].append({"name": "tiny", "cidr": "10.232.0.0/31"})
    assert problems(lab_spec) == [
        "networks[1].cidr: 10.232.0.0/31 leaves no address for the host's bridge; use /30 or larger"
    ]


def test_lab_unknown_suite(lab_spec: dict[str, Any]) -> None:
    lab_spec["lab"]["suite"] = "buster"
    assert problems(lab_spec) == [
        "lab.suite: 'buster' is not allowed; allowed: 'bookworm' or 'trixie'"
    ]


def test_aws_pools_on_two_networks(aws_spec: dict[str, Any]) -> None:
    aws_spec["networks"].append(
        {
            "name": "other",
            "cidr": "10.1.0.0/16",
            "subnets": [{"name": "a", "cidr": "10.1.0.0/20", "zone": "us-east-1a"}],
        }
    )
    aws_spec["pools"][2]["network"] = "other"
    assert problems(aws_spec) == [
        "pools[2].network: is 'other', but pools[0] runs on 'vpc'; the aws target builds one "
        "VPC for the nodes (security groups do not span VPCs): use 'vpc'"
    ]


def test_aws_unset_network_is_the_first(aws_spec: dict[str, Any]) -> None:
    aws_spec["networks"].append(
        {
            "name": "other",
            "cidr": "10.1.0.0/16",
            "subnets": [{"name": "a", "cidr": "10.1.0.0/20", "zone": "us-east-1a"}],
        }
    )
    aws_spec["pools"][0]["network"] = "other"
    assert problems(aws_spec) == [
        f"pools[{i}].network: is unset, so 'vpc' (the first network), but pools[0] runs on "
        "'other'; the aws target builds one VPC for the nodes (security groups do not span "
        "VPCs): use 'other'"
        for i in (1, 2)
    ]


@pytest.mark.parametrize("subnets", [[], None])
def test_aws_network_of_the_pools_needs_subnets(
    aws_spec: dict[str, Any], subnets: list[Any] | None
) -> None:
    if subnets is None:
        del aws_spec["networks"][0]["subnets"]
    else:
        aws_spec["networks"][0]["subnets"] = subnets
    assert problems(aws_spec) == [
        "networks[0].subnets: is empty, but pools run on this network; list at least one "
        "subnet with its zone"
    ]


def test_aws_network_without_pools_may_lack_subnets(aws_spec: dict[str, Any]) -> None:
    aws_spec["networks"].append({"name": "spare", "cidr": "10.1.0.0/16"})
    load_spec(aws_spec)


def test_aws_osd_pool_must_not_autoscale(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"][2]["autoscaling"] = True
    assert problems(aws_spec) == [
        "pools[2].autoscaling: is true, but the pool carries the Ceph OSDs "
        "(storage.ceph.osd_pool) and OSD hosts hold data; set it false"
    ]


def test_aws_other_pools_may_autoscale(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"][1]["autoscaling"] = True
    load_spec(aws_spec)


def test_aws_some_pool_has_fixed_nodes(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"] = aws_spec["pools"][:2]
    aws_spec["firewall"]["flows"] = aws_spec["firewall"]["flows"][:1]
    del aws_spec["storage"]["ceph"]
    for pool in aws_spec["pools"]:
        pool["autoscaling"] = True
    assert problems(aws_spec) == [
        "pools: every pool autoscales, so the stack would list no node to configure; set "
        "autoscaling false on at least one pool"
    ]


@pytest.mark.parametrize(
    ("where", "cidr", "kind"),
    [((), "10.0.0.0/15", "VPC"), (("subnets", 1), "10.0.240.0/29", "subnet")],
)
def test_aws_cidr_sizes(
    aws_spec: dict[str, Any], where: tuple[Any, ...], cidr: str, kind: str
) -> None:
    node = aws_spec["networks"][0]
    for part in where:
        node = node[part]
    node["cidr"] = cidr
    path = "networks[0]" + "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in where)
    assert problems(aws_spec) == [
        f"{path}.cidr: {cidr} is not a size AWS allows for a {kind}; use a prefix from /16 to /28"
    ]


def test_ceph_size_exceeds_hosts(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["ceph"]["pools"][0]["size"] = 4
    assert problems(lab_spec) == [
        "storage.ceph.pools[0].size: 4 copies need 4 OSD hosts, pool 'storage' has 3; at most 3"
    ]


def test_ceph_min_size_not_below_size(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["ceph"]["pools"][0]["min_size"] = 3
    assert problems(lab_spec) == [
        "storage.ceph.pools[0].min_size: 3 must be below size 3; at most 2"
    ]


def test_ceph_size_at_least_two(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["ceph"]["pools"][0].update(size=1, min_size=1)
    assert problems(lab_spec) == [
        "storage.ceph.pools[0].size: 1 keeps one copy; at least 2",
        "storage.ceph.pools[0].min_size: 1 must be below size 1; at most 0",
    ]


def test_ceph_osd_pool_must_exist(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["ceph"]["osd_pool"] = "disks"
    assert problems(lab_spec) == [
        "storage.ceph.osd_pool: 'disks' is not a pool of this spec; allowed: login, gpu, storage"
    ]


def test_ceph_osd_pool_needs_storage_role(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["ceph"]["osd_pool"] = "gpu"
    lab_spec["storage"]["ceph"]["pools"] = []
    assert problems(lab_spec) == [
        "storage.ceph.osd_pool: pool 'gpu' lacks role storage; OSDs go on a storage pool"
    ]


def test_buckets_need_rgw_on_lab(lab_spec: dict[str, Any]) -> None:
    lab_spec["storage"]["ceph"]["rgw"] = False
    assert problems(lab_spec) == [
        "storage.buckets: buckets on target lab are served by Ceph RGW; set storage.ceph.rgw: true"
    ]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Datasets", "is not a valid S3 bucket name"),
        ("ab", "is not a valid S3 bucket name"),
        ("a..b", "is not a valid S3 bucket name"),
        ("192.168.1.10", "looks like an IP address"),
        ("xn--bucket", "uses a prefix or suffix S3 reserves"),
        ("data-s3alias", "uses a prefix or suffix S3 reserves"),
    ],
)
def test_bucket_names(aws_spec: dict[str, Any], name: str, why: str) -> None:
    aws_spec["storage"]["buckets"][0]["name"] = name
    (message,) = problems(aws_spec)
    assert message.startswith(f"storage.buckets[0].name: '{name}' {why}; use 3-63 characters")


def test_kms_needs_key(aws_spec: dict[str, Any]) -> None:
    aws_spec["storage"]["buckets"][0]["encryption"] = "kms"
    assert problems(aws_spec) == [
        "storage.buckets[0].kms_key_id: is required when encryption is kms; name the key"
    ]


def test_world_admin_refused(aws_spec: dict[str, Any]) -> None:
    aws_spec["firewall"]["admin_cidrs"] = ["0.0.0.0/0"]
    assert problems(aws_spec) == [
        "firewall.admin_cidrs[0]: 0.0.0.0/0 opens SSH to the whole internet; name your admin "
        "networks, or set firewall.allow_world_admin: true to accept the risk"
    ]


def test_world_admin_override_warns(aws_spec: dict[str, Any]) -> None:
    aws_spec["firewall"]["admin_cidrs"] = ["0.0.0.0/0"]
    aws_spec["firewall"]["allow_world_admin"] = True
    _, warnings = load_spec(aws_spec)
    assert [str(w) for w in warnings] == [
        "warning: firewall.admin_cidrs[0]: 0.0.0.0/0 opens SSH to the whole internet; "
        "allowed by allow_world_admin"
    ]


def test_monitoring_needs_monitor_pool(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][0]["roles"] = ["login"]
    lab_spec["firewall"]["flows"] = []
    assert problems(lab_spec) == [
        "monitoring.enabled: monitoring needs a pool with role monitor; "
        "add one or set enabled: false"
    ]


def test_flow_unknown_role(lab_spec: dict[str, Any]) -> None:
    lab_spec["firewall"]["flows"][0]["destination"] = "cpu"
    assert problems(lab_spec) == [
        "firewall.flows[0].destination: no pool has role 'cpu'; "
        "roles present: gpu, storage, login, monitor"
    ]


def test_flow_port_out_of_range(lab_spec: dict[str, Any]) -> None:
    lab_spec["firewall"]["flows"][0]["ports"] = 70000
    assert problems(lab_spec) == ["firewall.flows[0].ports: port 70000 is out of range; 1-65535"]


def test_flow_port_range_reversed(lab_spec: dict[str, Any]) -> None:
    lab_spec["firewall"]["flows"][0]["ports"] = "7300-6800"
    assert problems(lab_spec) == [
        "firewall.flows[0].ports: range 7300-6800 is reversed; write the low port first"
    ]


def test_flow_tcp_needs_ports(lab_spec: dict[str, Any]) -> None:
    del lab_spec["firewall"]["flows"][0]["ports"]
    assert problems(lab_spec) == ["firewall.flows[0].ports: is required for tcp; e.g. 22"]


def test_unknown_field(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][0]["size"] = 3
    (message,) = problems(lab_spec)
    assert message.startswith("pools[0].size: is not a known field; allowed: name, roles, count,")


def test_unknown_target(lab_spec: dict[str, Any]) -> None:
    lab_spec["target"] = "gcp"
    assert problems(lab_spec) == ["target: 'gcp' is not allowed; allowed: 'lab' or 'aws'"]


def test_count_limits(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][0]["count"] = 0
    assert problems(lab_spec) == ["pools[0].count: 0 is too small; at least 1"]


def test_missing_field(lab_spec: dict[str, Any]) -> None:
    del lab_spec["name"]
    assert problems(lab_spec) == ["name: is required; add this field"]


def test_every_problem_reported(lab_spec: dict[str, Any]) -> None:
    lab_spec["target"] = "gcp"
    lab_spec["pools"][0]["count"] = "many"
    assert problems(lab_spec) == [
        "target: 'gcp' is not allowed; allowed: 'lab' or 'aws'",
        "pools[0].count: 'many' is not a whole number; write an integer",
    ]


def test_not_a_mapping() -> None:
    assert problems([1, 2]) == ["spec: is a list; write a YAML mapping"]  # type: ignore[arg-type]


def test_every_target_has_its_rules() -> None:
    assert set(TARGET_RULES) == set(typing.get_args(Target)) == set(STACK_OF)
    for target in TARGET_RULES:
        own = target_rules(target)
        assert own and rules_for(target) == RULES + own
        assert not set(own) & set(RULES)


def test_validation_imports_no_pulumi() -> None:
    """Validation must stay fast: loading a spec of every target never imports Pulumi."""
    code = (
        "import sys\n"
        "from aidc.spec import load_file\n"
        f"for name in {sorted(STACK_OF.values())!r}:\n"
        f"    load_file(__import__('pathlib').Path({str(STACKS)!r}) / f'Pulumi.{{name}}.yaml')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
