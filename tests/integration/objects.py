"""The lab's object store from the host: S3 clients with the purpose users' keys (the
object_store role's 0600 files), bucket names from the stack outputs, and polling."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aidc.engine import REPO
from tests.integration.conftest import Lab

T = TypeVar("T")
SECRETS = REPO / ".aidc" / "secrets"


def wait(what: str, probe: Callable[[], T | None], timeout: float, every: float = 5) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def creds(lab: Lab, purpose: str) -> dict[str, str]:
    path = SECRETS / f"{lab.outputs.cluster_vars.aidc_cluster_name}-rgw-{purpose}.json"
    assert path.stat().st_mode & 0o777 == 0o600, f"{path} is not 0600"
    data: dict[str, str] = json.loads(path.read_text())
    return data


def s3(lab: Lab, purpose: str, secret: str | None = None) -> Any:
    import boto3
    from botocore.client import Config

    keys = creds(lab, purpose)
    return boto3.client(
        "s3",
        endpoint_url=lab.outputs.cluster_vars.aidc_rgw_endpoint,
        aws_access_key_id=keys["access_key"],
        aws_secret_access_key=secret or keys["secret_key"],
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def bucket(lab: Lab, purpose: str) -> str:
    found = lab.outputs.cluster_vars.bucket(purpose)
    assert found is not None, f"no {purpose} bucket in the stack outputs"
    return found.name
