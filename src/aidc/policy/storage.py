"""Storage rules: S3 buckets (public access, encryption, versioning, ACLs) and Ceph pools.

A bucket's configuration may sit on the bucket (inline, older style) or in separate resources
(public access block, encryption, versioning, ownership controls, ACL, policy, lifecycle,
logging); each separate one names its bucket in `bucket`, which `buckets` resolves by
reference (dependency, id or bucket name), whatever the resources are called.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aidc.policy.model import Stack
from aidc.policy.network import world
from aidc.policy.registry import (
    Hit,
    Res,
    Settings,
    as_list,
    mapping,
    rule,
    tags_of,
    truthy,
    unknown,
)

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = (
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ACL = "aws:s3/bucketAcl:BucketAcl"
ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LIFECYCLE_V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2"
BUCKETS = (BUCKET, BUCKET_V2)
PARTS = {
    "public_access": (PAB,),
    "encryption": (SSE, SSE_V2),
    "versioning": (VERSIONING, VERSIONING_V2),
    "ownership": (OWNERSHIP,),
    "acl": (ACL, ACL_V2),
    "policy": (POLICY,),
    "lifecycle": (LIFECYCLE, LIFECYCLE_V2),
    "logging": (LOGGING, LOGGING_V2),
}
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")
CLUSTER_KEY = "aidc:cluster"
CHECKPOINT_WORDS = ("checkpoint", "ckpt")
# Condition keys that tie a "Principal: *" statement to known callers (not public).
RESTRICTING_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:userid",
    )
)


@dataclass
class Bucket:
    res: Res
    parts: dict[str, list[Res]] = field(default_factory=dict)

    def part(self, kind: str) -> list[Res]:
        return self.parts.get(kind, [])


def buckets(stack: Stack) -> dict[str, Bucket]:
    out = {b.where: Bucket(b) for b in stack.of(*BUCKETS)}
    for kind, types in PARTS.items():
        for part in stack.of(*types):
            for b in stack.refs(part, "bucket", BUCKETS):
                out[b.where].parts.setdefault(kind, []).append(part)
    return out


def _off(props: Mapping[str, Any]) -> list[str]:
    return [f for f in PAB_FLAGS if not truthy(props.get(f)) and not unknown(props.get(f))]


def policy_document(value: Any) -> Mapping[str, Any]:
    """A resource policy as a mapping (providers carry it as JSON text or as an object)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return mapping(value)


def anyone(principal: Any) -> bool:
    """Whether a statement's principal is everyone (`*`, or `{"AWS": "*"}`)."""
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in as_list(v) for k, v in principal.items() if k == "AWS")
    return "*" in as_list(principal)


def _restricted(condition: Any) -> bool:
    for keys in mapping(condition).values():
        for key, value in mapping(keys).items():
            if key.lower() not in RESTRICTING_KEYS:
                continue
            if key.lower() == "aws:sourceip" and any(world(str(v)) for v in as_list(value)):
                continue
            return True
    return False


def public_statements(policy: Any) -> list[Mapping[str, Any]]:
    """Allow statements open to any principal, with no condition tying them to known callers."""
    return [
        s
        for s in as_list(policy_document(policy).get("Statement"))
        if isinstance(s, Mapping)
        and s.get("Effect") == "Allow"
        and anyone(s.get("Principal"))
        and not _restricted(s.get("Condition"))
    ]


@rule("AIDC-STO-001")
def bucket_public_access_block(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for pab in stack.of(PAB):
        off = _off(pab.props)
        if off:
            yield f"public access block leaves {', '.join(off)} off", pab.where
    for pol in stack.of(POLICY):
        if public_statements(pol.props.get("policy")):
            yield "bucket policy allows any principal (Principal *)", pol.where
    for b in stack.of(*BUCKETS):
        if public_statements(b.props.get("policy")):
            yield "bucket policy allows any principal (Principal *)", b.where
    account_blocked = any(not _off(a.props) for a in stack.of(ACCOUNT_PAB))
    if account_blocked:
        return
    for bucket in stack.view(buckets).values():
        if not bucket.part("public_access"):
            yield f"bucket {bucket.res.name} has no public access block", bucket.res.where


def _algorithms(rules: Any) -> list[Any]:
    return [
        mapping(r.get("applyServerSideEncryptionByDefault")).get("sseAlgorithm")
        for r in as_list(rules)
        if isinstance(r, Mapping)
    ]


@rule("AIDC-STO-002")
def bucket_encryption(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for part in stack.of(SSE, SSE_V2):
        algos = _algorithms(part.props.get("rules"))
        if unknown(part.props.get("rules")) or any(unknown(a) for a in algos):
            continue
        if not algos or not all(a in SSE_ALGORITHMS for a in algos):
            yield (
                f"server-side encryption algorithm {algos or 'unset'} is not one of"
                f" {SSE_ALGORITHMS}",
                part.where,
            )
    for b in stack.view(buckets).values():
        inline = b.res.props.get("serverSideEncryptionConfiguration")
        if not b.part("encryption") and not inline:
            yield f"bucket {b.res.name} has no encryption configuration", b.res.where


def is_checkpoint_bucket(res: Res) -> bool:
    """Whether a bucket holds checkpoints, by what its owner says: its name, its bucket name or
    prefix, or a tag."""
    tags = tags_of(res.props)
    said = [res.name, res.props.get("bucket"), res.props.get("bucketPrefix")]
    said += [*tags.keys(), *tags.values()]
    return any(isinstance(s, str) and w in s.lower() for s in said for w in CHECKPOINT_WORDS)


def _versioned(b: Bucket) -> bool:
    for v in b.part("versioning"):
        status = mapping(v.props.get("versioningConfiguration")).get("status")
        if (
            status == "Enabled"
            or unknown(status)
            or unknown(v.props.get("versioningConfiguration"))
        ):
            return True
    inline = b.res.props.get("versioning")
    return unknown(inline) or truthy(mapping(inline).get("enabled"))


@rule("AIDC-STO-003")
def checkpoint_bucket_versioning(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for b in stack.view(buckets).values():
        if is_checkpoint_bucket(b.res) and not _versioned(b):
            yield f"checkpoint bucket {b.res.name} does not enable versioning", b.res.where


@rule("AIDC-STO-004")
def bucket_acls_disabled(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    for acl in stack.of(ACL, ACL_V2):
        yield "bucket ACL resource: ACLs must stay disabled (BucketOwnerEnforced)", acl.where
    for own in stack.of(OWNERSHIP):
        owner = mapping(own.props.get("rule")).get("objectOwnership")
        if owner != "BucketOwnerEnforced" and not unknown(owner):
            yield (
                f"object ownership is {owner}, not BucketOwnerEnforced (ACLs stay enabled)",
                own.where,
            )
    for b in stack.view(buckets).values():
        inline = b.res.props.get("acl")
        if isinstance(inline, str) and inline and inline != "private":
            yield f"bucket sets the ACL {inline}", b.res.where
        if not b.part("ownership"):
            yield f"bucket {b.res.name} has no ownership controls (ACLs stay enabled)", b.res.where


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


@rule("AIDC-STO-005")
def ceph_pool_replication(stack: Stack, cfg: Settings) -> Iterable[Hit]:
    spec = cfg.get(CLUSTER_KEY)
    if isinstance(spec, str):
        spec = json.loads(spec)
    for msg in ceph_pool_problems(spec if isinstance(spec, Mapping) else None):
        yield msg, ""
