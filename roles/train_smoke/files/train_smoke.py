#!/usr/bin/env python3
"""aidc's distributed training smoke job: one process per node, started by srun.

`prepare` writes the dataset's shards to the datasets bucket (once; they are kept), or with
`--source hdfs` to HDFS under /<datasets bucket>/, where `train --source hdfs` reads them.
`train` trains a small regression model with torch.distributed (NCCL where CUDA is there,
gloo otherwise) on the shards, each rank reading its own; rank 0 writes a checkpoint to the
checkpoints bucket every --every steps and at the end, and every rank resumes from the newest
checkpoint of the run when there is one. Rank 0 prints one JSON object per line (events).

Credentials: a 0600 JSON file per bucket purpose in --creds-dir (endpoint, access_key,
secret_key) where the object store gives keys (the lab's RGW); else boto3's own chain (an
instance profile on aws).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

FEATURES = 32
SAMPLES_PER_SHARD = 4096
SHARD_PREFIX = "train-smoke/shards/"


def emit(**event: Any) -> None:
    print(json.dumps(event, sort_keys=True), flush=True)


def s3_client(purpose: str, creds_dir: str) -> Any:
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(
        retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path"}
    )
    path = Path(creds_dir) / f"{purpose}.json"
    if path.is_file():
        creds = json.loads(path.read_text(encoding="utf-8"))
        return boto3.client(
            "s3",
            endpoint_url=creds.get("endpoint") or None,
            aws_access_key_id=creds["access_key"],
            aws_secret_access_key=creds["secret_key"],
            region_name=creds.get("region", "us-east-1"),
            config=config,
        )
    return boto3.client("s3", config=config)


def keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    if isinstance(s3, Hdfs):
        return s3.keys(bucket, prefix)
    found: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.extend(o["Key"] for o in page.get("Contents", []))
    return sorted(found)


class Hdfs:
    """The dataset's shards on HDFS instead of the bucket, through the cluster's `hdfs`
    command: the same keys, under /<bucket>/ (the bucket's name as the top directory)."""

    def __init__(self, command: str = "hdfs") -> None:
        self.command = command

    def _dfs(self, *args: str, data: bytes | None = None, check: bool = True) -> Any:
        return subprocess.run(
            [self.command, "dfs", *args], input=data, capture_output=True, check=check
        )

    def keys(self, bucket: str, prefix: str) -> list[str]:
        listed = self._dfs("-ls", "-C", f"/{bucket}/{prefix}", check=False)
        if listed.returncode != 0:  # no such directory yet: no shards
            return []
        return sorted(p.removeprefix(f"/{bucket}/") for p in listed.stdout.decode().split())

    def cat(self, bucket: str, keys: list[str]) -> bytes:
        """The files' bytes one after another, in one `hdfs dfs -cat` (one JVM for them all)."""
        out: bytes = self._dfs("-cat", *(f"/{bucket}/{k}" for k in keys)).stdout
        return out

    def put_many(self, bucket: str, prefix: str, files: dict[str, bytes]) -> None:
        """Files named under `prefix`, staged in a local folder and put in one `-put`."""
        with tempfile.TemporaryDirectory(prefix="aidc-hdfs-") as staged:
            paths = []
            for name, body in files.items():
                path = Path(staged) / name
                path.write_bytes(body)
                paths.append(str(path))
            self._dfs("-mkdir", "-p", f"/{bucket}/{prefix}")
            self._dfs("-put", "-f", *paths, f"/{bucket}/{prefix}")


def dataset_store(args: argparse.Namespace) -> Any:
    """Where the shards are: the datasets bucket (default) or HDFS."""
    return Hdfs() if args.source == "hdfs" else s3_client("datasets", args.creds_dir)


def get_bodies(store: Any, bucket: str, keys: list[str]) -> bytes:
    """The objects' bytes concatenated (every shard holds whole rows)."""
    if isinstance(store, Hdfs):
        return store.cat(bucket, keys)
    return b"".join(store.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys)


def prepare(args: argparse.Namespace) -> int:
    """Shards of y = w.x + b + noise, w and b fixed by the seed: the model can learn them."""
    s3 = dataset_store(args)
    have = set(keys(s3, args.datasets, SHARD_PREFIX))
    staged: dict[str, bytes] = {}
    rng = random.Random(args.seed)
    weights = [rng.uniform(-1, 1) for _ in range(FEATURES)]
    bias = rng.uniform(-1, 1)
    written = 0
    for i in range(args.shards):
        key = f"{SHARD_PREFIX}shard-{i:04d}.bin"
        if key in have:
            continue
        shard_rng = random.Random(args.seed * 1000 + i)
        out = io.BytesIO()
        for _ in range(SAMPLES_PER_SHARD):
            x = [shard_rng.gauss(0, 1) for _ in range(FEATURES)]
            y = (
                sum(w * v for w, v in zip(weights, x, strict=True))
                + bias
                + shard_rng.gauss(0, 0.05)
            )
            out.write(struct.pack(f"<{FEATURES + 1}f", *x, y))
        if isinstance(s3, Hdfs):
            staged[key.removeprefix(SHARD_PREFIX)] = out.getvalue()
        else:
            s3.put_object(Bucket=args.datasets, Key=key, Body=out.getvalue())
        written += 1
    if staged:
        s3.put_many(args.datasets, SHARD_PREFIX, staged)
    emit(
        event="prepared",
        shards=args.shards,
        written=written,
        bucket=args.datasets,
        source=args.source,
    )
    return 0


def load_shards(s3: Any, bucket: str, rank: int, world: int) -> tuple[Any, Any]:
    import torch

    mine = [k for i, k in enumerate(keys(s3, bucket, SHARD_PREFIX)) if i % world == rank]
    if not mine:
        raise SystemExit(f"rank {rank}: no shards for me under s3://{bucket}/{SHARD_PREFIX}")
    body = get_bodies(s3, bucket, mine)
    data = torch.frombuffer(bytearray(body), dtype=torch.float32).view(-1, FEATURES + 1)
    return data[:, :FEATURES].contiguous(), data[:, FEATURES:].contiguous()


def newest_checkpoint(s3: Any, bucket: str, run: str) -> str | None:
    found = [k for k in keys(s3, bucket, f"train-smoke/{run}/") if k.endswith(".pt")]
    return max(found, key=lambda k: int(k.rsplit("step-", 1)[1].split(".")[0])) if found else None


def save_checkpoint(s3: Any, bucket: str, run: str, step: int, state: dict[str, Any]) -> None:
    import torch

    buf = io.BytesIO()
    torch.save(state, buf)
    body = buf.getvalue()
    digest = hashlib.sha256(body).hexdigest()
    key = f"train-smoke/{run}/step-{step:07d}.pt"
    s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={"sha256": digest})
    emit(event="checkpoint", step=step, key=key, size=len(body), sha256=digest, bucket=bucket)


