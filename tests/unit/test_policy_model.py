"""The models rules share, judged by meaning: references resolve by dependency or value (never
by logical name), security group rules of every style become one model per group, EFA groups
are the ones EFA interfaces use, subnets are public by their routes, bucket configuration
belongs to the bucket it names, GPU nodes are GPU nodes by type, secrets are found however user
data is encoded."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import pytest

from aidc.policy import compute, network, storage
from aidc.policy.instances import is_gpu, is_storage
from aidc.policy.model import Stack
from aidc.policy.pack import plain
from aidc.policy.registry import UNKNOWN, Res, evaluate, settings
from aidc.policy.secrets import secrets_in

CFG = settings()
TAGS = {"project": "p", "environment": "e"}
META = {"httpTokens": "required", "httpPutResponseHopLimit": 1}


def ids(resources: list[Res], **cfg: Any) -> set[str]:
    return {f.rule_id for f in evaluate(resources, cfg)}


def messages(rule_id: str, resources: list[Res]) -> list[str]:
    return [f.message for f in evaluate(resources) if f.rule_id == rule_id]


# References


def test_a_reference_resolves_by_dependency_when_its_value_is_unknown() -> None:
    group = Res(network.SG, "g", {}, urn="urn:g")
    other = Res(network.SG, "h", {}, urn="urn:h")
    rule = Res(
        network.INGRESS,
        "r",
        {"securityGroupId": UNKNOWN},
        "urn:r",
        deps={"securityGroupId": ("urn:g",)},
    )
    assert Stack([group, other, rule]).refs(rule, "securityGroupId", network.GROUPS) == [group]


def test_a_reference_resolves_by_id_or_name_without_dependencies() -> None:
    bucket = Res(storage.BUCKET, "logical-name", {"bucket": "real-name"}, "urn:b", id="real-name")
    by_name = Res(storage.PAB, "x", {"bucket": "real-name"})
    assert Stack([bucket, by_name]).refs(by_name, "bucket", storage.BUCKETS) == [bucket]


def test_dependencies_choose_among_resources_that_share_a_value() -> None:
    a = Res(network.SG, "a", {}, "urn:a", id="sg-1")
    b = Res(network.SG, "b", {}, "urn:b", id="sg-1")
    rule = Res(
        network.INGRESS,
        "r",
        {"securityGroupId": "sg-1"},
        "urn:r",
        deps={"securityGroupId": ("urn:b",)},
    )
    assert Stack([a, b, rule]).refs(rule, "securityGroupId", network.GROUPS) == [b]


def test_a_literal_id_outside_the_stack_resolves_to_nothing() -> None:
    a = Res(network.SG, "a", {}, "urn:a", id="sg-a")
    rule = Res(network.INGRESS, "r", {"securityGroupId": "sg-external"}, "urn:r")
    assert Stack([a, rule]).refs(rule, "securityGroupId", network.GROUPS) == []


def test_logical_names_link_nothing() -> None:
    bucket = Res(storage.BUCKET, "ckpt", {"bucket": "ckpt-real", "tags": TAGS}, id="ckpt-real")
    named_like_a_part = Res(storage.PAB, "ckpt-public-access", {"bucket": "another"})
    assert "bucket ckpt has no public access block" in messages(
        "AIDC-STO-001", [bucket, named_like_a_part]
    )


# Security groups


@pytest.mark.parametrize(
    ("cidr", "world"),
    [
        ("0.0.0.0/0", True),
        ("::/0", True),
        ("0.0.0.0/1", True),
        ("128.0.0.0/2", True),
        ("11.0.0.0/8", True),
        ("2000::/3", True),
        ("10.0.0.0/8", False),
        ("172.16.0.0/12", False),
        ("203.0.113.0/24", False),
        ("fc00::/7", False),
        ("2001:db8::/32", False),
        ("pl-12345", False),
        ("not a cidr", False),
    ],
)
def test_world_means_the_internet_at_large(cidr: str, world: bool) -> None:
    assert network.world(cidr) is world


def _perm(**raw: Any) -> network.Perm:
    (perm,) = network.perms_of(Res(network.INGRESS, "r", raw))
    return perm


def test_protocols_and_port_ranges_are_normalised() -> None:
    assert _perm(ipProtocol="all").every_protocol
    assert _perm(ipProtocol="6", fromPort=20.0, toPort=25.0).covers(22)
    assert _perm(ipProtocol="TCP", fromPort=1024, toPort=65535).broad_ports
    assert not _perm(ipProtocol="tcp", fromPort=8000, toPort=9000).broad_ports
    assert not _perm(ipProtocol="udp", fromPort=22, toPort=22).covers(22)
    unknown = _perm(ipProtocol="tcp", fromPort=UNKNOWN, toPort=UNKNOWN)
    assert not unknown.covers(22)
    assert not unknown.broad_ports
    # -1 is every port, as AWS reads it; ICMP's -1 (every type) opens no port.
    assert _perm(ipProtocol="tcp", fromPort=-1, toPort=-1).covers(22)
    assert _perm(ipProtocol="17", fromPort="-1", toPort="-1").broad_ports
    assert not _perm(ipProtocol="icmp", fromPort=-1, toPort=-1).broad_ports


def test_narrow_ranges_that_add_up_to_the_world_are_the_world() -> None:
    assert network.world_of(["0.0.0.0/1", "128.0.0.0/1"]) == ["0.0.0.0/1", "128.0.0.0/1"]
    ninths = [f"{a}.{b}.0.0/9" for a in range(256) for b in (0, 128)]
    assert network.world_of(ninths) == ["0.0.0.0/0"]
    assert network.world_of(["11.0.0.0/9", "11.128.0.0/9"]) == ["11.0.0.0/8"]
    assert network.world_of(["10.0.0.0/9", "10.128.0.0/9", "203.0.113.0/24"]) == []


def test_a_self_reference_does_not_excuse_world_egress() -> None:
    group = Res(
        network.SG,
        "g",
        {
            "description": "d",
            "egress": [
                {"protocol": "-1", "self": True, "cidrBlocks": ["0.0.0.0/0"], "description": "d"}
            ],
        },
    )
    assert messages("AIDC-NET-003", [group]) == [
        "egress all to 0.0.0.0/0 allows every port to the world (not in declared_egress_cidrs)"
    ]


def test_declared_egress_covers_the_ranges_inside_it() -> None:
    rules = [
        Res(network.EGRESS, f"e{i}", {"ipProtocol": "-1", "cidrIpv4": half, "description": "d"})
        for i, half in enumerate(("0.0.0.0/1", "128.0.0.0/1"))
    ]
    declared = {"declared_egress_cidrs": ["0.0.0.0/0"]}
    assert "AIDC-NET-003" not in ids(rules, **declared)
    assert "AIDC-NET-003" in ids(rules, declared_egress_cidrs=["0.0.0.0/1"])


def test_every_rule_style_lands_on_its_group() -> None:
    group = Res(
        network.SG,
        "g",
        {
            "ingress": [
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["10.0.0.0/8"]}
            ]
        },
        "urn:g",
        id="sg-g",
    )
    rule = Res(
        network.SG_RULE,
        "r1",
        {"type": "egress", "securityGroupId": "sg-g", "protocol": "-1", "self": True},
    )
    ingress = Res(
        network.INGRESS,
        "r2",
        {"securityGroupId": UNKNOWN, "referencedSecurityGroupId": UNKNOWN, "ipProtocol": "-1"},
        deps={"securityGroupId": ("urn:g",), "referencedSecurityGroupId": ("urn:g",)},
    )
    model = network.groups(Stack([group, rule, ingress]))["urn:g"]
    assert sorted((p.direction, p.protocol, p.self_ref) for p in model.perms) == [
        ("egress", "-1", True),
        ("ingress", "-1", True),
        ("ingress", "tcp", False),
    ]
    assert model.has_self_rule("ingress") and model.has_self_rule("egress")


def test_a_rule_naming_another_group_is_not_self_referencing_whatever_its_name() -> None:
    rule = Res(
        network.INGRESS,
        "efa-in-all-from-self",
        {"securityGroupId": "sg-a", "referencedSecurityGroupId": "sg-b", "ipProtocol": "-1"},
    )
    assert not network.perms_of(rule)[0].self_ref


def _efa_template(groups: list[str]) -> Res:
    nics = [{"interfaceType": "efa", "securityGroups": groups}]
    return Res(compute.TEMPLATE, "lt", {"networkInterfaces": nics}, "urn:lt")


def test_an_efa_group_is_one_efa_interfaces_use() -> None:
    group = Res(network.SG, "plain-name", {"description": "d", "tags": TAGS}, "urn:g", id="sg-1")
    found = messages("AIDC-NET-007", [group, _efa_template(["sg-1"])])
    assert found == [
        "EFA group plain-name has no all-protocol self-referencing ingress rule",
        "EFA group plain-name has no all-protocol self-referencing egress rule",
    ]
    assert messages("AIDC-NET-007", [group]) == []


def test_groups_on_one_efa_interface_add_up() -> None:
    role = Res(network.SG, "role", {"description": "d"}, "urn:r", id="sg-role")
    efa = Res(
        network.SG,
        "efa",
        {
            "description": "d",
            "ingress": [{"protocol": "-1", "self": True, "description": "x"}],
            "egress": [{"protocol": "-1", "self": True, "description": "x"}],
        },
        "urn:e",
        id="sg-efa",
    )
    assert messages("AIDC-NET-007", [role, efa, _efa_template(["sg-role", "sg-efa"])]) == []


def test_an_efa_interface_with_a_group_outside_the_stack_is_not_judged() -> None:
    group = Res(network.SG, "g", {"description": "d"}, "urn:g", id="sg-1")
    assert messages("AIDC-NET-007", [group, _efa_template(["sg-1", "sg-external"])]) == []


def test_an_efa_group_known_only_by_its_attachment() -> None:
    group = Res(network.SG, "g", {"description": "d"}, "urn:g", id="sg-1")
    eni = Res(network.ENI, "n", {"interfaceType": "efa"}, "urn:n", id="eni-1")
    attach = Res(
        network.ENI_SG_ATTACHMENT, "a", {"securityGroupId": "sg-1", "networkInterfaceId": "eni-1"}
    )
    assert len(messages("AIDC-NET-007", [group, eni, attach])) == 2


# Subnets


def _subnet(**props: Any) -> Res:
    return Res(
        network.SUBNET,
        "s",
        {"mapPublicIpOnLaunch": True, "vpcId": "vpc-1", **props},
        "urn:s",
        id="subnet-1",
    )


IGW = Res(network.IGW, "gw", {}, "urn:gw", id="gw-1")
VPC = Res(network.VPC, "v", {}, "urn:v", id="vpc-1")


def test_a_subnet_is_public_by_a_route_to_an_internet_gateway() -> None:
    table = Res(network.ROUTE_TABLE, "t", {}, "urn:t", id="rt-1")
    route = Res(
        network.ROUTE,
        "r",
        {"routeTableId": "rt-1", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "gw-1"},
    )
    assoc = Res(network.RT_ASSOCIATION, "a", {"subnetId": "subnet-1", "routeTableId": "rt-1"})
    stack = [VPC, IGW, _subnet(), table, assoc]
    assert messages("AIDC-NET-005", [*stack, route]) == []
    assert messages("AIDC-NET-005", stack) == [
        "map_public_ip_on_launch is true on a subnet with no route to an internet gateway"
    ]


def test_a_subnet_without_association_follows_the_vpcs_main_table() -> None:
    table = Res(
        network.ROUTE_TABLE,
        "t",
        {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0123"}]},
        "urn:t",
        id="rt-1",
    )
    main = Res(network.MAIN_RT_ASSOCIATION, "m", {"vpcId": "vpc-1", "routeTableId": "rt-1"})
    assert messages("AIDC-NET-005", [VPC, _subnet(), table, main]) == []


# Compute


@pytest.mark.parametrize(
    ("kind", "gpu", "storage_type"),
    [
        ("p5.48xlarge", True, False),
        ("g5.2xlarge", True, False),  # not in the catalog; its family is
        ("p3.16xlarge", True, False),  # a P family
        ("g4dn.xlarge", True, False),
        ("m7i.xlarge", False, False),
        ("m7g.large", False, False),
        ("i4i.4xlarge", False, True),
        ("i3en.24xlarge", False, True),
        ("d3.8xlarge", False, True),
    ],
)
def test_node_kinds_come_from_the_instance_type(kind: str, gpu: bool, storage_type: bool) -> None:
    assert is_gpu(kind, CFG) is gpu
    assert is_storage(kind) is storage_type


def test_an_instance_is_a_gpu_node_by_its_templates_type() -> None:
    lt = Res(
        compute.TEMPLATE, "lt", {"instanceType": "p5.48xlarge", "metadataOptions": META}, id="lt-1"
    )
    node = Res(
        compute.INSTANCE, "n", {"launchTemplate": {"id": "lt-1"}, "associatePublicIpAddress": True}
    )
    assert messages("AIDC-CMP-004", [lt, node]) == ["gpu node gets a public IP address"]


def test_a_node_gets_a_public_address_from_its_subnet_or_an_elastic_ip() -> None:
    node = Res(
        compute.INSTANCE, "n", {"instanceType": "g6e.xlarge", "subnetId": "subnet-1"}, id="i-1"
    )
    assert messages("AIDC-CMP-004", [node, _subnet()]) == [
        "gpu node gets a public IP address (subnet s maps public IPs on launch)"
    ]
    assert (
        messages("AIDC-CMP-004", [_with_props(node, associatePublicIpAddress=False), _subnet()])
        == []
    )
    eip = Res(compute.EIP, "ip", {"instance": "i-1"})
    assert messages("AIDC-CMP-004", [node, eip]) == [
        "gpu node gets a public IP address (Elastic IP ip)"
    ]


def _with_props(res: Res, **props: Any) -> Res:
    return Res(res.type, res.name, {**res.props, **props}, res.urn, res.id)


def test_account_defaults_settle_what_launches_leave_out() -> None:
    node = Res(
        compute.INSTANCE, "n", {"instanceType": "m7i.xlarge", "rootBlockDevice": {"volumeSize": 10}}
    )
    assert {"AIDC-CMP-001", "AIDC-CMP-002"} <= ids([node])
    defaults = Res(
        compute.METADATA_DEFAULTS, "d", {"httpTokens": "required", "httpPutResponseHopLimit": 1}
    )
    assert not {"AIDC-CMP-001", "AIDC-CMP-002"} & ids([node, defaults])
    unencrypted = _with_props(node, metadataOptions=META, rootBlockDevice={"encrypted": False})
    assert "AIDC-CMP-003" in ids([unencrypted])
    ebs_default = Res(compute.EBS_DEFAULT_ENCRYPTION, "e", {"enabled": True})
    assert "AIDC-CMP-003" not in ids([unencrypted, ebs_default])


def test_no_metadata_service_means_nothing_to_steal() -> None:
    node = Res(compute.INSTANCE, "n", {"metadataOptions": {"httpEndpoint": "disabled"}})
    assert not {"AIDC-CMP-001", "AIDC-CMP-002"} & ids([node])


def test_an_efa_template_is_placed_by_the_group_that_launches_it() -> None:
    pg = Res(compute.PLACEMENT, "pg", {"strategy": "cluster"}, id="pg-1")
    lt = Res(compute.TEMPLATE, "lt", {"networkInterfaces": [{"interfaceType": "efa"}]}, id="lt-1")
    asg = Res(compute.ASG, "asg", {"launchTemplate": {"id": "lt-1"}, "placementGroup": "pg-1"})
    assert messages("AIDC-CMP-006", [pg, lt, asg]) == []
    unplaced = _with_props(asg, placementGroup=None)
    assert messages("AIDC-CMP-006", [pg, lt, unplaced]) == [
        "launch template lt has EFA interfaces but no cluster placement group"
    ]
    spread = Res(compute.PLACEMENT, "pg", {"strategy": "spread"}, id="pg-1")
    assert messages("AIDC-CMP-006", [spread, lt, asg]) == [
        "launch template lt has EFA interfaces but placement group pg with strategy spread,"
        " not cluster"
    ]


# Storage


def _bucket_parts(bucket: str) -> list[Res]:
    return [
        Res(storage.PAB, "1", {"bucket": bucket, **dict.fromkeys(storage.PAB_FLAGS, True)}),
        Res(
            storage.SSE_V2,
            "2",
            {
                "bucket": bucket,
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
            },
        ),
        Res(
            storage.OWNERSHIP,
            "3",
            {"bucket": bucket, "rule": {"objectOwnership": "BucketOwnerEnforced"}},
        ),
    ]


def test_an_account_public_access_block_covers_every_bucket() -> None:
    bucket = Res(storage.BUCKET_V2, "b", {"bucket": "b", "tags": TAGS})
    parts = [p for p in _bucket_parts("b") if p.type != storage.PAB]
    assert "AIDC-STO-001" in ids([bucket, *parts])
    account = Res(storage.ACCOUNT_PAB, "acct", dict.fromkeys(storage.PAB_FLAGS, True))
    assert ids([bucket, *parts, account]) == set()


@pytest.mark.parametrize(
    ("statement", "public"),
    [
        ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}, True),
        ({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:GetObject"}, True),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:*"}, False),
        ({"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}}, False),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}},
            },
            False,
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
            },
            True,
        ),
    ],
)
def test_a_bucket_policy_is_public_when_anyone_may_use_it(
    statement: dict[str, Any], public: bool
) -> None:
    assert bool(storage.public_statements({"Statement": [statement]})) is public


def test_a_checkpoint_bucket_is_known_by_what_its_owner_calls_it() -> None:
    for props in (
        {"bucket": "run-ckpt"},
        {"bucketPrefix": "checkpoints-"},
        {"tags": {"purpose": "Checkpoints"}},
    ):
        assert storage.is_checkpoint_bucket(Res(storage.BUCKET, "b", props))
    assert not storage.is_checkpoint_bucket(Res(storage.BUCKET, "b", {"bucket": "datasets"}))


# Secrets in user data

POSITIVE = [
    ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7QWERTYZ", "an AWS access key id"),
    ('{"AccessKeyId": "ASIAXYZXYZXYZXYZXYZX"}', "an AWS access key id"),
    ("aws_secret_access_key = abc123", "an AWS secret access key"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIE", "a private key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----", "a private key"),
    ("GH=ghp_abcdefghijklmnopqrstuvwxyz0123456789", "a GitHub token"),
    ("SLACK_BOT=xoxb-2401-8888-AbCdEfGhIjKl", "a Slack token"),
    ("curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abcdefg.payload'", "a bearer token"),
    ("export HF_TOKEN=hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345", "a Hugging Face token"),
    ("DB_PASSWORD='q9!Vt2#xLm8@Rz'", "a credential"),
    ("api_key: 7f3a9c1e5b2d8f4a6c0e", "a credential"),
    ("postgres://app:Zq8xLm2Vt9Rk@db:5432/app", "a credential"),
    ("SECRET_KEY=Zx9vQ2mL7tRk4pW8", "a credential"),
    ("db:\n  password: |\n    Zq8xLm2Vt9Rk!\n", "a credential"),
    ("export AWS_ACCESS_KEY_ID=AKIAIOSF\\\nODNN7QWERTYZ", "an AWS access key id"),
    ("echo " + b"AKIAIOSFODNN7QWERTYZ\n".hex() + " | xxd -r -p", "an AWS access key id"),
]
NEGATIVE = [
    "#cloud-config\nhostname: gpu-1\npreserve_hostname: false\n",
    'export DB_PASSWORD="$(aws ssm get-parameter --name /db --with-decryption)"',
    "password: changeme",
    "TOKEN_URL=https://sts.amazonaws.com\nPASSWORD_FILE=/run/secrets/db",
    "ssh_authorized_keys:\n  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx5h7Ymq0b3tPZ2 ops@acme",
    "token: {{ lookup('aws_ssm', '/token') }}",
    "sha1sum: 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    "db:\n  password: >-\n    ${DB_PASSWORD}\n",
    "content: " + base64.b64encode(bytes(range(256))).decode(),
]


@pytest.mark.parametrize(("text", "what"), POSITIVE, ids=[w for _, w in POSITIVE])
def test_secrets_are_found(text: str, what: str) -> None:
    assert what in secrets_in(text)


@pytest.mark.parametrize("text", NEGATIVE)
def test_references_and_ordinary_settings_are_not_secrets(text: str) -> None:
    assert secrets_in(text) == []


def test_secrets_are_found_through_base64_and_gzip() -> None:
    script = b"#!/bin/sh\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7QWERTYZ\n"
    assert secrets_in(base64.b64encode(script).decode()) == ["an AWS access key id"]
    assert secrets_in(base64.b64encode(gzip.compress(script)).decode()) == ["an AWS access key id"]
    packed = base64.b64encode(script).decode()
    embedded = f"#cloud-config\nwrite_files:\n- encoding: b64\n  content: {packed}\n"
    assert secrets_in(embedded) == ["an AWS access key id"]


def test_secrets_are_found_in_base64_wrapped_over_lines_or_joined_to_other_text() -> None:
    script = b"[default]\naws_access_key_id = AKIAIOSFODNN7QWERTYZ\n"
    packed = base64.b64encode(script * 4).decode()
    wrapped = "\n".join(packed[i : i + 76] for i in range(0, len(packed), 76))
    mime = f"Content-Transfer-Encoding: base64\n\n{wrapped}\n--part--\n"
    assert secrets_in(mime) == ["an AWS access key id"]
    assert secrets_in(f"cat <<EOF | base64 -d\n  {wrapped.replace(chr(10), chr(10) + '  ')}\nEOF")
    assert secrets_in(f"install -m 600 <(echo data/{packed}) creds") == ["an AWS access key id"]


def test_a_secret_key_beside_an_access_key_id_is_found() -> None:
    text = "id AKIAIOSFODNN7QWERTYZ\nkey wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKY\n"
    assert secrets_in(text) == ["an AWS access key id", "an AWS secret access key"]


# Tags and the pack's view of values


def test_provider_default_tags_count_and_tag_names_ignore_case() -> None:
    provider = Res(
        "pulumi:providers:aws", "p", {"defaultTags": '{"tags": {"Project": "x"}}'}, "urn:p"
    )
    vpc = Res(network.VPC, "v", {"tags": {"Environment": "prod"}}, "urn:v", provider="urn:p")
    flow = Res(network.FLOW_LOG, "f", {"vpcId": "vpc-1", "tags": TAGS})
    assert "AIDC-TAG-001" not in ids([provider, _with_id(vpc, "vpc-1"), flow])


def _with_id(res: Res, rid: str) -> Res:
    return Res(res.type, res.name, res.props, res.urn, rid, res.deps, res.provider)


def test_the_pack_reads_unknown_values_as_unknown() -> None:
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

    props = unknown_checking_proxy(
        {"a": UNKNOWN_STRING_VALUE, "b": [1, UNKNOWN_STRING_VALUE], "c": {"d": 2}}
    )
    assert plain(props) == {"a": UNKNOWN, "b": [1, UNKNOWN], "c": {"d": 2}}
