"""Every validation rule, neutral and per target: start from a valid example, change one field,
assert the exact message."""

from __future__ import annotations

import subprocess
import sys
import typing
from typing import Any

import pytest

from aidc import catalog
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
    counts, message = problems(lab_spec)
    assert counts == (
        "pools[1].gpus_per_node: counts GPUs, but the pool names no GPU; name its SKU in gpu "
        "or remove it"
    )
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


# Plausibility: values that are well formed but cannot be right.


@pytest.mark.parametrize("sku", sorted(catalog.gpus()))
def test_gpus_per_node_must_be_a_node_form_of_the_sku(lab_spec: dict[str, Any], sku: str) -> None:
    gpu = catalog.gpu(sku)
    lab_spec["pools"][1]["gpu"] = sku
    for count in gpu.node_gpus:
        lab_spec["pools"][1]["gpus_per_node"] = count
        load_spec(lab_spec)
    odd = next(n for n in range(1, 17) if n not in gpu.node_gpus)
    lab_spec["pools"][1]["gpus_per_node"] = odd
    (message,) = problems(lab_spec)
    assert message.startswith(
        f"pools[1].gpus_per_node: {odd} is not a node form of {sku} ({gpu.name}); allowed: "
    )
    assert gpu.node_forms in message


def test_an_h200_pool_of_three_gpus_per_node_is_refused(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][1]["gpus_per_node"] = 3
    assert problems(lab_spec) == [
        "pools[1].gpus_per_node: 3 is not a node form of h200-sxm (NVIDIA H200); allowed: 4 or 8 "
        "(HGX H200 baseboards of 4 or 8 GPUs)"
    ]


def test_gpus_per_node_without_a_gpu_is_refused(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][0]["gpus_per_node"] = 2
    assert problems(lab_spec) == [
        "pools[0].gpus_per_node: counts GPUs, but the pool names no GPU; name its SKU in gpu or "
        "remove it"
    ]


