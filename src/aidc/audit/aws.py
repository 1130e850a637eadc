"""Audit a deployed aws cluster with the same rule IDs the CrossGuard pack uses.

Deployed resources are read with boto3 and turned into the shape of the pulumi_aws resources
the rules judge, each with its AWS id (a security group with inline rules, an instance with its
network interfaces, subnets and route tables, a bucket and its configuration naming the bucket,
an EFS file system with its policy and mount targets, an FSx file system), then
`aidc.policy.registry.evaluate` runs the same rules over them. References resolve by id,
as they do in a Pulumi stack: one implementation per rule, one meaning per finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from aidc.policy import compute, filesystems, network, storage
from aidc.policy.catalog import load as load_rules
from aidc.policy.registry import Res, evaluate

CLUSTER_TAG = "aidc:cluster"
# The rules a deployed account can answer (the others judge templates, spec or IAM JSON).
AUDITED = (
    "AIDC-NET-001",
    "AIDC-NET-002",
    "AIDC-NET-003",
    "AIDC-NET-004",
    "AIDC-NET-005",
    "AIDC-NET-006",
    "AIDC-NET-007",
    "AIDC-CMP-001",
    "AIDC-CMP-002",
    "AIDC-CMP-003",
    "AIDC-CMP-004",
    "AIDC-CMP-006",
    "AIDC-STO-001",
    "AIDC-STO-002",
    "AIDC-STO-003",
    "AIDC-STO-004",
    "AIDC-STO-006",
    "AIDC-STO-007",
    "AIDC-STO-008",
    "AIDC-STO-009",
)
EXIT_MANDATORY = 3


@dataclass(frozen=True)
class AuditFinding:
    rule_id: str
    name: str
    severity: str
    enforcement: str
    resource: str
    message: str


def _tags(raw: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in raw or ()}


def _mine(tags: Mapping[str, str], cluster: str | None) -> bool:
    return CLUSTER_TAG in tags and (cluster is None or tags[CLUSTER_TAG] == cluster)


def _perms(group: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """One inline rule per peer, so each keeps its own description (as aidc declares them)."""
    out = []
    for p in group.get(key, []):
        base = {
            "protocol": p.get("IpProtocol", "-1"),
            "fromPort": p.get("FromPort", 0),
            "toPort": p.get("ToPort", 65535),
        }
        for r in p.get("IpRanges", []):
            out.append({**base, "cidrBlocks": [r["CidrIp"]], "description": r.get("Description")})
        for r in p.get("Ipv6Ranges", []):
            out.append(
                {**base, "ipv6CidrBlocks": [r["CidrIpv6"]], "description": r.get("Description")}
            )
        for r in p.get("UserIdGroupPairs", []):
            out.append(
                {
                    **base,
                    "self": r.get("GroupId") == group["GroupId"],
                    "securityGroups": [r.get("GroupId")] if r.get("GroupId") else [],
                    "description": r.get("Description"),
                }
            )
        for r in p.get("PrefixListIds", []):
            out.append(
                {**base, "prefixListIds": [r["PrefixListId"]], "description": r.get("Description")}
            )
    return out


def collect_aws(
    session: Any, cluster: str | None = None, endpoint_url: str | None = None
) -> list[Res]:
    """The cluster's deployed resources (tagged aidc:cluster) as rule inputs."""
    ec2 = session.client("ec2", endpoint_url=endpoint_url)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    out: list[Res] = []

    for g in ec2.describe_security_groups()["SecurityGroups"]:
        tags = _tags(g.get("Tags"))
        if _mine(tags, cluster):
            props = {
                "description": g.get("Description"),
                "ingress": _perms(g, "IpPermissions"),
                "egress": _perms(g, "IpPermissionsEgress"),
                "tags": tags,
            }
            out.append(Res(network.SG, g["GroupId"], props, g["GroupId"], id=g["GroupId"]))

    out += _instances(ec2, cluster)
    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if _mine(_tags(v.get("Tags")), cluster)]
    out += _networks(ec2, [v["VpcId"] for v in vpcs])
    flow_logs = ec2.describe_flow_logs()["FlowLogs"]
    for vpc in vpcs:
        tags = _tags(vpc.get("Tags"))
        out.append(Res(network.VPC, vpc["VpcId"], {"tags": tags}, vpc["VpcId"], id=vpc["VpcId"]))
        out += [
            Res(network.FLOW_LOG, f["FlowLogId"], {"vpcId": f["ResourceId"], "tags": tags})
            for f in flow_logs
            if f.get("ResourceId") == vpc["VpcId"]
        ]

    for b in s3.list_buckets().get("Buckets", []):
        out += _bucket(s3, b["Name"], cluster)
    out += _efs(session.client("efs", endpoint_url=endpoint_url), cluster)
    out += _fsx(session.client("fsx", endpoint_url=endpoint_url), ec2, cluster)
    return out


