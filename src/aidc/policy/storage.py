"""Storage rules: S3 buckets (public access, encryption, versioning, ACLs) and Ceph pools."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aidc.policy.registry import Props, Res, Settings, as_list, resource_rule, stack_rule, tags_of

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = (
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ACL = "aws:s3/bucketAcl:BucketAcl"
ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
BUCKETS = (BUCKET, BUCKET_V2)
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")
CLUSTER_KEY = "aidc:cluster"


@resource_rule("AIDC-STO-001", PAB)
def bucket_public_access_block(typ: str, props: Props, cfg: Settings) -> list[str]:
    off = [f for f in PAB_FLAGS if props.get(f) is not True]
    return [f"public access block leaves {', '.join(off)} off"] if off else []


@resource_rule("AIDC-STO-002", SSE, SSE_V2)
def bucket_encryption(typ: str, props: Props, cfg: Settings) -> list[str]:
    algos = [
        (r.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
        for r in as_list(props.get("rules"))
        if isinstance(r, Mapping)
    ]
    if algos and all(a in SSE_ALGORITHMS for a in algos):
        return []
    return [f"server-side encryption algorithm {algos or 'unset'} is not one of {SSE_ALGORITHMS}"]


@resource_rule("AIDC-STO-004", BUCKET, BUCKET_V2, OWNERSHIP, ACL, ACL_V2)
def bucket_acls_disabled(typ: str, props: Props, cfg: Settings) -> list[str]:
    if typ in (ACL, ACL_V2):
        return ["bucket ACL resource: ACLs must stay disabled (BucketOwnerEnforced)"]
    if typ == OWNERSHIP:
        owner = (props.get("rule") or {}).get("objectOwnership")
        return (
            []
            if owner == "BucketOwnerEnforced"
            else [f"object ownership is {owner}, not BucketOwnerEnforced (ACLs stay enabled)"]
        )
    acl = props.get("acl")
    return [f"bucket sets the ACL {acl}"] if acl and acl != "private" else []


def _children(bucket: Res, resources: Sequence[Res], types: tuple[str, ...]) -> list[Res]:
    # Sub-resources name their bucket by id, unknown at preview; aidc names them
    # "<bucket resource>-<suffix>", so match by logical name.
    prefix = bucket.name + "-"
    return [r for r in resources if r.type in types and r.name.startswith(prefix)]


def _bucket_rule(
    resources: Sequence[Res], types: tuple[str, ...], what: str
) -> list[tuple[str, str]]:
    return [
        (f"bucket {b.name} has no {what}", b.urn or b.name)
        for b in resources
        if b.type in BUCKETS and not _children(b, resources, types)
    ]


@stack_rule("AIDC-STO-001")
def every_bucket_has_public_access_block(
    resources: Sequence[Res], cfg: Settings
) -> list[tuple[str, str]]:
    return _bucket_rule(resources, (PAB,), "public access block")


@stack_rule("AIDC-STO-002")
def every_bucket_encrypted(resources: Sequence[Res], cfg: Settings) -> list[tuple[str, str]]:
    return [
        (msg, where)
        for msg, where in _bucket_rule(resources, (SSE, SSE_V2), "encryption configuration")
        if not _inline_sse(resources, where)
    ]


def _inline_sse(resources: Sequence[Res], where: str) -> bool:
    for r in resources:
        if (r.urn or r.name) == where:
            return bool(r.props.get("serverSideEncryptionConfiguration"))
    return False


@stack_rule("AIDC-STO-003")
def checkpoint_bucket_versioning(resources: Sequence[Res], cfg: Settings) -> list[tuple[str, str]]:
    out = []
    for b in resources:
        if b.type not in BUCKETS or tags_of(b.props).get("aidc:purpose") != "checkpoints":
            continue
        enabled = (
            any(
                (v.props.get("versioningConfiguration") or {}).get("status") == "Enabled"
                for v in _children(b, resources, (VERSIONING, VERSIONING_V2))
            )
            or (b.props.get("versioning") or {}).get("enabled") is True
        )
        if not enabled:
            out.append((f"checkpoint bucket {b.name} does not enable versioning", b.urn or b.name))
    return out


@stack_rule("AIDC-STO-004")
def every_bucket_owner_enforced(resources: Sequence[Res], cfg: Settings) -> list[tuple[str, str]]:
    return _bucket_rule(resources, (OWNERSHIP,), "ownership controls (ACLs stay enabled)")


def ceph_pool_problems(spec: Mapping[str, Any] | None) -> list[str]:
    """The spec's Ceph pools with size < 3 or min_size < 2. The programs register no Ceph pool
    resource (Ansible creates the pools), so this judges the stack config the pack can read."""
    ceph = ((spec or {}).get("storage") or {}).get("ceph") or {}
    out = []
    for pool in as_list(ceph.get("pools")):
        if not isinstance(pool, Mapping):
            continue
        size, min_size = int(pool.get("size", 3)), int(pool.get("min_size", 2))
        if size < 3 or min_size < 2:
            out.append(
                f"ceph pool {pool.get('name')} has size {size} and min_size {min_size}"
                " (need size >= 3, min_size >= 2)"
            )
    return out


@stack_rule("AIDC-STO-005")
def ceph_pool_replication(resources: Sequence[Res], cfg: Settings) -> list[tuple[str, str]]:
    spec = cfg.get(CLUSTER_KEY)
    if isinstance(spec, str):
        spec = json.loads(spec)
    return [(msg, "") for msg in ceph_pool_problems(spec if isinstance(spec, Mapping) else None)]