def test_aws_gpus_per_node_is_judged_against_the_instance_type(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"][1]["gpus_per_node"] = 3
    assert problems(aws_spec) == [
        "pools[1].gpus_per_node: 3 does not match p5.48xlarge (8); drop it"
    ]


@pytest.mark.parametrize(
    "cidrs",
    [
        ["0.0.0.0/1", "128.0.0.0/1"],
        [f"{i}.0.0.0/8" for i in range(256)],
        ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
    ],
)
def test_admin_networks_that_together_cover_the_internet(
    aws_spec: dict[str, Any], cidrs: list[str]
) -> None:
    aws_spec["firewall"]["admin_cidrs"] = cidrs
    assert problems(aws_spec) == [
        "firewall.admin_cidrs: together they open SSH to the whole internet; name your admin "
        "networks, or set firewall.allow_world_admin: true to accept the risk"
    ]
    aws_spec["firewall"]["allow_broad_admin"] = True
    assert problems(aws_spec) == [
        "firewall.admin_cidrs: together they open SSH to the whole internet (allow_broad_admin "
        "stops short of it); name your admin networks, or set firewall.allow_world_admin: true "
        "to accept the risk"
    ]
    aws_spec["firewall"]["allow_world_admin"] = True
    _, warnings = load_spec(aws_spec)
    assert [str(w) for w in warnings] == [
        "warning: firewall.admin_cidrs: together they open SSH to the whole internet; allowed "
        "by allow_world_admin"
    ]


def test_admin_networks_up_to_a_slash_8_of_public_addresses_pass(aws_spec: dict[str, Any]) -> None:
    # 11.0.0.0/8 is public: exactly the threshold. Private and documentation ranges count nil.
    aws_spec["firewall"]["admin_cidrs"] = [
        "11.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "198.51.100.0/24",
    ]
    assert load_spec(aws_spec)[1] == []
    aws_spec["firewall"]["admin_cidrs"].append("12.0.0.0/24")
    assert problems(aws_spec) == [
        "firewall.admin_cidrs: together they open SSH to 16,777,472 public IPv4 addresses (0.4% "
        "of IPv4), more than the 16,777,216 of a /8; name your admin networks, or set "
        "firewall.allow_broad_admin: true to accept the risk"
    ]


def test_one_broad_admin_network_is_named_by_its_index(aws_spec: dict[str, Any]) -> None:
    aws_spec["firewall"]["admin_cidrs"] = ["203.0.113.0/24", "64.0.0.0/2"]
    assert problems(aws_spec) == [
        "firewall.admin_cidrs[1]: 64.0.0.0/2 opens SSH to 1,052,770,304 public IPv4 addresses "
        "(24.5% of IPv4), more than the 16,777,216 of a /8; name your admin networks, or set "
        "firewall.allow_broad_admin: true to accept the risk"
    ]
    aws_spec["firewall"]["allow_broad_admin"] = True
    _, warnings = load_spec(aws_spec)
    assert [str(w) for w in warnings] == [
        "warning: firewall.admin_cidrs[1]: 64.0.0.0/2 opens SSH to 1,052,770,304 public IPv4 "
        "addresses (24.5% of IPv4), more than the 16,777,216 of a /8; allowed by "
        "allow_broad_admin"
    ]


def test_overlapping_admin_networks_count_once(aws_spec: dict[str, Any]) -> None:
    aws_spec["firewall"]["admin_cidrs"] = ["11.0.0.0/8"] * 3 + ["11.1.0.0/16"]
    load_spec(aws_spec)


@pytest.mark.parametrize(
    "image",
    [
        "ami-12345678",
        "ami-0123456789abcdef0",
        "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
        "/custom/gpu-image/ami-id",
        "arn:aws:ssm:us-east-1:123456789012:parameter/images/gpu",
    ],
)
def test_aws_images_the_resolver_accepts(aws_spec: dict[str, Any], image: str) -> None:
    aws_spec["pools"][1]["image"] = image
    load_spec(aws_spec)


@pytest.mark.parametrize(
    ("image", "why"),
    [
        ("ubuntu", "'ubuntu' names no image"),
        ("ami-xyz", "'ami-xyz' is not an AMI id"),
        ("ami-1234", "'ami-1234' is not an AMI id"),
        (
            "resolve:ssm:/a/b",
            "'resolve:ssm:/a/b' is EC2's launch template syntax; write the parameter alone",
        ),
        ("/a//b", "'/a//b' is not an SSM parameter path or ARN"),
        ("arn:aws:s3:::bucket", "'arn:aws:s3:::bucket' is not an SSM parameter path or ARN"),
    ],
)
def test_aws_images_that_name_no_image(aws_spec: dict[str, Any], image: str, why: str) -> None:
    aws_spec["pools"][1]["image"] = image
    (message,) = problems(aws_spec)
    assert message == (
        f"pools[1].image: {why}; use an AMI id (ami- and 8 to 17 hex digits), an SSM parameter "
        "path such as /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/"
        "ebs-gp3/ami-id, or the ARN of an SSM parameter"
    )


def test_an_image_with_blanks_is_refused_on_every_target(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][0]["image"] = "debian 12"
    assert problems(lab_spec)[0] == (
        "pools[0].image: 'debian 12' is not valid; use a reference without spaces"
    )


def test_a_lab_image_naming_a_suite_points_at_lab_suite(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][0]["image"] = "trixie"
    assert problems(lab_spec) == [
        "pools[0].image: applies only to target aws; remove it (set lab.suite: trixie instead, "
        "the lab's one image)"
    ]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ("networks", 0, "subnets", 0, "zone"),
            "us-east-1",
            "'us-east-1' is not valid; use an availability zone: a region and a letter, as "
            "us-east-1a",
        ),
        (
            ("storage", "buckets", 0, "kms_key_id"),
            "my key",
            "'my key' is not a KMS key; use a key id (a UUID or mrk-...), alias/<name>, or the "
            "ARN of a key or alias",
        ),
        (
            ("pools", 1, "instance_type"),
            "P5 48XL",
            "'P5 48XL' is not valid; use an instance type such as p5.48xlarge",
        ),
        (
            ("pools", 1, "capacity_reservation_id"),
            "cr-12",
            "'cr-12' is not valid; use a capacity reservation id (cr-...) or capacity block id "
            "(cb-...) with 8 to 17 hex digits",
        ),
        (
            ("firewall", "flows", 0, "description"),
            'ssh "from" login',
            "'ssh \"from\" login' is not valid; use letters, digits, spaces and "
            "._-:/()#,@[]+=&;{}!$* (what AWS security group rules accept)",
        ),
        (
            ("firewall", "flows", 0, "description"),
            "x" * 129,
            f"'{'x' * 56}... is too long; at most 128 characters",
        ),
        (("pools", 1, "count"), True, "True is not a whole number; write an integer"),
        (("pools", 1, "count"), "4", "'4' is not a whole number; write an integer"),
        (("pools", 1, "efa"), "yes", "'yes' is not a boolean; write true or false"),
        (
            ("networks", 0, "cidr"),
            167772160,
            "167772160 is not an IPv4 network; write it like 10.0.0.0/16, host bits zero",
        ),
    ],
)
def test_text_fields_have_a_form(
    aws_spec: dict[str, Any], path: tuple[Any, ...], value: Any, message: str
) -> None:
    node: Any = aws_spec
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    assert f"{dotted}: {message}" in problems(aws_spec)