def _efs(efs: Any, cluster: str | None) -> list[Res]:
    """EFS file systems, each with its file system policy and its mount targets (subnet and
    security groups), all naming the file system by id."""
    out: list[Res] = []
    for page in efs.get_paginator("describe_file_systems").paginate():
        for fs in page["FileSystems"]:
            tags = _tags(fs.get("Tags"))
            if not _mine(tags, cluster):
                continue
            fid = fs["FileSystemId"]
            props = {
                "arn": fs.get("FileSystemArn"),
                "encrypted": fs.get("Encrypted", False),
                "kmsKeyId": fs.get("KmsKeyId"),
                "performanceMode": fs.get("PerformanceMode"),
                "throughputMode": fs.get("ThroughputMode"),
                "tags": tags,
            }
            out.append(Res(filesystems.EFS, fid, props, fid, id=fid))
            policy = _call(efs.describe_file_system_policy, FileSystemId=fid)
            if policy is not None and policy.get("Policy"):
                props = {"fileSystemId": fid, "policy": policy["Policy"]}
                out.append(Res(filesystems.EFS_POLICY, f"{fid} policy", props, f"{fid}/policy"))
            for mt in efs.describe_mount_targets(FileSystemId=fid)["MountTargets"]:
                mid = mt["MountTargetId"]
                groups = efs.describe_mount_target_security_groups(MountTargetId=mid)
                props = {
                    "fileSystemId": fid,
                    "subnetId": mt.get("SubnetId"),
                    "securityGroups": groups.get("SecurityGroups", []),
                }
                out.append(Res(filesystems.MOUNT_TARGET, mid, props, mid, id=mid))
    return out


FSX_TYPES = dict(zip(("LUSTRE", "WINDOWS", "ONTAP", "OPENZFS"), filesystems.FSX, strict=True))


def _fsx(fsx: Any, ec2: Any, cluster: str | None) -> list[Res]:
    """FSx file systems with their subnets, security groups and (Lustre) deployment type."""
    out: list[Res] = []
    for page in fsx.get_paginator("describe_file_systems").paginate():
        for fs in page["FileSystems"]:
            tags = _tags(fs.get("Tags"))
            typ = FSX_TYPES.get(fs.get("FileSystemType", ""))
            if typ is None or not _mine(tags, cluster):
                continue
            fid = fs["FileSystemId"]
            props = {
                "arn": fs.get("ResourceARN"),
                "subnetIds": fs.get("SubnetIds", []),
                "securityGroupIds": _fsx_groups(ec2, fs),
                "tags": tags,
            }
            if typ == filesystems.LUSTRE:
                lustre = fs.get("LustreConfiguration") or {}
                props["deploymentType"] = lustre.get("DeploymentType")
            out.append(Res(typ, fid, props, fid, id=fid))
    return out


def _fsx_groups(ec2: Any, fs: Mapping[str, Any]) -> list[str]:
    """The security groups of an FSx file system: AWS reports them only on the network
    interfaces the file system made (an emulator may report the ids it was created with)."""
    nics = fs.get("NetworkInterfaceIds") or []
    if not nics:
        return list(fs.get("SecurityGroupIds") or [])
    found = ec2.describe_network_interfaces(NetworkInterfaceIds=nics)["NetworkInterfaces"]
    return sorted({g["GroupId"] for n in found for g in n.get("Groups", [])})


