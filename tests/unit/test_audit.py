"""`aidc audit --target aws` against a local moto server (127.0.0.1 only, fake credentials),
seeded with a compliant cluster and then with non-compliant resources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from aidc.audit import audit_aws, exit_code
from aidc.audit.aws import collect_aws
from aidc.cli.main import main
from aidc.policy import filesystems
from tests.unit.test_policy_validators import TLS_ONLY

REGION = "us-east-1"
CLUSTER = "audit"


def tags(**extra: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in {"aidc:cluster": CLUSTER, **extra}.items()]


@pytest.fixture()
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto keeps its state in the process, not in the server: start each test from nothing.
    requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
    try:
        yield url
    finally:
        server.stop()


def clients(url: str) -> tuple[Any, Any, Any]:
    session = boto3.session.Session(region_name=REGION)
    return session, session.client("ec2", endpoint_url=url), session.client("s3", endpoint_url=url)


def seed_compliant(url: str) -> dict[str, str]:
    _, ec2, s3 = clients(url)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=tags())
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName="/aidc/audit/vpc",
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
    )
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="gpu", Description="gpu nodes", VpcId=vpc)["GroupId"]
    ec2.create_tags(Resources=[sg], Tags=tags())
    # AWS gives a new group allow-all egress; aidc removes it.
    ec2.revoke_security_group_egress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "ssh from the login node"}],
            }
        ],
    )
    ec2.authorize_security_group_egress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "to the VPC"}],
            }
        ],
    )
    instance = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="m7i.2xlarge",
        SubnetId=subnet,
        SecurityGroupIds=[sg],
        MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
        BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 50, "Encrypted": True}}
        ],
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags(**{"aidc:roles": "gpu"})}],
    )["Instances"][0]["InstanceId"]
    bucket = "audit-checkpoints"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(
        Bucket=bucket, Tagging={"TagSet": tags(**{"aidc:purpose": "checkpoints"})}
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    return {"vpc": vpc, "subnet": subnet, "sg": sg, "instance": instance, "bucket": bucket}


def test_a_compliant_cluster_has_no_finding(endpoint: str) -> None:
    seed_compliant(endpoint)
    session, _, _ = clients(endpoint)
    findings = audit_aws(session, cluster=CLUSTER, endpoint_url=endpoint)
    assert [(f.rule_id, f.message) for f in findings] == []
    assert exit_code(findings) == 0
    assert main(["audit", "--target", "aws", "--endpoint-url", endpoint, "--region", REGION]) == 0


def test_non_compliant_resources_are_reported_by_rule_id(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed_compliant(endpoint)
    _, ec2, s3 = clients(endpoint)
    ec2.authorize_security_group_ingress(
        GroupId=ids["sg"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="p5.48xlarge",
        SubnetId=ids["subnet"],
        MetadataOptions={"HttpTokens": "optional", "HttpPutResponseHopLimit": 2},
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags(**{"aidc:roles": "gpu"})}],
    )
    s3.create_bucket(Bucket="audit-open")
    s3.put_bucket_tagging(
        Bucket="audit-open", Tagging={"TagSet": tags(**{"aidc:purpose": "checkpoints"})}
    )
    vpc2 = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc2], Tags=tags())

    code = main(
        ["audit", "--target", "aws", "--endpoint-url", endpoint, "--region", REGION, "--json"]
    )
    assert code == 3
    found = {(f["rule_id"], f["message"]) for f in json.loads(capsys.readouterr().out)}
    assert ("AIDC-NET-001", "ingress tcp 22 from 0.0.0.0/0 opens SSH (22) to the world") in found
    assert ("AIDC-NET-004", "ingress tcp 22 rule has no description") in found
    assert ("AIDC-CMP-001", "metadata_options.http_tokens is optional, not required") in found
    assert ("AIDC-CMP-002", "metadata_options.http_put_response_hop_limit is 2, not 1") in found
    assert ("AIDC-STO-001", "bucket audit-open has no public access block") in found
    assert ("AIDC-STO-003", "checkpoint bucket audit-open does not enable versioning") in found
    assert any(rule == "AIDC-NET-006" for rule, _ in found)

    assert main(["audit", "--target", "aws", "--endpoint-url", endpoint, "--region", REGION]) == 3
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == [
        "rule",
        "name",
        "severity",
        "enforcement",
        "resource",
        "finding",
    ]
    rows = [line.split()[:4] for line in table.splitlines()[2:]]
    assert ["AIDC-NET-001", "ssh-not-open-to-world", "critical", "mandatory"] in rows


class EfaSession:
    """moto keeps no interface type: report the interfaces of p5 instances as EFA, as EC2
    would for interfaces launched with InterfaceType efa."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def client(self, name: str, **kwargs: Any) -> Any:
        client = self.session.client(name, **kwargs)
        if name != "ec2":
            return client
        describe = client.describe_instances

        def describe_instances(**kw: Any) -> Any:
            answer = describe(**kw)
            for reservation in answer["Reservations"]:
                for i in reservation["Instances"]:
                    for nic in i.get("NetworkInterfaces", []):
                        if i["InstanceType"].startswith("p5."):
                            nic["InterfaceType"] = "efa"
            return answer

        client.describe_instances = describe_instances
        return client