@pytest.mark.parametrize(
    "key",
    [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "alias/training-data",
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:123456789012:alias/training-data",
    ],
)
def test_kms_key_forms(aws_spec: dict[str, Any], key: str) -> None:
    aws_spec["storage"]["buckets"][0].update(encryption="kms", kms_key_id=key)
    load_spec(aws_spec)


def test_site_is_printable_text(lab_spec: dict[str, Any]) -> None:
    for site in ("rack 7, hall B", "São Paulo (dc-2)"):
        lab_spec["site"] = site
        load_spec(lab_spec)
    lab_spec["site"] = "a\nb"
    assert problems(lab_spec) == [
        "site: 'a\\nb' is not valid; use printable text without control characters, not "
        "starting or ending with a space"
    ]


def test_tag_keys_aws_reserves_are_refused(lab_spec: dict[str, Any]) -> None:
    lab_spec["tags"]["AWS:team"] = "x"
    assert problems(lab_spec) == [
        "tags.AWS:team: 'AWS:team' starts with 'aws:', a prefix AWS reserves for its own tags; "
        "choose another key"
    ]


def test_a_key_that_is_not_text_is_named_at_its_mapping(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][0][7] = "x"
    assert problems(lab_spec) == ["pools[0]: key 7 is not text; write field names and keys as text"]


def test_an_empty_spec() -> None:
    assert problems(None) == [  # type: ignore[arg-type]
        "spec: is empty; write the cluster spec as a YAML mapping"
    ]


# Every problem at once: the rules judge what parsed even when some fields fail.


def test_rules_run_beside_field_problems(aws_spec: dict[str, Any]) -> None:
    aws_spec["pools"][0]["count"] = "many"
    aws_spec["networks"].append({"name": "twin", "cidr": "10.0.0.0/16"})
    aws_spec["pools"][2]["instance_type"] = "p9.huge"
    aws_spec["storage"]["ceph"]["pools"][0]["min_size"] = 3
    found = problems(aws_spec)
    assert found[0] == "pools[0].count: 'many' is not a whole number; write an integer"
    assert set(found[1:]) >= {
        "networks[1].cidr: 10.0.0.0/16 overlaps networks[0].cidr 10.0.0.0/16; networks must "
        "not overlap",
        "storage.ceph.pools[0].min_size: 3 must be below size 3; at most 2",
    }
    assert any(p.startswith("pools[2].instance_type: 'p9.huge' is not a known") for p in found)
    assert len(found) == len(set(found))


def test_a_rule_that_needs_a_failed_field_stays_silent(lab_spec: dict[str, Any]) -> None:
    """With pools[0]'s roles unparsed, which roles exist is unknown: no flow is judged by
    them, and nothing is said twice."""
    lab_spec["pools"][0]["roles"] = ["login", "boss"]
    lab_spec["firewall"]["flows"][0]["destination"] = "cpu"
    assert problems(lab_spec) == [
        "pools[0].roles[1]: 'boss' is not allowed; allowed: 'gpu', 'cpu', 'storage', 'login' "
        "or 'monitor'"
    ]


def test_items_after_a_broken_one_are_still_judged(lab_spec: dict[str, Any]) -> None:
    lab_spec["pools"][0]["count"] = None
    lab_spec["pools"][2]["roles"] = ["storage", "storage"]
    assert problems(lab_spec) == [
        "pools[0].count: None is not a whole number; write an integer",
        "pools[2].roles: 'storage' is listed twice; list each role once",
    ]
