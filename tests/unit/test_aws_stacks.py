"""The aws program on the example stacks (aws-p5, aws-h200) under Pulumi's mocks: properties of
what it registers, each failure naming the resource's URN."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from aidc import catalog
from aidc.inventory.build import build_inventory
from aidc.inventory.clustervars import cluster_vars, filesystem_vars
from aidc.inventory.contract import parse_outputs
from aidc.spec import Cluster, all_nodes, effective_flows, load_file
from aidc.targets.aws.images import UBUNTU_2404
from tests.unit.aws_mocks import S3_PREFIX_LIST, UBUNTU_AMI, Registered, Run, run_cluster, tags_of

STACKS = Path(__file__).resolve().parents[2] / "stacks"
INSTANCE = "aws:ec2/instance:Instance"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SUBNET = "aws:ec2/subnet:Subnet"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
# Types whose AWS resources take no tags (or take them elsewhere).
UNTAGGED = {
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:ec2/volumeAttachment:VolumeAttachment",
    "aws:autoscaling/group:Group",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:efs/mountTarget:MountTarget",
    "aws:efs/fileSystemPolicy:FileSystemPolicy",
    "aws:efs/backupPolicy:BackupPolicy",
}


def load(stack: str) -> Cluster:
    cluster, _ = load_file(STACKS / f"Pulumi.{stack}.yaml")
    return cluster


@pytest.fixture(scope="module", params=["aws-p5", "aws-h200"])
def stack(request: pytest.FixtureRequest) -> tuple[Cluster, Run]:
    cluster = load(request.param)
    return cluster, run_cluster(cluster)


@pytest.fixture(scope="module")
def p5() -> tuple[Cluster, Run]:
    cluster = load("aws-p5")
    return cluster, run_cluster(cluster)


@pytest.fixture(scope="module")
def h200() -> tuple[Cluster, Run]:
    cluster = load("aws-h200")
    return cluster, run_cluster(cluster)


def template_of(run: Run, cluster: Cluster, pool: str) -> Registered:
    return run.named(f"{cluster.name}-{pool}-lt", TEMPLATE)


def subnet_id(run: Run, cluster: Cluster, subnet: str) -> str:
    return f"{cluster.name}-{cluster.networks[0].name}-subnet-{subnet}-id"


def sg_id(cluster: Cluster, group: str) -> str:
    return f"{cluster.name}-firewall-{group}-id"


# --- instances ------------------------------------------------------------------------------


def test_one_instance_per_spec_node_named_by_hostname(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    names = sorted(r.name for r in run.of_type(INSTANCE))
    assert names == sorted(n.hostname for n in all_nodes(cluster))


def test_instances_are_tagged_for_the_inventory(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for ref in all_nodes(cluster):
        inst = run.named(ref.hostname, INSTANCE)
        tags = tags_of(inst)
        assert tags.get("Name") == ref.hostname, f"{inst}: Name tag {tags.get('Name')!r}"
        assert tags.get("aidc:cluster") == cluster.name, f"{inst}: aidc:cluster {tags}"
        assert tags.get("aidc:pool") == ref.pool, f"{inst}: aidc:pool {tags}"
        assert tags.get("aidc:roles") == ",".join(ref.roles), f"{inst}: aidc:roles {tags}"
        for key, value in cluster.tags.items():
            assert tags.get(key) == value, f"{inst}: spec tag {key} missing or changed: {tags}"


def test_gpu_nodes_get_no_public_address(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for pool in cluster.pools_with_role("gpu"):
        lt = template_of(run, cluster, pool.name)
        nics = lt.inputs.get("networkInterfaces") or []
        for nic in nics:
            assert nic.get("associatePublicIpAddress") == "false", f"{lt}: public IP on {nic}"
        for i in range(1, pool.count + 1):
            inst = run.named(f"{cluster.name}-{pool.name}-{i}", INSTANCE)
            assert not inst.inputs.get("associatePublicIpAddress"), f"{inst}: public IP asked"
    gpu_nodes = [n for n in run.outputs["nodes"] if "gpu" in n["roles"]]
    assert gpu_nodes and all("public_ip" not in n for n in gpu_nodes)


def test_only_login_nodes_in_public_subnets_get_public_addresses(
    stack: tuple[Cluster, Run],
) -> None:
    cluster, run = stack
    public = {subnet_id(run, cluster, s.name) for s in cluster.networks[0].subnets if s.public}
    for inst in run.of_type(INSTANCE):
        asks = bool(inst.inputs.get("associatePublicIpAddress"))
        login = "login" in tags_of(inst)["aidc:roles"].split(",")
        assert asks == login, f"{inst}: associate_public_ip_address={asks}, login={login}"
        if asks:
            assert inst.inputs["subnetId"] in public, f"{inst}: public IP outside a public subnet"


def test_launch_templates_require_imdsv2_with_one_hop(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    templates = run.of_type(TEMPLATE)
    assert templates
    for lt in templates:
        md = lt.inputs["metadataOptions"]
        assert md["httpTokens"] == "required", f"{lt}: IMDSv1 allowed ({md})"
        assert md["httpPutResponseHopLimit"] == 1, f"{lt}: hop limit {md}"
        assert md["httpEndpoint"] == "enabled", f"{lt}: metadata endpoint {md}"
    for inst in run.of_type(INSTANCE):
        # Instances take IMDS settings from their template; none may override them.
        assert "metadataOptions" not in inst.inputs, f"{inst}: overrides the template's IMDS"


def test_roots_are_encrypted_gp3_of_the_spec_size(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for pool in cluster.pools:
        lt = template_of(run, cluster, pool.name)
        (root,) = lt.inputs["blockDeviceMappings"]
        ebs = root["ebs"]
        assert root["deviceName"] == "/dev/sda1", f"{lt}: root device {root}"
        assert ebs["encrypted"] == "true", f"{lt}: root not encrypted ({ebs})"
        assert ebs["volumeType"] == "gp3", f"{lt}: root volume type {ebs}"
        assert ebs["volumeSize"] == pool.root_disk_gb, f"{lt}: root size {ebs}"


def test_instances_use_their_pools_template(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for ref in all_nodes(cluster):
        inst = run.named(ref.hostname, INSTANCE)
        lt = inst.inputs["launchTemplate"]
        assert lt["id"] == f"{cluster.name}-{ref.pool}-lt-id", f"{inst}: template {lt}"
        assert lt["version"] == "$Default", f"{inst}: template version {lt}"


def test_user_data_carries_the_hostname_and_no_secret(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    for inst in run.of_type(INSTANCE):
        data = inst.inputs["userData"]
        assert data.startswith("#cloud-config\n"), f"{inst}: user data {data!r}"
        assert f"hostname: {inst.name}\n" in data, f"{inst}: user data {data!r}"
        for word in ("password", "secret", "key", "token"):
            assert word not in data.lower(), f"{inst}: user data mentions {word}"


def test_images_come_from_one_ssm_lookup(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    lookups = [c for c in run.calls if c.token == "aws:ssm/getParameter:getParameter"]
    assert [c.args["name"] for c in lookups] == [UBUNTU_2404]
    for lt in run.of_type(TEMPLATE):
        assert lt.inputs["imageId"] == UBUNTU_AMI, f"{lt}: image {lt.inputs.get('imageId')}"


# --- EFA, placement, reservations -------------------------------------------------------------


def test_efa_interfaces_follow_the_catalog(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    efa_pools = [p for p in cluster.pools if p.efa]
    assert efa_pools
    for pool in efa_pools:
        lt = template_of(run, cluster, pool.name)
        nics = lt.inputs["networkInterfaces"]
        want = catalog.instance_type(pool.instance_type or "").efa_interfaces
        assert len(nics) == want, f"{lt}: {len(nics)} interfaces, catalog says {want}"
        first = nics[0]
        assert (first["deviceIndex"], first["networkCardIndex"]) == (0, 0), f"{lt}: {first}"
        assert first["interfaceType"] == "efa", f"{lt}: first interface {first}"
        for card, nic in enumerate(nics):
            assert nic["networkCardIndex"] == card, f"{lt}: interface {card} is {nic}"
            if card:
                assert nic["deviceIndex"] == 1, f"{lt}: interface {card} is {nic}"
                assert nic["interfaceType"] == "efa-only", f"{lt}: interface {card} is {nic}"
            groups = set(nic["securityGroups"])
            assert groups == {sg_id(cluster, "gpu"), sg_id(cluster, f"efa-{pool.name}")}, (
                f"{lt}: interface {card} groups {groups}"
            )
            private = subnet_id(run, cluster, cluster.networks[0].subnets[0].name)
            assert nic["subnetId"] == private, f"{lt}: interface {card} subnet {nic}"


def test_p5_has_32_efa_interfaces(p5: tuple[Cluster, Run]) -> None:
    cluster, run = p5
    lt = template_of(run, cluster, "gpu")
    assert len(lt.inputs["networkInterfaces"]) == 32, f"{lt}: p5.48xlarge carries 32 EFA"
    assert lt.inputs["instanceType"] == "p5.48xlarge", f"{lt}: {lt.inputs['instanceType']}"


def test_h200_has_the_catalogs_16_efa_interfaces(h200: tuple[Cluster, Run]) -> None:
    cluster, run = h200
    lt = template_of(run, cluster, "gpu")
    assert len(lt.inputs["networkInterfaces"]) == 16, f"{lt}: p5en.48xlarge carries 16 EFA"


def test_efa_pools_sit_in_a_cluster_placement_group(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for pool in (p for p in cluster.pools if p.efa):
        pg = run.named(f"{cluster.name}-{pool.name}-placement")
        assert pg.inputs["strategy"] == "cluster", f"{pg}: strategy {pg.inputs['strategy']}"
        lt = template_of(run, cluster, pool.name)
        assert lt.inputs["placement"]["groupName"] == f"{pg.name}-pg", f"{lt}: placement"
    groups = run.of_type("aws:ec2/placementGroup:PlacementGroup")
    assert len(groups) == sum(1 for p in cluster.pools if p.efa and p.count > 1)


def test_capacity_reservation_reaches_the_template(h200: tuple[Cluster, Run]) -> None:
    cluster, run = h200
    lt = template_of(run, cluster, "gpu")
    spec = lt.inputs["capacityReservationSpecification"]
    target = spec["capacityReservationTarget"]["capacityReservationId"]
    assert target == "cr-0a1b2c3d4e5f60718", f"{lt}: reservation {spec}"
    assert "instanceMarketOptions" not in lt.inputs, f"{lt}: a cr- id is not a capacity block"
    login = template_of(run, cluster, "login")
    assert "capacityReservationSpecification" not in login.inputs, f"{login}: reservation"


# --- network ----------------------------------------------------------------------------------


def test_subnets_are_exactly_the_specs(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    subnets = run.of_type(SUBNET)
    assert len(subnets) == len(cluster.networks[0].subnets)
    for spec in cluster.networks[0].subnets:
        sub = run.named(f"{cluster.name}-vpc-subnet-{spec.name}", SUBNET)
        assert sub.inputs["cidrBlock"] == str(spec.cidr), f"{sub}: cidr {sub.inputs}"
        assert sub.inputs["availabilityZone"] == spec.zone, f"{sub}: zone {sub.inputs}"
        assert sub.inputs["mapPublicIpOnLaunch"] is False, f"{sub}: hands out public IPs"
        assert tags_of(sub)["aidc:tier"] == ("public" if spec.public else "private"), f"{sub}"


def test_private_subnets_route_through_a_nat_in_their_zone(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    net = cluster.networks[0]
    zones = sorted({s.zone or "" for s in net.subnets if s.public})
    nats = run.of_type("aws:ec2/natGateway:NatGateway")
    assert sorted(n.name for n in nats) == sorted(f"{cluster.name}-vpc-nat-{z}" for z in zones)
    for nat in nats:
        zone = nat.name.removeprefix(f"{cluster.name}-vpc-nat-")
        in_zone = [s for s in net.subnets if s.public and s.zone == zone]
        assert nat.inputs["subnetId"] == subnet_id(run, cluster, in_zone[0].name), f"{nat}"
        assert nat.inputs["allocationId"] == f"{nat.name}-eip-id", f"{nat}: EIP"
    for private_zone in {s.zone for s in net.subnets if not s.public}:
        zone = private_zone or ""
        route = run.named(f"{cluster.name}-vpc-rt-private-{zone}-default")
        assert route.inputs["natGatewayId"] == f"{cluster.name}-vpc-nat-{zone}-id", f"{route}"
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0", f"{route}"
    public = run.named(f"{cluster.name}-vpc-rt-public-default")
    assert public.inputs["gatewayId"] == f"{cluster.name}-vpc-igw-id", f"{public}: via IGW"


def test_s3_gateway_endpoint_serves_every_route_table(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    ep = run.named(f"{cluster.name}-vpc-s3", "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert ep.inputs["vpcEndpointType"] == "Gateway", f"{ep}: {ep.inputs}"
    assert ep.inputs["serviceName"] == f"com.amazonaws.{cluster.region}.s3", f"{ep}"
    tables = {f"{r.name}-id" for r in run.of_type("aws:ec2/routeTable:RouteTable")}
    assert set(ep.inputs["routeTableIds"]) == tables, f"{ep}: route tables"


def test_flow_logs_go_to_a_log_group_through_a_least_privilege_role(
    stack: tuple[Cluster, Run],
) -> None:
    cluster, run = stack
    flow = run.named(f"{cluster.name}-vpc-flow-log", "aws:ec2/flowLog:FlowLog")
    group = run.named(f"{cluster.name}-vpc-flow-logs", "aws:cloudwatch/logGroup:LogGroup")
    group_arn = f"arn:aws:mock:us-east-1:123456789012:LogGroup/{group.name}"
    assert flow.inputs["trafficType"] == "ALL", f"{flow}: {flow.inputs}"
    assert flow.inputs["logDestination"] == group_arn, f"{flow}: destination"
    assert flow.inputs["vpcId"] == f"{cluster.name}-vpc-vpc-id", f"{flow}: vpc"
    policy = run.named(f"{cluster.name}-vpc-flow-logs-policy")
    doc = json.loads(policy.inputs["policy"])
    for statement in doc["Statement"]:
        actions = statement["Action"]
        assert all("*" not in a for a in actions), f"{policy}: wildcard action {actions}"
        for res in statement["Resource"]:
            assert res.startswith(group_arn), f"{policy}: resource {res} outside the log group"
    trust = json.loads(run.named(f"{cluster.name}-vpc-flow-logs-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}


def test_default_security_group_is_emptied(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    (sg,) = run.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not sg.inputs.get("ingress") and not sg.inputs.get("egress"), f"{sg}: has rules"


# --- identity ---------------------------------------------------------------------------------


def test_instance_profiles_carry_ssm_core_only(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    attachments = run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert len(attachments) == len(cluster.pools)
    for att in attachments:
        assert att.inputs["policyArn"] == SSM_CORE, f"{att}: {att.inputs['policyArn']}"
    inline = [p.name for p in run.of_type("aws:iam/rolePolicy:RolePolicy")]
    assert inline == [f"{cluster.name}-vpc-flow-logs-policy"], "node roles have inline policies"
    for pool in cluster.pools:
        role = run.named(f"{cluster.name}-{pool.name}-role")
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}, f"{role}"
        lt = template_of(run, cluster, pool.name)
        profile_arn = lt.inputs["iamInstanceProfile"]["arn"]
        assert profile_arn.endswith(f"/{cluster.name}-{pool.name}-profile"), f"{lt}: profile"


# --- structure --------------------------------------------------------------------------------


def test_children_are_parented_and_prefixed_by_their_component(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    components = {r.urn: r for r in run.resources if not r.custom}
    assert components
    for comp in components.values():
        assert comp.type.startswith("aidc:aws:"), f"{comp}: type token"
    for res in run.custom:
        if res.type.startswith("pulumi:providers:"):
            continue
        parent = components.get(res.parent)
        assert parent is not None, f"{res}: not parented by a component"
        assert res.name.startswith(parent.name), f"{res}: name lacks prefix {parent.name}"


def test_every_taggable_resource_carries_the_cluster_tags(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for res in run.custom:
        if res.type in UNTAGGED or res.type.startswith("pulumi:providers:"):
            continue
        tags = tags_of(res)
        assert tags.get("aidc:cluster") == cluster.name, f"{res}: tags {tags}"
        for key, value in cluster.tags.items():
            assert tags.get(key) == value, f"{res}: spec tag {key} missing ({tags})"


def test_provider_pins_the_specs_region(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    (provider,) = [r for r in run.resources if r.type == "pulumi:providers:aws"]
    assert provider.inputs["region"] == cluster.region, f"{provider}: {provider.inputs}"


# --- stack outputs ----------------------------------------------------------------------------


def test_outputs_list_every_node_with_its_private_address(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    out = run.outputs
    assert out["target"] == "aws"
    subnets = {s.name: s for s in cluster.networks[0].subnets}
    by_name = {n["name"]: n for n in out["nodes"]}
    assert sorted(by_name) == sorted(n.hostname for n in all_nodes(cluster))
    for ref in all_nodes(cluster):
        node = by_name[ref.hostname]
        inst = run.named(ref.hostname, INSTANCE)
        assert node["pool"] == ref.pool and node["roles"] == list(ref.roles)
        assert node["ssh_user"] == "ubuntu"
        assert node["addresses"] == {"vpc": node["ansible_host"]}
        address = ipaddress.IPv4Address(node["ansible_host"])
        inside = [s for s in subnets.values() if address in s.cidr]
        assert inside, f"{inst}: {address} outside every subnet"
        assert inside[0].public == ("login" in ref.roles), f"{inst}: in subnet {inside[0].name}"


def test_private_nodes_jump_through_the_login_node(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    nodes = run.outputs["nodes"]
    (login,) = [n for n in nodes if "login" in n["roles"]]
    assert "jump_host" not in login and login["public_ip"]
    for node in nodes:
        if node is not login:
            assert node["jump_host"] == f"ubuntu@{login['public_ip']}", node
            assert "public_ip" not in node
    assert run.outputs["endpoints"]["jump_host"] == f"ubuntu@{login['public_ip']}"
    assert run.outputs["endpoints"]["access"] == "login"


def test_cluster_vars_come_from_the_shared_builder(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    parsed = parse_outputs(run.outputs)
    nodes = run.outputs["nodes"]
    got = run.outputs["cluster_vars"]
    flows = got["aidc_firewall_flows"]
    shared = cluster_vars(
        cluster,
        parsed.nodes,
        parsed.cluster_vars.aidc_firewall_flows,
        [str(c) for c in cluster.firewall.admin_cidrs],
    )
    # What nodes mount comes from the file systems AWS serves (test_aws_filesystems.py).
    sources = {fs.name: fs.source for fs in parsed.cluster_vars.aidc_filesystems}
    mounted = filesystem_vars(cluster, parsed.nodes, sources)
    assert parsed.cluster_vars == shared.model_copy(update={"aidc_filesystems": mounted})
    assert got["aidc_target"] == "aws"
    assert sorted(got["aidc_monitoring_targets"]) == sorted(n["ansible_host"] for n in nodes)
    assert len(flows) == len(effective_flows(cluster))
    for flow, spec in zip(flows, effective_flows(cluster), strict=True):
        sources = [n["ansible_host"] for n in nodes if spec.source in n["roles"]]
        assert flow["sources"] == sources and flow["description"] == spec.description


def test_ceph_monitors_are_the_storage_nodes(p5: tuple[Cluster, Run]) -> None:
    _, run = p5
    storage = [n["ansible_host"] for n in run.outputs["nodes"] if "storage" in n["roles"]]
    assert run.outputs["cluster_vars"]["aidc_ceph_mon_hosts"] == storage[:3]


def test_networks_and_buckets_outputs(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    (net,) = run.outputs["networks"]
    assert net["vpc_id"] == f"{cluster.name}-vpc-vpc-id"
    assert [s["name"] for s in net["subnets"]] == [s.name for s in cluster.networks[0].subnets]
    assert all(s["id"].endswith("-id") for s in net["subnets"])
    buckets = run.outputs["buckets"]
    assert [b["name"] for b in buckets] == [b.name for b in cluster.storage.buckets]
    assert run.outputs["endpoints"]["s3_gateway_endpoint"] == f"{cluster.name}-vpc-s3-id"


def test_storage_on_local_nvme_needs_no_volumes(p5: tuple[Cluster, Run]) -> None:
    cluster, run = p5
    assert catalog.instance_type("i4i.4xlarge").local_nvme_gb > 0
    pool = run.named(f"{cluster.name}-storage")
    assert pool.type == "aidc:aws:StoragePool", f"{pool}: type"
    assert not run.of_type("aws:ebs/volume:Volume"), "volumes on a local-NVMe storage pool"


def test_pool_component_types(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for pool in cluster.pools:
        comp = run.named(f"{cluster.name}-{pool.name}")
        want = "aidc:aws:GpuPool" if "gpu" in pool.roles else "aidc:aws:NodePool"
        if cluster.storage.ceph and cluster.storage.ceph.osd_pool == pool.name:
            want = "aidc:aws:StoragePool"
        assert comp.type == want, f"{comp}: {comp.type}"


def test_firewall_summary_is_exported(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    fw: dict[str, Any] = run.outputs["firewall"]
    assert fw["default"].startswith("deny")
    assert all(r["description"] for r in fw["rules"])
    assert fw["groups"]["gpu"].endswith("-firewall-gpu-id")


def test_s3_prefix_list_comes_from_the_endpoint(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    s3_rules = [
        r
        for r in run.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.inputs.get("prefixListId")
    ]
    assert s3_rules
    for rule in s3_rules:
        assert rule.inputs["prefixListId"] == S3_PREFIX_LIST, f"{rule}"
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"]) == ("tcp", 443), f"{rule}"


def test_the_inventory_builder_reads_the_outputs(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    inv = build_inventory(run.outputs)
    assert sorted(inv.groups["aidc"]) == sorted(n.hostname for n in all_nodes(cluster))
    login = next(n for n in run.outputs["nodes"] if "login" in n["roles"])
    for name, hv in inv.hostvars.items():
        assert hv["ansible_user"] == "ubuntu"
        if name == login["name"]:
            assert "ansible_ssh_common_args" not in hv
        else:
            want = f"-o ProxyJump=ubuntu@{login['public_ip']}"
            assert hv["ansible_ssh_common_args"] == want, name
    assert inv.groupvars["aidc_cluster_name"] == cluster.name
