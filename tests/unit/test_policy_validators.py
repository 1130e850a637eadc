"""Each validator called directly (the way pulumi-policy's own tests call policies): a compliant
resource passes; the same resource with exactly one field changed fails with this exact message,
under the expected rule ID."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from aidc.catalog import instance_type
from aidc.policy import compute, iam, lab, network, storage, tags
from aidc.policy.catalog import load
from aidc.policy.registry import REGISTRY, Res, evaluate, load_all, settings

CFG = settings()
TAGS = {"project": "aidc", "environment": "training", "aidc:cluster": "p5"}
GPU_TAGS = {**TAGS, "aidc:roles": "gpu", "aidc:pool": "gpu"}
INGRESS = {
    "securityGroupId": "sg-login",
    "ipProtocol": "tcp",
    "fromPort": 22,
    "toPort": 22,
    "cidrIpv4": "203.0.113.0/24",
    "description": "ssh from admin network",
    "tags": TAGS,
}
EGRESS = {
    "securityGroupId": "sg-gpu",
    "ipProtocol": "-1",
    "cidrIpv4": "10.0.0.0/16",
    "description": "to the cluster's VPC",
    "tags": TAGS,
}
TEMPLATE = {
    "instanceType": "p5.48xlarge",
    "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [{"deviceName": "/dev/sda1", "ebs": {"encrypted": "true"}}],
    "networkInterfaces": [{"interfaceType": "efa", "associatePublicIpAddress": "false"}],
    "userData": "#cloud-config\nhostname: gpu-1\n",
    "tags": GPU_TAGS,
}
INSTANCE = {
    "instanceType": "p5.48xlarge",
    "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
    "rootBlockDevice": {"encrypted": True},
    "associatePublicIpAddress": False,
    "userData": "#cloud-config\nhostname: gpu-1\n",
    "tags": GPU_TAGS,
}
PAB = dict.fromkeys(storage.PAB_FLAGS, True) | {"bucket": "b-id"}
SSE = {
    "bucket": "b-id",
    "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
}
ROLE_POLICY = {
    "role": "r",
    "policy": {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": ["arn:aws:logs:x"]}
        ],
    },
}
LAB_FW = {
    "stack": "lab",
    "bridges": ["aidc-lab0"],
    "rules": [
        {
            "description": "ssh",
            "sources": ["10.0.0.10"],
            "destinations": ["10.0.0.20"],
            "protocol": "tcp",
            "ports": [22, 22],
        },
        {
            "description": "nccl",
            "sources": ["10.0.0.20", "10.0.0.21"],
            "destinations": ["10.0.0.21", "10.0.0.20"],
            "protocol": "all",
            "ports": None,
        },
    ],
}
SUBNET = {"mapPublicIpOnLaunch": False, "tags": {**TAGS, "aidc:tier": "private"}}


def _set(props: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(props)
    *parents, last = path.split(".")
    node: Any = out
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


Validator = Callable[[str, Any, Any], list[str]]
CASES: list[tuple[str, Validator, str, dict[str, Any], str, Any, str]] = [
    (
        "AIDC-NET-001",
        network.ssh_not_open_to_world,
        network.INGRESS,
        INGRESS,
        "cidrIpv4",
        "0.0.0.0/0",
        "ingress tcp 22 from 0.0.0.0/0 opens SSH (22) to the world",
    ),
    (
        "AIDC-NET-002",
        network.no_world_ingress_all_ports,
        network.INGRESS,
        _set(INGRESS, "ipProtocol", "-1"),
        "cidrIpv4",
        "0.0.0.0/0",
        "ingress all from 0.0.0.0/0 opens every port to the world",
    ),
    (
        "AIDC-NET-003",
        network.no_world_egress_all_ports,
        network.EGRESS,
        EGRESS,
        "cidrIpv4",
        "0.0.0.0/0",
        "egress all to 0.0.0.0/0 allows every port to the world (not in declared_egress_cidrs)",
    ),
    (
        "AIDC-NET-004",
        network.security_group_rule_described,
        network.INGRESS,
        INGRESS,
        "description",
        "",
        "ingress tcp 22 rule has no description",
    ),
    (
        "AIDC-NET-005",
        network.subnet_no_auto_public_ip,
        network.SUBNET,
        SUBNET,
        "mapPublicIpOnLaunch",
        True,
        "map_public_ip_on_launch is true on a subnet not tagged aidc:tier=public",
    ),
    (
        "AIDC-NET-008",
        lab.lab_firewall_default_deny,
        lab.DYNAMIC,
        LAB_FW,
        "rules.0.protocol",
        "all",
        "flow 'ssh' opens every port between different roles",
    ),
    (
        "AIDC-CMP-001",
        compute.imdsv2_required,
        compute.TEMPLATE,
        TEMPLATE,
        "metadataOptions.httpTokens",
        "optional",
        "metadata_options.http_tokens is optional, not required",
    ),
    (
        "AIDC-CMP-001",
        compute.imdsv2_required,
        compute.INSTANCE,
        INSTANCE,
        "metadataOptions.httpTokens",
        "optional",
        "metadata_options.http_tokens is optional, not required",
    ),
    (
        "AIDC-CMP-002",
        compute.imds_hop_limit_1,
        compute.TEMPLATE,
        TEMPLATE,
        "metadataOptions.httpPutResponseHopLimit",
        2,
        "metadata_options.http_put_response_hop_limit is 2, not 1",
    ),
    (
        "AIDC-CMP-003",
        compute.encrypted_volumes,
        compute.TEMPLATE,
        TEMPLATE,
        "blockDeviceMappings.0.ebs.encrypted",
        "false",
        "block device /dev/sda1 is not encrypted",
    ),
    (
        "AIDC-CMP-003",
        compute.encrypted_volumes,
        compute.INSTANCE,
        INSTANCE,
        "rootBlockDevice.encrypted",
        False,
        "root block device is not encrypted",
    ),
    (
        "AIDC-CMP-003",
        compute.encrypted_volumes,
        compute.VOLUME,
        {"encrypted": True, "size": 100},
        "encrypted",
        False,
        "EBS volume is not encrypted",
    ),
    (
        "AIDC-CMP-004",
        compute.no_public_ip_gpu_storage,
        compute.INSTANCE,
        INSTANCE,
        "associatePublicIpAddress",
        True,
        "gpu node gets a public IP address",
    ),
    (
        "AIDC-CMP-004",
        compute.no_public_ip_gpu_storage,
        compute.TEMPLATE,
        TEMPLATE,
        "networkInterfaces.0.associatePublicIpAddress",
        "true",
        "gpu node gets a public IP address",
    ),
    (
        "AIDC-CMP-005",
        compute.no_secrets_in_user_data,
        compute.INSTANCE,
        INSTANCE,
        "userData",
        "#cloud-config\nruncmd: [export AWS_KEY=AKIAABCDEFGHIJKLMNOP]\n",
        "user data contains an AWS access key id",
    ),
    (
        "AIDC-CMP-007",
        compute.allowed_instance_types,
        compute.INSTANCE,
        INSTANCE,
        "instanceType",
        "x1e.32xlarge",
        "instance type x1e.32xlarge is not in allowed_instance_types",
    ),
    (
        "AIDC-STO-001",
        storage.bucket_public_access_block,
        storage.PAB,
        PAB,
        "blockPublicPolicy",
        False,
        "public access block leaves blockPublicPolicy off",
    ),
    (
        "AIDC-STO-002",
        storage.bucket_encryption,
        storage.SSE,
        SSE,
        "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm",
        "none",
        "server-side encryption algorithm ['none'] is not one of"
        " ('AES256', 'aws:kms', 'aws:kms:dsse')",
    ),
    (
        "AIDC-STO-004",
        storage.bucket_acls_disabled,
        storage.OWNERSHIP,
        {"bucket": "b-id", "rule": {"objectOwnership": "BucketOwnerEnforced"}},
        "rule.objectOwnership",
        "ObjectWriter",
        "object ownership is ObjectWriter, not BucketOwnerEnforced (ACLs stay enabled)",
    ),
    (
        "AIDC-STO-004",
        storage.bucket_acls_disabled,
        storage.BUCKET,
        {"bucket": "b", "tags": TAGS},
        "acl",
        "public-read",
        "bucket sets the ACL public-read",
    ),
    (
        "AIDC-IAM-001",
        iam.no_iam_wildcard_actions,
        iam.POLICY_TYPES[0],
        ROLE_POLICY,
        "policy.Statement.0.Action",
        ["s3:*"],
        "Allow statement grants the wildcard action s3:*",
    ),
    (
        "AIDC-IAM-002",
        iam.no_iam_wildcard_resources,
        iam.POLICY_TYPES[0],
        ROLE_POLICY,
        "policy.Statement.0.Resource",
        "*",
        "Allow statement applies to Resource *",
    ),
    (
        "AIDC-TAG-001",
        tags.required_tags,
        "aws:ec2/vpc:Vpc",
        {"cidrBlock": "10.0.0.0/16", "tags": TAGS},
        "tags",
        {"project": "aidc", "aidc:cluster": "p5"},
        "missing required tags environment",
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "fn", "typ", "good", "path", "value", "message"),
    CASES,
    ids=[f"{c[0]}-{c[2].rsplit(':', 1)[-1]}-{c[4]}" for c in CASES],
)
def test_validator(
    rule_id: str, fn: Validator, typ: str, good: dict[str, Any], path: str, value: Any, message: str
) -> None:
    assert fn(typ, good, CFG) == []
    bad = _set(good, path, value)
    assert fn(typ, bad, CFG) == [message]
    # The registry applies it under this ID (all-port rules also open SSH, so use "in").
    before = {(f.rule_id, f.message) for f in evaluate([Res(typ, "r", good)], stack=False)}
    after = {(f.rule_id, f.message) for f in evaluate([Res(typ, "r", bad)], stack=False)}
    assert (rule_id, message) in after - before


def test_every_rule_has_a_validator_and_a_case() -> None:
    registry = load_all()
    covered = {c[0] for c in CASES} | set(STACK_CASES)
    for rule in load().rules:
        assert rule.id in registry.resource or rule.id in registry.stack, rule.id
        assert rule.id in covered, f"{rule.id} has no direct test"


def test_inline_security_group_rules_are_checked() -> None:
    props = {
        "description": "d",
        "ingress": [
            {
                "protocol": "tcp",
                "fromPort": 0,
                "toPort": 65535,
                "cidrBlocks": ["0.0.0.0/0"],
                "description": "x",
            }
        ],
    }
    assert network.no_world_ingress_all_ports(network.SG, props, CFG) == [
        "ingress tcp 0-65535 from 0.0.0.0/0 opens every port to the world"
    ]
    assert network.ssh_not_open_to_world(network.SG, props, CFG) == [
        "ingress tcp 0-65535 from 0.0.0.0/0 opens SSH (22) to the world"
    ]


def test_efa_self_rule_and_declared_egress_are_exempt() -> None:
    self_rule = {**EGRESS, "cidrIpv4": None, "referencedSecurityGroupId": "sg-gpu"}
    assert network.no_world_egress_all_ports(network.EGRESS, self_rule, CFG) == []
    world = {**EGRESS, "cidrIpv4": "0.0.0.0/0"}
    assert (
        network.no_world_egress_all_ports(
            network.EGRESS, world, {**CFG, "declared_egress_cidrs": ["0.0.0.0/0"]}
        )
        == []
    )


def test_an_instance_that_inherits_its_template_is_not_judged_on_metadata() -> None:
    props = {"launchTemplate": {"id": "lt"}, "tags": GPU_TAGS}
    assert compute.imdsv2_required(compute.INSTANCE, props, CFG) == []
    assert compute.imds_hop_limit_1(compute.INSTANCE, props, CFG) == []


# Stack rules: a compliant stack, then the same stack with one resource or field changed.
VPC = Res("aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.0.0.0/16", "tags": TAGS})
FLOW = Res(
    "aws:ec2/flowLog:FlowLog", "v-flow-log", {"vpcId": "v-id", "trafficType": "ALL", "tags": TAGS}
)
EFA_SG = Res(
    network.SG, "fw-efa-gpu", {"description": "d", "tags": {**TAGS, "aidc:group": "efa-gpu"}}
)
EFA_IN = Res(network.INGRESS, "fw-efa-gpu-in-all-from-self", {"description": "efa", "tags": TAGS})
EFA_OUT = Res(network.EGRESS, "fw-efa-gpu-out-all-to-self", {"description": "efa", "tags": TAGS})
PG = Res(compute.PLACEMENT, "gpu-placement", {"strategy": "cluster", "tags": TAGS})
LT = Res(compute.TEMPLATE, "gpu-lt", {**TEMPLATE, "placement": {"groupName": "gpu-pg"}})
GPUS = [
    Res(compute.INSTANCE, f"gpu-{i}", {"launchTemplate": {"id": "lt"}, "tags": GPU_TAGS})
    for i in range(4)
]
BUCKET = Res(
    storage.BUCKET, "ckpt", {"bucket": "ckpt", "tags": {**TAGS, "aidc:purpose": "checkpoints"}}
)
BUCKET_PARTS = [
    Res(storage.PAB, "ckpt-public-access", PAB),
    Res(storage.SSE, "ckpt-encryption", SSE),
    Res(storage.OWNERSHIP, "ckpt-ownership", {"rule": {"objectOwnership": "BucketOwnerEnforced"}}),
    Res(storage.VERSIONING, "ckpt-versioning", {"versioningConfiguration": {"status": "Enabled"}}),
]
STACK = [VPC, FLOW, EFA_SG, EFA_IN, EFA_OUT, PG, LT, *GPUS, BUCKET, *BUCKET_PARTS]
SPEC = {"storage": {"ceph": {"pools": [{"name": "rbd", "size": 3, "min_size": 2}]}}}


def _without(name: str) -> list[Res]:
    return [r for r in STACK if r.name != name]


STACK_CASES: dict[str, tuple[list[Res], dict[str, Any], str]] = {
    "AIDC-NET-006": (_without("v-flow-log"), {}, "1 VPC(s) but 0 flow log(s): VPC v may have none"),
    "AIDC-NET-007": (
        _without("fw-efa-gpu-out-all-to-self"),
        {},
        "EFA group fw-efa-gpu has no all-protocol self-referencing egress rule",
    ),
    "AIDC-CMP-006": (
        [r if r.name != "gpu-lt" else Res(r.type, r.name, TEMPLATE) for r in STACK],
        {},
        "launch template gpu-lt has EFA interfaces but no cluster placement group",
    ),
    "AIDC-CMP-008": (STACK, {"max_gpus": 16}, "the stack has 32 GPUs, over the budget max_gpus=16"),
    "AIDC-STO-001": (_without("ckpt-public-access"), {}, "bucket ckpt has no public access block"),
    "AIDC-STO-002": (
        _without("ckpt-encryption"),
        {},
        "bucket ckpt has no encryption configuration",
    ),
    "AIDC-STO-003": (
        _without("ckpt-versioning"),
        {},
        "checkpoint bucket ckpt does not enable versioning",
    ),
    "AIDC-STO-004": (
        _without("ckpt-ownership"),
        {},
        "bucket ckpt has no ownership controls (ACLs stay enabled)",
    ),
    "AIDC-STO-005": (
        STACK,
        {
            "aidc:cluster": {
                "storage": {"ceph": {"pools": [{"name": "rbd", "size": 2, "min_size": 2}]}}
            }
        },
        "ceph pool rbd has size 2 and min_size 2 (need size >= 3, min_size >= 2)",
    ),
}


def _stack_messages(rule_id: str, resources: list[Res], cfg: dict[str, Any]) -> list[str]:
    merged = settings({"aidc:cluster": SPEC, **cfg})
    return [m for fn in REGISTRY.stack[rule_id] for m, _ in fn(resources, merged)]


@pytest.mark.parametrize("rule_id", sorted(STACK_CASES))
def test_stack_validator(rule_id: str) -> None:
    load_all()
    assert _stack_messages(rule_id, STACK, {}) == []
    resources, cfg, message = STACK_CASES[rule_id]
    assert _stack_messages(rule_id, resources, cfg) == [message]


def test_the_compliant_stack_has_no_finding_at_all() -> None:
    assert [str(f) for f in evaluate(STACK, {"aidc:cluster": SPEC})] == []


def test_the_gpu_budget_counts_gpus_from_the_instance_catalog() -> None:
    per_node = instance_type("p5.48xlarge").gpus
    assert per_node > 0
    fleet = [
        Res(compute.INSTANCE, f"gpu-{i}", {"instanceType": "p5.48xlarge", "tags": GPU_TAGS})
        for i in range(3)
    ] + [Res(compute.INSTANCE, "login", {"instanceType": "m7i.xlarge", "tags": TAGS})]
    total = 3 * per_node
    assert compute.gpu_budget(fleet, settings({"max_gpus": total})) == []
    assert compute.gpu_budget(fleet, settings({"max_gpus": total - 1})) == [
        (f"the stack has {total} GPUs, over the budget max_gpus={total - 1}", "")
    ]


def test_policy_config_gives_gpus_of_a_type_the_catalog_lacks() -> None:
    node = [Res(compute.INSTANCE, "gpu-0", {"instanceType": "x9.gpu", "tags": GPU_TAGS})]
    assert compute.gpu_budget(node, settings({"max_gpus": 0})) == []
    counted = settings({"max_gpus": 3, "gpus_per_instance_type": {"x9.gpu": 4}})
    assert compute.gpu_budget(node, counted) == [
        ("the stack has 4 GPUs, over the budget max_gpus=3", "")
    ]


def test_allowed_instance_types_default_to_the_instance_catalog() -> None:
    for kind in ("p5.48xlarge", "g6e.xlarge", "i4i.4xlarge"):
        instance_type(kind)  # the catalog knows it
        assert compute.allowed_instance_types(compute.INSTANCE, {"instanceType": kind}, CFG) == []
    assert compute.allowed_instance_types(compute.TEMPLATE, {"instanceType": "x9.gpu"}, CFG) == [
        "instance type x9.gpu is not in allowed_instance_types"
    ]
