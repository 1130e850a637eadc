"""Storage figures on a configured lab: `rados bench` write/read for 10 s, boto3 put/get of
100 MB objects through RGW, and the raw write speed of the same disk (dd to a file in the
node) with the ratios. Prints figures; asserts nothing about speed.

    .venv/bin/python -m tests.bench.storage [stack]     # default stack: lab

Needs root (it reads the stack's SSH key) and a stack where playbooks/storage.yml has run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time

from aidc.engine import REPO, Stack
from aidc.inventory.contract import AwsOutputs, LabOutputs, parse_outputs
from tests.bench.remote import run_on

Outputs = LabOutputs | AwsOutputs

OBJECT_MB = 100
OBJECTS = 3
SECONDS = 10


def rados_bench(outputs: Outputs, node: str, pool: str) -> tuple[float, float]:
    write = run_on(outputs, node, f"rados bench -p {pool} {SECONDS} write --no-cleanup")
    read = run_on(outputs, node, f"rados bench -p {pool} {SECONDS} seq")
    run_on(outputs, node, f"rados -p {pool} cleanup")
    return _bandwidth(write), _bandwidth(read)


def _bandwidth(output: str) -> float:
    match = re.search(r"Bandwidth \(MB/sec\):\s+([0-9.]+)", output)
    return float(match.group(1)) if match else 0.0


def dd_write(outputs: Outputs, node: str) -> float:
    """MB/s of a 1 GiB sequential write, flushed, to a file beside the OSD's block file."""
    out = run_on(
        outputs,
        node,
        "dd if=/dev/zero of=/var/lib/ceph/aidc-dd.bin bs=4M count=256 "
        "conv=fdatasync 2>&1; rm -f /var/lib/ceph/aidc-dd.bin",
    )
    match = re.search(r"([0-9.,]+) ([MG])B/s", out)
    if not match:
        return 0.0
    value = float(match.group(1).replace(",", "."))
    return value * 1000 if match.group(2) == "G" else value


def s3_throughput(outputs: Outputs) -> tuple[float, float]:
    import boto3
    from botocore.client import Config

    cluster = outputs.cluster_vars.aidc_cluster_name
    creds = json.loads((REPO / ".aidc" / "secrets" / f"{cluster}-rgw-datasets.json").read_text())
    s3 = boto3.client(
        "s3",
        endpoint_url=outputs.cluster_vars.aidc_rgw_endpoint,
        aws_access_key_id=creds["access_key"],
        aws_secret_access_key=creds["secret_key"],
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    datasets = outputs.cluster_vars.bucket("datasets")
    if datasets is None:
        raise SystemExit("the stack has no datasets bucket")
    bucket = datasets.name
    data = os.urandom(OBJECT_MB * 1000 * 1000)
    digest = hashlib.sha256(data).hexdigest()
    started = time.monotonic()
    for i in range(OBJECTS):
        s3.put_object(Bucket=bucket, Key=f"bench/{i}", Body=data)
    put = OBJECT_MB * OBJECTS / (time.monotonic() - started)
    started = time.monotonic()
    for i in range(OBJECTS):
        body = s3.get_object(Bucket=bucket, Key=f"bench/{i}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == digest
    get = OBJECT_MB * OBJECTS / (time.monotonic() - started)
    for i in range(OBJECTS):
        s3.delete_object(Bucket=bucket, Key=f"bench/{i}")
    return put, get


def main(stack_name: str = "lab") -> None:
    outputs = parse_outputs(Stack(stack_name).outputs())
    node = outputs.with_role("storage")[0].name
    print(f"storage bench on stack {stack_name}, node {node}", flush=True)
    raw = dd_write(outputs, node)
    write, read = rados_bench(outputs, node, "rbd")
    put, get = s3_throughput(outputs)
    rows = [
        ("dd write, 1 GiB fdatasync (raw disk)", raw, None),
        (f"rados bench write {SECONDS}s (4 MiB, size 3)", write, raw),
        (f"rados bench seq read {SECONDS}s", read, raw),
        (f"boto3 put {OBJECTS} x {OBJECT_MB} MB via RGW", put, raw),
        (f"boto3 get {OBJECTS} x {OBJECT_MB} MB via RGW", get, raw),
    ]
    for label, value, base in rows:
        ratio = f"  ({value / base:.2f} x raw)" if base else ""
        print(f"  {label:45s} {value:8.1f} MB/s{ratio}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:2])