def _instances(ec2: Any, cluster: str | None) -> list[Res]:
    """Instances with their network interfaces (EFA ones name their groups), the placement
    groups they use, and their volumes."""
    out: list[Res] = []
    volume_ids: list[str] = []
    groups: set[str] = set()
    for reservation in ec2.describe_instances()["Reservations"]:
        for i in reservation["Instances"]:
            tags = _tags(i.get("Tags"))
            if not _mine(tags, cluster) or i.get("State", {}).get("Name") == "terminated":
                continue
            meta = i.get("MetadataOptions", {})
            nics = i.get("NetworkInterfaces", [])
            placement = i.get("Placement", {}).get("GroupName") or None
            if placement:
                groups.add(placement)
            props = {
                "instanceType": i.get("InstanceType"),
                "metadataOptions": {
                    "httpEndpoint": meta.get("HttpEndpoint"),
                    "httpTokens": meta.get("HttpTokens"),
                    "httpPutResponseHopLimit": meta.get("HttpPutResponseHopLimit"),
                },
                "associatePublicIpAddress": bool(i.get("PublicIpAddress")),
                "subnetId": i.get("SubnetId"),
                "placementGroup": placement,
                "networkInterfaces": [
                    {"networkInterfaceId": n["NetworkInterfaceId"]} for n in nics
                ],
                "tags": tags,
            }
            out.append(
                Res(compute.INSTANCE, i["InstanceId"], props, i["InstanceId"], id=i["InstanceId"])
            )
            for n in nics:
                eni = {
                    "interfaceType": n.get("InterfaceType", "interface"),
                    "securityGroups": [g["GroupId"] for g in n.get("Groups", [])],
                }
                nid = n["NetworkInterfaceId"]
                out.append(Res(network.ENI, nid, eni, nid, id=nid))
            volume_ids += [
                m["Ebs"]["VolumeId"] for m in i.get("BlockDeviceMappings", []) if "Ebs" in m
            ]
    if volume_ids:
        for v in ec2.describe_volumes(VolumeIds=volume_ids)["Volumes"]:
            props = {"encrypted": v.get("Encrypted", False), "tags": _tags(v.get("Tags"))}
            out.append(Res(compute.VOLUME, v["VolumeId"], props, v["VolumeId"], id=v["VolumeId"]))
    if groups:
        for pg in ec2.describe_placement_groups(GroupNames=sorted(groups))["PlacementGroups"]:
            props = {"name": pg["GroupName"], "strategy": pg.get("Strategy")}
            gid = pg.get("GroupId") or pg["GroupName"]
            out.append(Res(compute.PLACEMENT, pg["GroupName"], props, gid, id=gid))
    return out


def _networks(ec2: Any, vpc_ids: list[str]) -> list[Res]:
    """The cluster VPCs' subnets and route tables (routes, associations), so a subnet is public
    by its routes, as in a stack."""
    if not vpc_ids:
        return []
    where = [{"Name": "vpc-id", "Values": vpc_ids}]
    out: list[Res] = []
    for s in ec2.describe_subnets(Filters=where)["Subnets"]:
        props = {
            "vpcId": s["VpcId"],
            "mapPublicIpOnLaunch": s.get("MapPublicIpOnLaunch", False),
            "tags": _tags(s.get("Tags")),
        }
        out.append(Res(network.SUBNET, s["SubnetId"], props, s["SubnetId"], id=s["SubnetId"]))
    for t in ec2.describe_route_tables(Filters=where)["RouteTables"]:
        rid = t["RouteTableId"]
        routes = [
            {
                "cidrBlock": r.get("DestinationCidrBlock"),
                "ipv6CidrBlock": r.get("DestinationIpv6CidrBlock"),
                "gatewayId": r.get("GatewayId"),
            }
            for r in t.get("Routes", [])
        ]
        out.append(
            Res(network.ROUTE_TABLE, rid, {"vpcId": t["VpcId"], "routes": routes}, rid, id=rid)
        )
        for a in t.get("Associations", []):
            aid = a.get("RouteTableAssociationId", f"{rid}-main")
            if a.get("Main"):
                props = {"vpcId": t["VpcId"], "routeTableId": rid}
                out.append(Res(network.MAIN_RT_ASSOCIATION, aid, props, aid))
            elif a.get("SubnetId"):
                props = {"subnetId": a["SubnetId"], "routeTableId": rid}
                out.append(Res(network.RT_ASSOCIATION, aid, props, aid))
    return out