def test_deployed_resources_are_judged_by_what_they_are(endpoint: str) -> None:
    """No aidc role or group tag is needed: the EFA group is the one on an EFA interface, the
    subnet is private by its routes, the bucket is public by its policy."""
    ids = seed_compliant(endpoint)
    session, ec2, s3 = clients(endpoint)
    fabric = ec2.create_security_group(
        GroupName="fabric", Description="efa fabric", VpcId=ids["vpc"]
    )["GroupId"]
    ec2.create_tags(Resources=[fabric], Tags=tags())
    ec2.revoke_security_group_egress(
        GroupId=fabric,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    node = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="p5.48xlarge",
        NetworkInterfaces=[
            {
                "DeviceIndex": 0,
                "SubnetId": ids["subnet"],
                "Groups": [fabric],
                "InterfaceType": "efa",
            }
        ],
        MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
        BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 50, "Encrypted": True}}
        ],
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags()}],
    )["Instances"][0]["InstanceId"]
    ec2.modify_subnet_attribute(SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": True})
    s3.put_bucket_policy(
        Bucket=ids["bucket"],
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{ids['bucket']}/*",
                    }
                ],
            }
        ),
    )
    audit = audit_aws(EfaSession(session), cluster=CLUSTER, endpoint_url=endpoint)
    found = {(f.rule_id, f.message) for f in audit}
    assert (
        "AIDC-NET-007",
        f"EFA group {fabric} has no all-protocol self-referencing ingress rule",
    ) in found, found
    assert (
        "AIDC-NET-005",
        "map_public_ip_on_launch is true on a subnet with no route to an internet gateway",
    ) in found
    assert ("AIDC-STO-001", "bucket policy allows any principal (Principal *)") in found
    # The EFA node is in no placement group either.
    assert (
        "AIDC-CMP-006",
        f"instance {node} has EFA interfaces but no cluster placement group",
    ) in found
    assert {rule for rule, _ in found} == {
        "AIDC-NET-005",
        "AIDC-NET-007",
        "AIDC-CMP-006",
        "AIDC-STO-001",
    }


def seed_filesystems(url: str, ids: dict[str, str]) -> dict[str, str]:
    """An encrypted, TLS-only EFS file system with a mount target in the private subnet behind
    a group that admits NFS from the nodes' group, and a PERSISTENT_2 Lustre file system."""
    session, ec2, _ = clients(url)
    efs, fsx = session.client("efs", endpoint_url=url), session.client("fsx", endpoint_url=url)
    nfs = ec2.create_security_group(GroupName="nfs", Description="efs users", VpcId=ids["vpc"])
    ec2.create_tags(Resources=[nfs["GroupId"]], Tags=tags())
    ec2.revoke_security_group_egress(
        GroupId=nfs["GroupId"],
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.authorize_security_group_ingress(
        GroupId=nfs["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 2049,
                "ToPort": 2049,
                "UserIdGroupPairs": [{"GroupId": ids["sg"], "Description": "nfs from gpu nodes"}],
            }
        ],
    )
    fs = efs.create_file_system(
        CreationToken="audit-users", Encrypted=True, ThroughputMode="elastic", Tags=tags()
    )["FileSystemId"]
    efs.put_file_system_policy(FileSystemId=fs, Policy=json.dumps(TLS_ONLY))
    target = efs.create_mount_target(
        FileSystemId=fs, SubnetId=ids["subnet"], SecurityGroups=[nfs["GroupId"]]
    )["MountTargetId"]
    lustre = fsx.create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        StorageType="SSD",
        SubnetIds=[ids["subnet"]],
        SecurityGroupIds=[nfs["GroupId"]],
        LustreConfiguration={"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125},
        Tags=tags(),
    )["FileSystem"]["FileSystemId"]
    return {"efs": fs, "mount_target": target, "nfs": nfs["GroupId"], "lustre": lustre}


def test_private_encrypted_tls_only_file_systems_have_no_finding(endpoint: str) -> None:
    seed_filesystems(endpoint, seed_compliant(endpoint))
    session, _, _ = clients(endpoint)
    resources = collect_aws(session, cluster=CLUSTER, endpoint_url=endpoint)
    kinds = {r.type for r in resources}
    assert {filesystems.EFS, filesystems.EFS_POLICY, filesystems.MOUNT_TARGET} <= kinds
    assert filesystems.LUSTRE in kinds  # moto emulates FSx's DescribeFileSystems
    findings = audit_aws(session, cluster=CLUSTER, endpoint_url=endpoint)
    assert [(f.rule_id, f.message) for f in findings] == []


def test_file_systems_are_judged_as_deployed(endpoint: str) -> None:
    ids = seed_compliant(endpoint)
    shared = seed_filesystems(endpoint, ids)
    session, ec2, _ = clients(endpoint)
    efs, fsx = (
        session.client("efs", endpoint_url=endpoint),
        session.client("fsx", endpoint_url=endpoint),
    )
    plain = efs.create_file_system(CreationToken="audit-plain", Tags=tags())["FileSystemId"]
    # Any principal may mount it, from anywhere (TLS still required).
    allow, deny = TLS_ONLY["Statement"]
    anyone = {**TLS_ONLY, "Statement": [{**allow, "Condition": {}}, deny]}
    efs.put_file_system_policy(FileSystemId=shared["efs"], Policy=json.dumps(anyone))
    ec2.authorize_security_group_ingress(
        GroupId=shared["nfs"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 2049,
                "ToPort": 2049,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "nfs from anywhere"}],
            }
        ],
    )
    ec2.modify_subnet_attribute(SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": True})
    fsx.create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        SubnetIds=["subnet-00000000000000000"],
        LustreConfiguration={"DeploymentType": "SCRATCH_1"},
        Tags=tags(),
    )
    found = {(f.rule_id, f.message) for f in audit_aws(session, CLUSTER, endpoint)}
    subnet = ids["subnet"]
    assert found == {
        # The subnet hands out public IPs now: a network finding as well as the file systems'.
        (
            "AIDC-NET-005",
            "map_public_ip_on_launch is true on a subnet with no route to an internet gateway",
        ),
        ("AIDC-STO-006", "EFS file system is not encrypted at rest (encrypted is not true)"),
        (
            "AIDC-STO-007",
            "EFS file system policy allows any principal (Principal *) without a condition "
            "that ties it to the VPC's mount targets or known callers",
        ),
        (
            "AIDC-STO-007",
            "ingress tcp 2049 from 0.0.0.0/0 opens NFS of an EFS mount target (port 2049) to "
            "the world",
        ),
        (
            "AIDC-STO-008",
            f"EFS mount target sits in subnet {subnet}, which gives public IPs to what launches "
            "in it",
        ),
        (
            "AIDC-STO-008",
            f"FSx file system sits in subnet {subnet}, which gives public IPs to what launches "
            "in it",
        ),
        (
            "AIDC-STO-009",
            f"EFS file system {plain} has no file system policy that denies access without TLS "
            "(aws:SecureTransport false)",
        ),
        (
            "AIDC-STO-009",
            "FSx for Lustre deployment type SCRATCH_1 does not encrypt data in transit",
        ),
    }
