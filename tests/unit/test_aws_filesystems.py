"""Shared file systems AWS serves (FSx for Lustre, EFS) from the spec's storage.filesystems,
under Pulumi's mocks: the spec's settings on the resources, the link to the datasets bucket,
mount targets in private subnets, security groups rule by rule, and what nodes mount in the
exported cluster variables."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.spec import Cluster, SpecError, filesystem_pools, load_spec
from aidc.targets.aws.filesystems import plan_filesystems
from aidc.targets.aws.layout import plan_layout
from tests.unit.aws_mocks import Run, fake_state, run_cluster, tags_of

STACKS = Path(__file__).resolve().parents[2] / "stacks"
LUSTRE = "aws:fsx/lustreFileSystem:LustreFileSystem"
LINK = "aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation"
EFS = "aws:efs/fileSystem:FileSystem"
MOUNT_TARGET = "aws:efs/mountTarget:MountTarget"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
LNET = [(988, 988), (1018, 1023)]


def raw(stack: str = "aws-h200") -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def build(spec: dict[str, Any]) -> tuple[Cluster, Run]:
    cluster, _ = load_spec(spec)
    return cluster, run_cluster(cluster)


@pytest.fixture(scope="module")
def h200() -> tuple[Cluster, Run]:
    return build(raw())


def fs_of(cluster: Cluster, kind: str) -> Any:
    (fs,) = [f for f in cluster.storage.filesystems if f.kind == kind]
    return fs


def subnet_id(cluster: Cluster, subnet: str) -> str:
    return f"{cluster.name}-{cluster.networks[0].name}-subnet-{subnet}-id"


def group_id(cluster: Cluster, group: str) -> str:
    return f"{cluster.name}-firewall-{group}-id"


def group_of(cluster: Cluster, value: str) -> str:
    return value.removeprefix(f"{cluster.name}-firewall-").removesuffix("-id")


def rules_on(run: Run, cluster: Cluster, kind: str, group: str) -> set[tuple[Any, ...]]:
    """(protocol, from, to, peer) of the rules of one kind on one group."""
    out = set()
    for r in run.of_type(kind):
        if group_of(cluster, r.inputs["securityGroupId"]) != group:
            continue
        i = r.inputs
        ref = i.get("referencedSecurityGroupId")
        peer = f"group:{group_of(cluster, ref)}" if ref else f"cidr:{i.get('cidrIpv4')}"
        out.add((i["ipProtocol"], i.get("fromPort"), i.get("toPort"), peer))
    return out


# --- FSx for Lustre ----------------------------------------------------------------------------


def test_lustre_is_persistent_2_with_the_specs_capacity_and_throughput(
    h200: tuple[Cluster, Run],
) -> None:
    cluster, run = h200
    spec = fs_of(cluster, "lustre")
    lustre = run.named(f"{cluster.name}-filesystems-{spec.name}", LUSTRE)
    i = lustre.inputs
    assert i["deploymentType"] == "PERSISTENT_2", f"{lustre}"
    assert i["storageCapacity"] == spec.capacity_gb == 2400, f"{lustre}"
    assert i["perUnitStorageThroughput"] == spec.throughput_mb_per_tib == 250, f"{lustre}"
    assert i["storageType"] == "SSD" and i["fileSystemTypeVersion"] == "2.15", f"{lustre}"
    # Encrypted at rest with the service's key: the spec names none, so none is passed.
    assert "kmsKeyId" not in i, f"{lustre}"
    assert i["securityGroupIds"] == [group_id(cluster, f"fs-{spec.name}")], f"{lustre}"
    # The GPU pool (EFA) sits in the first private subnet: the file system goes beside it.
    assert i["subnetIds"] == subnet_id(cluster, "private-a"), f"{lustre}"
    tags = tags_of(lustre)
    assert tags["aidc:cluster"] == cluster.name and tags["aidc:filesystem"] == spec.name
    assert all(tags[k] == v for k, v in cluster.tags.items()), f"{lustre}: {tags}"


def test_lustre_capacity_defaults_to_1200_gb() -> None:
    spec = raw()
    lustre = next(f for f in spec["storage"]["filesystems"] if f["kind"] == "lustre")
    del lustre["capacity_gb"]
    _, run = build(spec)
    (fs,) = run.of_type(LUSTRE)
    assert fs.inputs["storageCapacity"] == 1200, f"{fs}"


def test_lustre_is_linked_to_the_datasets_bucket(h200: tuple[Cluster, Run]) -> None:
    cluster, run = h200
    (datasets,) = [b for b in cluster.storage.buckets if b.purpose == "datasets"]
    (link,) = run.of_type(LINK)
    name = fs_of(cluster, "lustre").name
    i = link.inputs
    assert i["fileSystemId"] == f"{cluster.name}-filesystems-{name}-id", f"{link}"
    assert i["dataRepositoryPath"] == f"s3://{datasets.name}/", f"{link}"
    assert i["fileSystemPath"] == f"/{datasets.name}", f"{link}"
    assert i["batchImportMetaDataOnCreate"] is True, f"{link}"
    assert i["deleteDataInFilesystem"] is False, f"{link}"
    assert i["s3"] == {
        "autoImportPolicy": {"events": ["NEW", "CHANGED", "DELETED"]},
        # Deleting a file on the file system never deletes the dataset of record.
        "autoExportPolicy": {"events": ["NEW", "CHANGED"]},
    }, f"{link}"


def test_the_specs_data_repository_bucket_wins_and_no_bucket_means_no_link() -> None:
    spec = raw()
    lustre = next(f for f in spec["storage"]["filesystems"] if f["kind"] == "lustre")
    lustre["data_repository_bucket"] = "h200-training-checkpoints"
    _, run = build(spec)
    (link,) = run.of_type(LINK)
    assert link.inputs["dataRepositoryPath"] == "s3://h200-training-checkpoints/", f"{link}"

    spec = raw()
    spec["storage"]["buckets"] = [
        b for b in spec["storage"]["buckets"] if b["purpose"] != "datasets"
    ]
    _, run = build(spec)
    assert run.of_type(LUSTRE) and not run.of_type(LINK)


# --- EFS ---------------------------------------------------------------------------------------


def test_efs_is_encrypted_elastic_and_tiers_cold_files(h200: tuple[Cluster, Run]) -> None:
    cluster, run = h200
    name = fs_of(cluster, "efs").name
    efs = run.named(f"{cluster.name}-filesystems-{name}", EFS)
    i = efs.inputs
    assert i["encrypted"] is True, f"{efs}"
    assert i["performanceMode"] == "generalPurpose" and i["throughputMode"] == "elastic"
    assert i["lifecyclePolicies"] == [
        {"transitionToIa": "AFTER_30_DAYS"},
        {"transitionToPrimaryStorageClass": "AFTER_1_ACCESS"},
    ], f"{efs}"
    assert i["creationToken"] == f"{cluster.name}-{name}", f"{efs}"
    assert tags_of(efs)["aidc:cluster"] == cluster.name, f"{efs}"
    backup = run.named(f"{cluster.name}-filesystems-{name}-backup")
    assert backup.inputs["backupPolicy"] == {"status": "ENABLED"}, f"{backup}"


def test_efs_has_a_mount_target_in_a_private_subnet_of_each_client_zone(
    h200: tuple[Cluster, Run],
) -> None:
    cluster, run = h200
    fs = fs_of(cluster, "efs")
    layout = plan_layout(cluster)
    zones = {s.zone for p in filesystem_pools(cluster, fs) for s in layout.pool(p.name).subnets}
    targets = run.of_type(MOUNT_TARGET)
    private = {s.name: s for s in cluster.networks[0].subnets if not s.public}
    by_id = {subnet_id(cluster, name): s for name, s in private.items()}
    placed = [by_id[t.inputs["subnetId"]] for t in targets]
    # The login node sits in a public subnet: its zone is served from the private one there.
    assert sorted(s.zone for s in placed) == sorted(zones), [str(t) for t in targets]
    for t in targets:
        assert t.inputs["fileSystemId"] == f"{cluster.name}-filesystems-{fs.name}-id", f"{t}"
        assert t.inputs["securityGroups"] == [group_id(cluster, f"fs-{fs.name}")], f"{t}"


def test_efs_policy_admits_mount_targets_only_and_refuses_plain_nfs(
    h200: tuple[Cluster, Run],
) -> None:
    cluster, run = h200
    name = fs_of(cluster, "efs").name
    policy = run.named(f"{cluster.name}-filesystems-{name}-policy")
    assert policy.inputs["fileSystemId"] == f"{cluster.name}-filesystems-{name}-id"
    arn = fake_state(EFS, f"{cluster.name}-filesystems-{name}", {})["arn"]
    allow, deny = json.loads(policy.inputs["policy"])["Statement"]
    assert allow["Effect"] == "Allow" and allow["Resource"] == arn
    assert allow["Condition"] == {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}
    assert set(allow["Action"]) == {
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
        "elasticfilesystem:ClientRootAccess",
    }
    assert deny == {
        "Sid": "DenyPlainNfs",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "*",
        "Resource": arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


# --- security groups ---------------------------------------------------------------------------


def test_each_file_system_has_its_own_group_with_exactly_its_ports(
    h200: tuple[Cluster, Run],
) -> None:
    cluster, run = h200
    vpc = str(cluster.networks[0].cidr)
    for fs in cluster.storage.filesystems:
        group = f"fs-{fs.name}"
        (sg,) = [g for g in run.of_type(SG) if g.name == f"{cluster.name}-firewall-{group}"]
        assert fs.kind in sg.inputs["description"] and fs.name in sg.inputs["description"]
        clients = {p.role for p in filesystem_pools(cluster, fs)}
        assert clients == {"login", "gpu"}
        ports = LNET if fs.kind == "lustre" else [(2049, 2049)]
        want_in = {("tcp", low, high, f"group:{r}") for low, high in ports for r in clients}
        want_out: set[tuple[Any, ...]] = set()
        if fs.kind == "lustre":
            want_in |= {("tcp", low, high, f"group:{group}") for low, high in ports}
            want_out = {("tcp", low, high, f"cidr:{vpc}") for low, high in ports}
        assert rules_on(run, cluster, INGRESS, group) == want_in, group
        assert rules_on(run, cluster, EGRESS, group) == want_out, group


def test_lustre_clients_admit_their_servers_and_nothing_admits_the_world(
    h200: tuple[Cluster, Run],
) -> None:
    cluster, run = h200
    lustre = f"fs-{fs_of(cluster, 'lustre').name}"
    for role in ("login", "gpu"):
        from_servers = {
            r for r in rules_on(run, cluster, INGRESS, role) if r[3] == f"group:{lustre}"
        }
        assert from_servers == {("tcp", low, high, f"group:{lustre}") for low, high in LNET}
    efs = f"fs-{fs_of(cluster, 'efs').name}"
    for rule in run.of_type(INGRESS) + run.of_type(EGRESS):
        if efs in rule.inputs.get("referencedSecurityGroupId", ""):
            raise AssertionError(f"{rule}: EFS never opens connections to its clients")
    for rule in run.of_type(INGRESS):
        assert rule.inputs.get("cidrIpv4") != "0.0.0.0/0", f"{rule}"


# --- what nodes mount ---------------------------------------------------------------------------


def test_cluster_vars_carry_what_each_node_mounts(h200: tuple[Cluster, Run]) -> None:
    cluster, run = h200
    exported = {f["name"]: f for f in run.outputs["cluster_vars"]["aidc_filesystems"]}
    nodes = run.outputs["nodes"]
    for fs in cluster.storage.filesystems:
        got = exported[fs.name]
        res = f"{cluster.name}-filesystems-{fs.name}"
        state = fake_state(LUSTRE if fs.kind == "lustre" else EFS, res, {})
        if fs.kind == "lustre":
            assert got["source"] == f"{state['dnsName']}@tcp:/{state['mountName']}", got
        else:
            assert got["source"] == f"{state['dnsName']}:/", got
        assert got["kind"] == fs.kind and got["mount_path"] == fs.mount_path
        pools = {p.name for p in filesystem_pools(cluster, fs)}
        assert got["clients"] == [n["name"] for n in nodes if n["pool"] in pools], got


def test_a_stack_without_served_file_systems_has_no_file_system_component() -> None:
    _, run = build(raw("aws-p5"))
    assert not [r for r in run.resources if r.type == "aidc:aws:FileSystems"]
    assert not run.of_type(LUSTRE) and not run.of_type(EFS)
    assert not [g for g in run.of_type(SG) if "-firewall-fs-" in g.name]


def test_the_file_systems_are_children_of_their_component(h200: tuple[Cluster, Run]) -> None:
    _, run = h200
    (component,) = [r for r in run.resources if r.type == "aidc:aws:FileSystems"]
    below = {r.type for r in run.descendants(component.urn)}
    assert {LUSTRE, LINK, EFS, MOUNT_TARGET} <= below


# --- what the aws target refuses ----------------------------------------------------------------


def problems(spec: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    return [str(p) for p in caught.value.problems]


def test_lustre_and_efs_need_a_private_subnet() -> None:
    spec = raw()
    spec["networks"][0]["subnets"] = [s for s in spec["networks"][0]["subnets"] if s.get("public")]
    found = problems(spec)
    for i, fs in enumerate(spec["storage"]["filesystems"]):
        assert (
            f"storage.filesystems[{i}].kind: {fs['kind']} needs a private subnet in network "
            "'vpc', where its clients run (its interfaces never sit in a public subnet); add a "
            "subnet with public false"
        ) in found, found


def test_efs_needs_a_private_subnet_in_every_zone_its_clients_use() -> None:
    spec = raw()
    spec["networks"][0]["subnets"] = [
        s for s in spec["networks"][0]["subnets"] if s["name"] != "private-b"
    ]
    spec["pools"][0]["count"] = 2  # the second login node lands in public-b (us-east-1b)
    found = problems(spec)
    assert found == [
        "networks[0].subnets: has no private subnet in zone us-east-1b, where pool 'login' "
        "mounts EFS file system 'users' (storage.filesystems[1]); EFS serves a zone from a "
        "mount target in a private subnet of that zone: add one"
    ], found
    # Clients only in zones with a private subnet: accepted.
    spec["storage"]["filesystems"][1]["pools"] = ["gpu"]
    load_spec(spec)


def test_efs_has_no_directory_quotas() -> None:
    spec = raw()
    spec["storage"]["filesystems"][1]["quotas"] = [{"path": "alice", "max_mb": 100000}]
    assert problems(spec) == [
        "storage.filesystems[1].quotas: EFS has no directory quotas; remove them, or use kind "
        "lustre or cephfs"
    ]


def test_the_plan_is_a_function_of_the_spec(h200: tuple[Cluster, Run]) -> None:
    cluster, _ = h200
    plans = {p.fs.name: p for p in plan_filesystems(cluster, plan_layout(cluster))}
    assert [s.name for s in plans["training"].subnets] == ["private-a"]
    assert plans["training"].bucket == "h200-training-datasets"
    assert [s.name for s in plans["users"].subnets] == ["private-a", "private-b"]
    assert plans["users"].bucket is None