def _call(fn: Any, **kwargs: Any) -> dict[str, Any] | None:
    """A bucket's configuration, or None where it has none (S3 answers with an error code)."""
    from botocore.exceptions import ClientError

    try:
        answer: dict[str, Any] = fn(**kwargs)
    except ClientError:
        return None
    return answer


def _bucket(s3: Any, name: str, cluster: str | None) -> list[Res]:
    """A bucket and its configuration, each part naming its bucket (as in a stack)."""
    tagging = _call(s3.get_bucket_tagging, Bucket=name) or {}
    tags = _tags(tagging.get("TagSet"))
    if not _mine(tags, cluster):
        return []
    out = [Res(storage.BUCKET, name, {"bucket": name, "tags": tags}, name, id=name)]

    def part(typ: str, what: str, props: dict[str, Any]) -> None:
        out.append(Res(typ, f"{name} {what}", {"bucket": name, **props}, f"{name}/{what}"))

    pab = _call(s3.get_public_access_block, Bucket=name)
    if pab is not None:
        flags = pab["PublicAccessBlockConfiguration"]
        part(
            storage.PAB, "public access block", {k[0].lower() + k[1:]: v for k, v in flags.items()}
        )
    sse = _call(s3.get_bucket_encryption, Bucket=name)
    if sse is not None:
        rules = [
            {
                "applyServerSideEncryptionByDefault": {
                    "sseAlgorithm": r.get("ApplyServerSideEncryptionByDefault", {}).get(
                        "SSEAlgorithm"
                    )
                }
            }
            for r in sse["ServerSideEncryptionConfiguration"]["Rules"]
        ]
        part(storage.SSE, "encryption", {"rules": rules})
    versioning = _call(s3.get_bucket_versioning, Bucket=name) or {}
    if versioning.get("Status"):
        part(
            storage.VERSIONING,
            "versioning",
            {"versioningConfiguration": {"status": versioning["Status"]}},
        )
    owner = _call(s3.get_bucket_ownership_controls, Bucket=name)
    if owner is not None:
        rule = owner["OwnershipControls"]["Rules"][0]
        part(
            storage.OWNERSHIP,
            "ownership",
            {"rule": {"objectOwnership": rule.get("ObjectOwnership")}},
        )
    policy = _call(s3.get_bucket_policy, Bucket=name)
    if policy is not None and policy.get("Policy"):
        part(storage.POLICY, "policy", {"policy": policy["Policy"]})
    return out


def audit_aws(
    session: Any, cluster: str | None = None, endpoint_url: str | None = None
) -> list[AuditFinding]:
    rules = load_rules()
    resources = collect_aws(session, cluster, endpoint_url)
    skip = [r.id for r in rules.rules if r.id not in AUDITED]
    out = []
    for f in evaluate(resources, skip=skip):
        rule = rules[f.rule_id]
        out.append(
            AuditFinding(
                f.rule_id, rule.name, rule.severity, rule.enforcement, f.resource, f.message
            )
        )
    return out


def exit_code(findings: Iterable[AuditFinding]) -> int:
    """3 when a mandatory rule fails, else 0."""
    return EXIT_MANDATORY if any(f.enforcement == "mandatory" for f in findings) else 0


def as_json(findings: Iterable[AuditFinding]) -> list[dict[str, str]]:
    return [asdict(f) for f in findings]