def train(args: argparse.Namespace) -> int:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    rank = int(os.environ.get("SLURM_PROCID", "0"))
    world = int(os.environ.get("SLURM_NTASKS", "1"))
    cuda = torch.cuda.is_available()
    backend = "nccl" if cuda else "gloo"
    device = (
        torch.device("cuda", int(os.environ.get("SLURM_LOCALID", "0")))
        if cuda
        else torch.device("cpu")
    )
    started = time.monotonic()
    dist.init_process_group(
        backend,
        init_method=f"tcp://{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}",
        rank=rank,
        world_size=world,
        timeout=timedelta(seconds=args.timeout_s),
    )
    hosts: list[Any] = [None] * world
    dist.all_gather_object(hosts, socket.gethostname())
    datasets = dataset_store(args)
    checkpoints = s3_client("checkpoints", args.creds_dir)
    x, y = load_shards(datasets, args.datasets, rank, world)
    x, y = x.to(device), y.to(device)
    torch.manual_seed(args.seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(FEATURES, args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 1)
    ).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    step = 0
    resumed = newest_checkpoint(checkpoints, args.checkpoints, args.run)
    if resumed:
        body = checkpoints.get_object(Bucket=args.checkpoints, Key=resumed)["Body"].read()
        state = torch.load(io.BytesIO(body), map_location=device)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step = int(state["step"])
    ddp = DistributedDataParallel(model)
    if rank == 0:
        emit(
            event="start",
            backend=backend,
            world=world,
            hosts=hosts,
            resumed_from=resumed,
            start_step=step,
            samples=int(x.shape[0]) * world,
        )
    gen = torch.Generator().manual_seed(args.seed + rank + step)
    losses: list[float] = []
    first_step = step
    until = step + args.steps
    loop_started = time.monotonic()
    while step < until:
        idx = torch.randint(0, x.shape[0], (args.batch,), generator=gen).to(device)
        loss = torch.nn.functional.mse_loss(ddp(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        value = loss.detach().clone()
        dist.all_reduce(value)
        losses.append(float(value) / world)
        if rank == 0 and (step % args.log_every == 0 or step == until):
            emit(event="step", step=step, loss=round(losses[-1], 6))
        if rank == 0 and (step % args.every == 0 or step == until):
            save_checkpoint(
                checkpoints,
                args.checkpoints,
                args.run,
                step,
                {"step": step, "model": model.state_dict(), "opt": opt.state_dict()},
            )
    loop_s = time.monotonic() - loop_started
    dist.barrier()
    if rank == 0:
        done = step - first_step
        # Means over the first and last few steps: one batch's loss is noisy.
        window = max(1, min(10, len(losses) // 4))
        emit(
            event="done",
            backend=backend,
            world=world,
            hosts=hosts,
            start_step=first_step,
            steps=step,
            steps_run=done,
            loss_first=sum(losses[:window]) / window if losses else None,
            loss_last=sum(losses[-window:]) / window if losses else None,
            steps_per_s=round(done / loop_s, 2) if loop_s > 0 else None,
            wall_s=round(time.monotonic() - started, 2),
        )
    dist.destroy_process_group()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="train_smoke", description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=["prepare", "train"])
    p.add_argument("--datasets", required=True, help="datasets bucket")
    p.add_argument("--checkpoints", default="", help="checkpoints bucket (train)")
    p.add_argument("--creds-dir", default="/etc/aidc/s3")
    p.add_argument(
        "--source",
        choices=["s3", "hdfs"],
        default="s3",
        help="where the shards are: the datasets bucket, or HDFS under /<datasets>/",
    )
    p.add_argument("--run", default="smoke", help="checkpoint prefix: a run resumes its own")
    p.add_argument("--steps", type=int, default=200, help="steps to run, from where it resumes")
    p.add_argument("--every", type=int, default=50, help="checkpoint every N steps")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--shards", type=int, default=8)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--timeout-s", type=int, default=120)
    args = p.parse_args(argv)
    if args.command == "prepare":
        return prepare(args)
    if not args.checkpoints:
        p.error("train needs --checkpoints")
    return train(args)


if __name__ == "__main__":
    sys.exit(main())
