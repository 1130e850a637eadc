"""S3 buckets from the spec: private, owner-enforced, encrypted, TLS-only, versioned and
expired as the spec says, access-logged when asked."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.spec import Cluster, load_spec
from tests.unit.aws_mocks import Run, run_cluster

STACKS = Path(__file__).resolve().parents[2] / "stacks"
S3 = "aws:s3/"


def raw(stack: str) -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def build(spec: dict[str, Any]) -> tuple[Cluster, Run]:
    cluster, _ = load_spec(spec)
    return cluster, run_cluster(cluster)


@pytest.fixture(scope="module", params=["aws-p5", "aws-h200"])
def stack(request: pytest.FixtureRequest) -> tuple[Cluster, Run]:
    return build(raw(request.param))


def part(run: Run, cluster: Cluster, bucket: str, suffix: str = "") -> Any:
    return run.named(f"{cluster.name}-objects-{bucket}{suffix}")


def test_buckets_are_named_as_the_spec_says(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for spec in cluster.storage.buckets:
        bucket = part(run, cluster, spec.name)
        assert bucket.type == f"{S3}bucket:Bucket", f"{bucket}: type"
        assert bucket.inputs["bucket"] == spec.name, f"{bucket}: name"
        assert bucket.inputs["tags"]["aidc:purpose"] == spec.purpose, f"{bucket}: tags"
        assert not bucket.inputs.get("forceDestroy"), f"{bucket}: force_destroy"


def test_public_access_is_blocked_four_ways(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    blocks = run.of_type(f"{S3}bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert len(blocks) == len(run.of_type(f"{S3}bucket:Bucket"))
    for block in blocks:
        for flag in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ):
            assert block.inputs[flag] is True, f"{block}: {flag} is {block.inputs.get(flag)}"


def test_acls_are_disabled(stack: tuple[Cluster, Run]) -> None:
    _, run = stack
    controls = run.of_type(f"{S3}bucketOwnershipControls:BucketOwnershipControls")
    assert len(controls) == len(run.of_type(f"{S3}bucket:Bucket"))
    for ctl in controls:
        assert ctl.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}, f"{ctl}"


def test_default_encryption_is_sse_s3(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for spec in cluster.storage.buckets:
        sse = part(run, cluster, spec.name, "-encryption")
        (rule,) = sse.inputs["rules"]
        default = rule["applyServerSideEncryptionByDefault"]
        assert default == {"sseAlgorithm": "AES256"}, f"{sse}: {rule}"
        assert sse.inputs["bucket"] == f"{cluster.name}-objects-{spec.name}-id", f"{sse}"


def test_kms_encryption_uses_the_specs_key() -> None:
    spec = raw("aws-p5")
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    spec["storage"]["buckets"][0].update(encryption="kms", kms_key_id=key)
    cluster, run = build(spec)
    sse = part(run, cluster, "p5-training-datasets", "-encryption")
    (rule,) = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key,
    }, f"{sse}: {rule}"
    assert rule["bucketKeyEnabled"] is True, f"{sse}: bucket key"


def test_versioning_follows_purpose_and_spec(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for spec in cluster.storage.buckets:
        name = f"{cluster.name}-objects-{spec.name}-versioning"
        found = [r for r in run.resources if r.name == name]
        assert bool(found) == spec.versioned, f"{spec.name}: versioning resource {found}"
        if found:
            conf = found[0].inputs["versioningConfiguration"]
            assert conf == {"status": "Enabled"}, f"{found[0]}: {conf}"
    checkpoints = [b for b in cluster.storage.buckets if b.purpose == "checkpoints"]
    assert checkpoints and all(b.versioned for b in checkpoints)


def test_lifecycle_rules(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for spec in cluster.storage.buckets:
        lc = part(run, cluster, spec.name, "-lifecycle")
        rules = {r["id"]: r for r in lc.inputs["rules"]}
        abort = rules["abort-incomplete-multipart-uploads"]
        assert abort["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}, f"{lc}"
        assert abort["status"] == "Enabled" and abort["filter"] == {"prefix": ""}, f"{lc}"
        if spec.noncurrent_expiry_days:
            nc = rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"]
            assert nc == {"noncurrentDays": spec.noncurrent_expiry_days}, f"{lc}: {nc}"
        else:
            assert "expire-noncurrent-versions" not in rules, f"{lc}: unasked rule"
        if spec.expiry_days:
            exp = rules["expire-objects"]["expiration"]
            assert exp == {"days": spec.expiry_days}, f"{lc}: {exp}"
        else:
            assert "expire-objects" not in rules, f"{lc}: objects expire unasked"


def test_p5_checkpoints_keep_old_versions_30_days() -> None:
    cluster, run = build(raw("aws-p5"))
    lc = part(run, cluster, "p5-training-checkpoints", "-lifecycle")
    rules = {r["id"]: r for r in lc.inputs["rules"]}
    assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {
        "noncurrentDays": 30
    }, f"{lc}"


def test_buckets_refuse_plain_http(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    for spec in cluster.storage.buckets:
        pol = part(run, cluster, spec.name, "-policy")
        doc = json.loads(pol.inputs["policy"])
        (deny,) = [s for s in doc["Statement"] if s["Effect"] == "Deny"]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, f"{pol}"
        assert deny["Principal"] == "*" and deny["Action"] == "s3:*", f"{pol}"
        assert not [s for s in doc["Statement"] if s["Effect"] == "Allow"], f"{pol}: grants"


def test_access_logging_only_where_asked(h200_run: tuple[Cluster, Run]) -> None:
    cluster, run = h200_run
    logged = [b.name for b in cluster.storage.buckets if b.access_logging]
    assert logged == ["h200-training-checkpoints"]
    loggings = run.of_type(f"{S3}bucketLogging:BucketLogging")
    assert [lg.inputs["bucket"] for lg in loggings] == [f"h200-objects-{n}-id" for n in logged]
    log_bucket = run.named("h200-objects-access-logs", f"{S3}bucket:Bucket")
    assert log_bucket.inputs["bucketPrefix"].startswith("h200-"), f"{log_bucket}: prefix"
    for lg in loggings:
        assert lg.inputs["targetBucket"] == f"{log_bucket.name}-id", f"{lg}: target"
        assert lg.inputs["targetPrefix"] == "h200-training-checkpoints/", f"{lg}: prefix"
    policy = json.loads(run.named("h200-objects-access-logs-policy").inputs["policy"])
    (grant,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert grant["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert grant["Action"] == "s3:PutObject"
    sources = grant["Condition"]["ArnLike"]["aws:SourceArn"]
    assert sources == [
        "arn:aws:mock:us-east-1:123456789012:Bucket/h200-objects-h200-training-checkpoints"
    ]
    sse = run.named("h200-objects-access-logs-encryption")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "AES256"
    }, f"{sse}: log delivery needs SSE-S3"


@pytest.fixture(scope="module")
def h200_run() -> tuple[Cluster, Run]:
    return build(raw("aws-h200"))


def test_no_log_bucket_when_nobody_asks(stack: tuple[Cluster, Run]) -> None:
    cluster, run = stack
    has_logs = any(b.access_logging for b in cluster.storage.buckets)
    found = [r for r in run.resources if r.name == f"{cluster.name}-objects-access-logs"]
    assert bool(found) == has_logs
