#!/usr/bin/python
"""Ensure an S3 bucket on Ceph RGW with its versioning and lifecycle rules (boto3)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: rgw_bucket
short_description: An S3 bucket on Ceph RGW, its versioning and its lifecycle rules
description:
  - Creates the bucket when missing, turns versioning on (or suspends it when it was on and is
    no longer wanted) and makes the lifecycle configuration equal to the declared rules.
  - Reads before it writes, so a second run reports no change; honours check mode.
options:
  endpoint_url: {type: str, required: true, description: RGW S3 endpoint (http(s)://host:port).}
  access_key: {type: str, required: true, no_log: true, description: S3 access key of the owner.}
  secret_key: {type: str, required: true, no_log: true, description: S3 secret key of the owner.}
  name: {type: str, required: true, description: Bucket name.}
  versioning: {type: bool, default: false, description: Keep old versions of overwritten objects.}
  lifecycle:
    type: list
    elements: dict
    default: []
    description: Rules with id, prefix, expiration_days, noncurrent_days, abort_multipart_days.
  validate_certs: {type: bool, default: true, description: Verify the endpoint's TLS certificate.}
requirements: [boto3]
"""

RETURN = r"""
bucket: {description: The bucket name., type: str, returned: always}
versioning: {description: Versioning status after the run., type: str, returned: always}
lifecycle: {description: The lifecycle rules after the run (S3 form)., type: list, returned: always}
"""

from typing import Any  # noqa: E402 - Ansible modules carry DOCUMENTATION first

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # pragma: no cover - reported by the module
    boto3 = None


def _rule(spec: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "ID": str(spec["id"]),
        "Filter": {"Prefix": str(spec.get("prefix", ""))},
        "Status": "Enabled",
    }
    if int(spec.get("expiration_days") or 0) > 0:
        rule["Expiration"] = {"Days": int(spec["expiration_days"])}
    if int(spec.get("noncurrent_days") or 0) > 0:
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(spec["noncurrent_days"])}
    if int(spec.get("abort_multipart_days") or 0) > 0:
        rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(spec["abort_multipart_days"])
        }
    return rule


def _normal(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules as comparable data: RGW may return Prefix at top level or under Filter."""
    out = []
    for r in rules:
        prefix = r.get("Filter", {}).get("Prefix", r.get("Prefix", ""))
        item = {"ID": r.get("ID"), "Prefix": prefix or "", "Status": r.get("Status")}
        for key in ("Expiration", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"):
            if key in r:
                item[key] = r[key]
        out.append(item)
    return sorted(out, key=lambda x: str(x["ID"]))


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "endpoint_url": {"type": "str", "required": True},
            "access_key": {"type": "str", "required": True, "no_log": True},
            "secret_key": {"type": "str", "required": True, "no_log": True},
            "name": {"type": "str", "required": True},
            "versioning": {"type": "bool", "default": False},
            "lifecycle": {"type": "list", "elements": "dict", "default": []},
            "validate_certs": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    if boto3 is None:
        module.fail_json(msg="boto3 is required on the host that runs aidc.cluster.rgw_bucket")
    p = module.params
    s3 = boto3.client(
        "s3",
        endpoint_url=p["endpoint_url"],
        aws_access_key_id=p["access_key"],
        aws_secret_access_key=p["secret_key"],
        region_name="us-east-1",
        verify=p["validate_certs"],
        config=Config(
            signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 5}
        ),
    )
    name = p["name"]
    changed = False
    try:
        try:
            s3.head_bucket(Bucket=name)
            exists = True
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise
            exists = False
        if not exists:
            changed = True
            if not module.check_mode:
                s3.create_bucket(Bucket=name)

        status = s3.get_bucket_versioning(Bucket=name).get("Status", "") if exists else ""
        want = "Enabled" if p["versioning"] else ("Suspended" if status == "Enabled" else status)
        if want != status:
            changed = True
            if not module.check_mode:
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": want})

        desired = [_rule(r) for r in p["lifecycle"]]
        current: list[dict[str, Any]] = []
        if exists:
            try:
                current = s3.get_bucket_lifecycle_configuration(Bucket=name).get("Rules", [])
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") != "NoSuchLifecycleConfiguration":
                    raise
        if _normal(current) != _normal(desired):
            changed = True
            if not module.check_mode:
                if desired:
                    s3.put_bucket_lifecycle_configuration(
                        Bucket=name, LifecycleConfiguration={"Rules": desired}
                    )
                else:
                    s3.delete_bucket_lifecycle(Bucket=name)
    except (BotoCoreError, ClientError) as err:
        module.fail_json(msg=f"bucket {name} at {p['endpoint_url']}: {err}")
    module.exit_json(changed=changed, bucket=name, versioning=want, lifecycle=desired)


if __name__ == "__main__":
    main()
