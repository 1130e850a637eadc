"""Each rule called directly (the way pulumi-policy's own tests call policies): a compliant
resource passes; the same resource with exactly one field changed fails with this exact message,
under the expected rule ID. Then the stack rules over a small stack whose references resolve by
id, and the normalised models the rules share (security group rules, EFA use, public subnets,
bucket configuration, launches, secrets in user data)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from aidc.catalog import instance_type
from aidc.policy import compute, filesystems, iam, lab, network, storage, tags
from aidc.policy.catalog import load
from aidc.policy.model import Stack
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
SUBNET = {"mapPublicIpOnLaunch": False, "tags": TAGS}


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


Validator = Callable[[Stack, Any], Any]
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
        "map_public_ip_on_launch is true on a subnet with no route to an internet gateway",
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
        {"bucket": "b", "tags": TAGS, "acl": "private"},
        "acl",
        "public-read",
        "bucket sets the ACL public-read",
    ),
    (
        "AIDC-STO-006",
        filesystems.filesystem_encrypted_at_rest,
        filesystems.EFS,
        {"encrypted": True, "tags": TAGS},
        "encrypted",
        False,
        "EFS file system is not encrypted at rest (encrypted is not true)",
    ),
    (
        "AIDC-STO-009",
        filesystems.filesystem_encrypted_in_transit,
        filesystems.LUSTRE,
        {"deploymentType": "PERSISTENT_2", "storageCapacity": 1200, "tags": TAGS},
        "deploymentType",
        "SCRATCH_1",
        "FSx for Lustre deployment type SCRATCH_1 does not encrypt data in transit",
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


# What a resource needs around it so that only the changed field is judged (a bucket alone
# lacks its configuration).
def bucket_parts(bucket: str, prefix: str) -> list[Res]:
    """A compliant bucket's public access block, encryption and ownership controls (named
    prefix1, prefix2, prefix3)."""
    return [
        Res(storage.PAB, f"{prefix}1", {**PAB, "bucket": bucket}),
        Res(storage.SSE, f"{prefix}2", {**SSE, "bucket": bucket}),
        Res(
            storage.OWNERSHIP,
            f"{prefix}3",
            {"bucket": bucket, "rule": {"objectOwnership": "BucketOwnerEnforced"}},
        ),
    ]


CONTEXT: dict[str, list[Res]] = {storage.BUCKET: bucket_parts("b", "b-part")}


def judge(fn: Validator, resources: list[Res], cfg: Any = CFG) -> list[str]:
    return [msg for msg, _ in fn(Stack(resources), cfg)]


@pytest.mark.parametrize(
    ("rule_id", "fn", "typ", "good", "path", "value", "message"),
    CASES,
    ids=[f"{c[0]}-{c[2].rsplit(':', 1)[-1]}-{c[4]}" for c in CASES],
)
def test_validator(
    rule_id: str, fn: Validator, typ: str, good: dict[str, Any], path: str, value: Any, message: str
) -> None:
    around = CONTEXT.get(typ, [])
    assert judge(fn, [Res(typ, "r", good), *around]) == []
    bad = _set(good, path, value)
    assert judge(fn, [Res(typ, "r", bad), *around]) == [message]
    # The registry applies it under this ID (all-port rules also open SSH, so use "in").
    before = {(f.rule_id, f.message) for f in evaluate([Res(typ, "r", good), *around])}
    after = {(f.rule_id, f.message) for f in evaluate([Res(typ, "r", bad), *around])}
    assert (rule_id, message) in after - before


def test_every_rule_has_a_rule_function_and_a_case() -> None:
    registry = load_all()
    covered = {c[0] for c in CASES} | set(STACK_CASES)
    for rule in load().rules:
        assert rule.id in registry.rules, rule.id
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
    group = [Res(network.SG, "g", props)]
    assert judge(network.no_world_ingress_all_ports, group) == [
        "ingress tcp 0-65535 from 0.0.0.0/0 opens every port to the world"
    ]
    assert judge(network.ssh_not_open_to_world, group) == [
        "ingress tcp 0-65535 from 0.0.0.0/0 opens SSH (22) to the world"
    ]


def test_efa_self_rule_and_declared_egress_are_exempt() -> None:
    self_rule = {**EGRESS, "cidrIpv4": None, "referencedSecurityGroupId": "sg-gpu"}
    assert judge(network.no_world_egress_all_ports, [Res(network.EGRESS, "e", self_rule)]) == []
    world = [Res(network.EGRESS, "e", {**EGRESS, "cidrIpv4": "0.0.0.0/0"})]
    declared = {**CFG, "declared_egress_cidrs": ["0.0.0.0/0"]}
    assert judge(network.no_world_egress_all_ports, world, declared) == []


def test_an_instance_that_inherits_its_template_is_not_judged_on_metadata() -> None:
    node = [Res(compute.INSTANCE, "n", {"launchTemplate": {"id": "lt"}, "tags": GPU_TAGS})]
    assert judge(compute.imdsv2_required, node) == []
    assert judge(compute.imds_hop_limit_1, node) == []


# Stack rules: a compliant stack whose references resolve by id, then the same stack with one
# resource or field changed. No reference relies on a resource's logical name.
VPC = Res("aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.0.0.0/16", "tags": TAGS}, id="vpc-1")
FLOW = Res("aws:ec2/flowLog:FlowLog", "log", {"vpcId": "vpc-1", "trafficType": "ALL", "tags": TAGS})
EFA_SG = Res(network.SG, "fabric", {"description": "d", "tags": TAGS}, id="sg-efa")
SELF = {"securityGroupId": "sg-efa", "referencedSecurityGroupId": "sg-efa", "ipProtocol": "-1"}
EFA_IN = Res(network.INGRESS, "a", {**SELF, "description": "efa", "tags": TAGS})
EFA_OUT = Res(network.EGRESS, "b", {**SELF, "description": "efa", "tags": TAGS})
PG = Res(compute.PLACEMENT, "pg", {"name": "tight", "strategy": "cluster", "tags": TAGS})
EFA_NICS = [
    {"interfaceType": "efa", "securityGroups": ["sg-efa"], "associatePublicIpAddress": "false"}
]
LT = Res(
    compute.TEMPLATE,
    "gpu-lt",
    {**TEMPLATE, "networkInterfaces": EFA_NICS, "placement": {"groupName": "tight"}},
    id="lt-1",
)
GPUS = [
    Res(compute.INSTANCE, f"gpu-{i}", {"launchTemplate": {"id": "lt-1"}, "tags": TAGS})
    for i in range(4)
]
BUCKET = Res(storage.BUCKET, "store", {"bucket": "ckpt-store", "tags": TAGS})
BUCKET_PARTS = [
    *bucket_parts("ckpt-store", "p"),
    Res(
        storage.VERSIONING,
        "p4",
        {"bucket": "ckpt-store", "versioningConfiguration": {"status": "Enabled"}},
    ),
]
INNER = Res(network.SUBNET, "inner", {"vpcId": "vpc-1", "tags": TAGS}, id="subnet-1")
INNER_2 = Res(network.SUBNET, "inner-2", {"vpcId": "vpc-1", "tags": TAGS}, id="subnet-2")
NFS_FROM_GPU = {
    "protocol": "tcp",
    "fromPort": 2049,
    "toPort": 2049,
    "securityGroups": ["sg-efa"],
    "description": "nfs from the gpu nodes",
}
NFS_SG = Res(
    network.SG, "nfs", {"description": "d", "ingress": [NFS_FROM_GPU], "tags": TAGS}, id="sg-nfs"
)
LUSTRE_FROM_GPU = [
    {**NFS_FROM_GPU, "fromPort": low, "toPort": high, "description": "lustre from the gpu nodes"}
    for low, high in ((988, 988), (1018, 1023))
]
LUSTRE_SG = Res(
    network.SG, "lnet", {"description": "d", "ingress": LUSTRE_FROM_GPU, "tags": TAGS}, id="sg-l"
)
HOME = Res(filesystems.EFS, "home", {"encrypted": True, "tags": TAGS}, id="fs-1")
TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
        },
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ],
}
HOME_POLICY = Res(
    filesystems.EFS_POLICY, "home-policy", {"fileSystemId": "fs-1", "policy": json.dumps(TLS_ONLY)}
)
HOME_MT = Res(
    filesystems.MOUNT_TARGET,
    "home-mt",
    {"fileSystemId": "fs-1", "subnetId": "subnet-1", "securityGroups": ["sg-nfs"]},
    id="fsmt-1",
)
SCRATCH = Res(
    filesystems.LUSTRE,
    "scratch",
    {
        "deploymentType": "PERSISTENT_2",
        "subnetIds": "subnet-2",
        "securityGroupIds": ["sg-l"],
        "tags": TAGS,
    },
    id="fs-2",
)
FILESYSTEMS = [INNER, INNER_2, NFS_SG, LUSTRE_SG, HOME, HOME_POLICY, HOME_MT, SCRATCH]
STACK = [VPC, FLOW, EFA_SG, EFA_IN, EFA_OUT, PG, LT, *GPUS, BUCKET, *BUCKET_PARTS, *FILESYSTEMS]
SPEC = {"storage": {"ceph": {"pools": [{"name": "rbd", "size": 3, "min_size": 2}]}}}


def _without(name: str) -> list[Res]:
    return [r for r in STACK if r.name != name]


def _with(res: Res, **props: Any) -> list[Res]:
    changed = Res(res.type, res.name, {**res.props, **props}, res.urn, res.id)
    return [changed if r is res else r for r in STACK]


STACK_CASES: dict[str, tuple[list[Res], dict[str, Any], str]] = {
    "AIDC-NET-006": (_without("log"), {}, "VPC v has no flow log"),
    "AIDC-NET-007": (
        _without("b"),
        {},
        "EFA group fabric has no all-protocol self-referencing egress rule",
    ),
    "AIDC-CMP-006": (
        _with(LT, placement=None),
        {},
        "launch template gpu-lt has EFA interfaces but no cluster placement group",
    ),
    "AIDC-CMP-008": (STACK, {"max_gpus": 16}, "the stack has 32 GPUs, over the budget max_gpus=16"),
    "AIDC-STO-001": (_without("p1"), {}, "bucket store has no public access block"),
    "AIDC-STO-002": (_without("p2"), {}, "bucket store has no encryption configuration"),
    "AIDC-STO-003": (_without("p4"), {}, "checkpoint bucket store does not enable versioning"),
    "AIDC-STO-004": (
        _without("p3"),
        {},
        "bucket store has no ownership controls (ACLs stay enabled)",
    ),
    "AIDC-STO-007": (
        _with(
            HOME_POLICY,
            policy=json.dumps(
                {**TLS_ONLY, "Statement": [{**TLS_ONLY["Statement"][0], "Condition": {}}]}
            ),
        ),
        {},
        "EFS file system policy allows any principal (Principal *) without a condition that ties"
        " it to the VPC's mount targets or known callers",
    ),
    "AIDC-STO-008": (
        _with(INNER, mapPublicIpOnLaunch=True),
        {},
        "EFS mount target sits in subnet inner, which gives public IPs to what launches in it",
    ),
    "AIDC-STO-009": (
        _without("home-policy"),
        {},
        "EFS file system home has no file system policy that denies access without TLS"
        " (aws:SecureTransport false)",
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
    return [m for fn in REGISTRY.rules[rule_id] for m, _ in fn(Stack(resources), merged)]


@pytest.mark.parametrize("rule_id", sorted(STACK_CASES))
def test_stack_rule(rule_id: str) -> None:
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
        Res(compute.INSTANCE, f"gpu-{i}", {"instanceType": "p5.48xlarge", "tags": TAGS})
        for i in range(3)
    ] + [Res(compute.INSTANCE, "login", {"instanceType": "m7i.xlarge", "tags": TAGS})]
    total = 3 * per_node
    assert judge(compute.gpu_budget, fleet, settings({"max_gpus": total})) == []
    assert judge(compute.gpu_budget, fleet, settings({"max_gpus": total - 1})) == [
        f"the stack has {total} GPUs, over the budget max_gpus={total - 1}"
    ]


def test_the_gpu_budget_counts_autoscaling_groups_by_their_template() -> None:
    lt = Res(compute.TEMPLATE, "x", {"instanceType": "p5.48xlarge"}, id="lt-9")
    asg = Res(compute.ASG, "y", {"maxSize": 10, "launchTemplate": {"id": "lt-9"}})
    assert judge(compute.gpu_budget, [lt, asg], settings({"max_gpus": 79})) == [
        "the stack has 80 GPUs, over the budget max_gpus=79"
    ]


def test_policy_config_gives_gpus_of_a_type_the_catalog_lacks() -> None:
    node = [Res(compute.INSTANCE, "gpu-0", {"instanceType": "x9.gpu", "tags": TAGS})]
    assert judge(compute.gpu_budget, node, settings({"max_gpus": 0})) == []
    counted = settings({"max_gpus": 3, "gpus_per_instance_type": {"x9.gpu": 4}})
    assert judge(compute.gpu_budget, node, counted) == [
        "the stack has 4 GPUs, over the budget max_gpus=3"
    ]


def test_allowed_instance_types_default_to_the_instance_catalog() -> None:
    for kind in ("p5.48xlarge", "g6e.xlarge", "i4i.4xlarge"):
        instance_type(kind)  # the catalog knows it
        node = [Res(compute.INSTANCE, "n", {"instanceType": kind})]
        assert judge(compute.allowed_instance_types, node) == []
    template = [Res(compute.TEMPLATE, "t", {"instanceType": "x9.gpu"})]
    assert judge(compute.allowed_instance_types, template) == [
        "instance type x9.gpu is not in allowed_instance_types"
    ]


def _world(group: Res, index: int) -> list[Res]:
    """The stack with one ingress rule of a group opened to the internet as well."""
    ingress = copy.deepcopy(group.props["ingress"])
    ingress[index]["cidrBlocks"] = ["0.0.0.0/0"]
    return _with(group, ingress=ingress)


def test_file_system_ports_open_to_the_world_are_public() -> None:
    load_all()
    assert _stack_messages("AIDC-STO-007", _world(NFS_SG, 0), {}) == [
        "ingress tcp 2049 from 0.0.0.0/0 opens NFS of an EFS mount target (port 2049) to the world"
    ]
    assert _stack_messages("AIDC-STO-007", _world(LUSTRE_SG, 1), {}) == [
        "ingress tcp 1018-1023 from 0.0.0.0/0 opens FSx for Lustre (port 1018) to the world"
    ]
    # A group no file system uses is another rule's business.
    web = {**NFS_FROM_GPU, "securityGroups": [], "cidrBlocks": ["0.0.0.0/0"]}
    other = Res(network.SG, "web", {"description": "d", "ingress": [web], "tags": TAGS}, id="sg-w")
    assert _stack_messages("AIDC-STO-007", [*STACK, other], {}) == []


def test_a_file_system_in_a_subnet_routed_to_the_internet_is_not_private() -> None:
    igw = Res(network.IGW, "igw", {"vpcId": "vpc-1"}, id="igw-1")
    table = Res(
        network.ROUTE_TABLE,
        "rt",
        {"vpcId": "vpc-1", "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}]},
        id="rtb-1",
    )
    assoc = Res(network.RT_ASSOCIATION, "a", {"subnetId": "subnet-2", "routeTableId": "rtb-1"})
    load_all()
    assert _stack_messages("AIDC-STO-008", [*STACK, igw, table, assoc], {}) == [
        "FSx file system sits in subnet inner-2, which routes to an internet gateway"
    ]


def test_an_efs_policy_that_only_allows_plain_nfs_is_not_tls_only() -> None:
    allow_only = {**TLS_ONLY, "Statement": TLS_ONLY["Statement"][:1]}
    load_all()
    assert _stack_messages("AIDC-STO-009", _with(HOME_POLICY, policy=allow_only), {}) == [
        "EFS file system home has no file system policy that denies access without TLS"
        " (aws:SecureTransport false)"
    ]
    # The provider's default deployment type is SCRATCH_1.
    default = Res(filesystems.LUSTRE, "fresh", {"storageCapacity": 1200, "tags": TAGS})
    assert _stack_messages("AIDC-STO-009", [*STACK, default], {}) == [
        "FSx for Lustre deployment type SCRATCH_1 does not encrypt data in transit"
    ]
