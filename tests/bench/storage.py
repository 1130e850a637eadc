"""Storage figures on a configured lab, side by side in one run: the raw disk of a storage
node (dd, 1 MiB blocks, write flushed and read direct), `rados bench` write/read for 10 s, RBD
(librbd's own sequential 1 MiB bench on the same node), CephFS (dd with 1 MiB blocks, written
on one client and read on another, so no page cache answers) and boto3 put/get of 100 MB
objects through RGW, each with its ratio to the raw disk. Prints MB/s (10^6 bytes per second);
asserts nothing about speed. HDFS put/get come from `tests.bench.hdfs`; `make bench-storage`
runs both.

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


SEQ_MIB = 256
_DD_RATE = re.compile(r"(\d+) bytes .* copied, ([\d.]+) s")


def dd_mb_s(outputs: Outputs, node: str, command: str) -> float:
    """MB/s from dd's own summary line (bytes and seconds)."""
    out = run_on(outputs, node, f"{command} 2>&1")
    found = _DD_RATE.search(out)
    if not found:
        raise RuntimeError(f"{node}: no dd summary in {out!r}")
    return int(found.group(1)) / float(found.group(2)) / 1e6


def dd_pair(
    outputs: Outputs, writer: str, reader: str, path: str, direct: bool
) -> tuple[float, float]:
    """Sequential 1 MiB write (flushed) on `writer`, then read on `reader`; the file goes."""
    write = dd_mb_s(outputs, writer, f"dd if=/dev/zero of={path} bs=1M count={SEQ_MIB} conv=fsync")
    try:
        flag = " iflag=direct" if direct else ""
        read = dd_mb_s(outputs, reader, f"dd if={path} of=/dev/null bs=1M{flag}")
    finally:
        run_on(outputs, writer, f"rm -f {path}")
    return write, read


def rbd_bench(outputs: Outputs, node: str, pool: str) -> tuple[float, float]:
    """librbd's sequential 1 MiB write then read of SEQ_MIB on a scratch image."""
    image = f"{pool}/aidc-bench-{int(time.time())}"
    run_on(outputs, node, f"rbd create --size {SEQ_MIB * 2}M {image}")
    rates = []
    try:
        for io in ("write", "read"):
            out = run_on(
                outputs,
                node,
                f"rbd bench --io-type {io} --io-size 1M --io-threads 1 --io-total {SEQ_MIB}M "
                f"--io-pattern seq {image}",
            )
            found = re.search(r"elapsed:\s*([\d.]+)\s+ops:\s*(\d+)", out)
            if not found:
                raise RuntimeError(f"rbd bench {io}: no summary in {out!r}")
            rates.append(int(found.group(2)) * 1_048_576 / float(found.group(1)) / 1e6)
    finally:
        run_on(outputs, node, f"rbd rm --no-progress {image}")
    return rates[0], rates[1]


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
    raw_w, raw_r = dd_pair(outputs, node, node, "/var/lib/ceph/aidc-dd.bin", direct=True)
    write, read = rados_bench(outputs, node, "rbd")
    rbd_w, rbd_r = rbd_bench(outputs, node, "rbd")
    rows = [
        (f"dd write, {SEQ_MIB} MiB fsync (raw disk)", raw_w, None),
        (f"dd read, {SEQ_MIB} MiB direct (raw disk)", raw_r, None),
        (f"rados bench write {SECONDS}s (4 MiB, size 3)", write, raw_w),
        (f"rados bench seq read {SECONDS}s", read, raw_r),
        (f"rbd bench write {SEQ_MIB} MiB (1 MiB seq)", rbd_w, raw_w),
        (f"rbd bench read {SEQ_MIB} MiB (1 MiB seq)", rbd_r, raw_r),
    ]
    shared = [f for f in outputs.cluster_vars.aidc_filesystems if f.kind == "cephfs"]
    if shared and len(shared[0].clients) >= 2:
        fs = shared[0]
        path = f"{fs.mount_path}/aidc-bench-{int(time.time())}.bin"
        fs_w, fs_r = dd_pair(outputs, fs.clients[0], fs.clients[-1], path, direct=False)
        rows += [
            (f"CephFS dd write {SEQ_MIB} MiB ({fs.clients[0]})", fs_w, raw_w),
            (f"CephFS dd read {SEQ_MIB} MiB ({fs.clients[-1]})", fs_r, raw_r),
        ]
    put, get = s3_throughput(outputs)
    rows += [
        (f"boto3 put {OBJECTS} x {OBJECT_MB} MB via RGW", put, raw_w),
        (f"boto3 get {OBJECTS} x {OBJECT_MB} MB via RGW", get, raw_r),
    ]
    for label, value, base in rows:
        ratio = f"  ({value / base:.2f} x raw)" if base else ""
        print(f"  {label:45s} {value:8.1f} MB/s{ratio}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:2])
