"""HDFS figures on a configured lab: `hdfs dfs -put` and `-get` of a 256 MiB random file from a
client node (wall time of the command on the node, the JVM's start included, which is also
printed alone), and the artifact set's build time, cold (an empty cache: Maven Central, every
jar checked against the lockfile, packed) and cached (the second run, a no-op), in a scratch
cache so the real one is left as it is. Prints MB/s (10^6 bytes per second); asserts nothing
about speed.

    .venv/bin/python -m tests.bench.hdfs [stack] [--no-artifact]     # default stack: lab

Needs root (it reads the stack's SSH key), a stack configured with playbooks/hdfs.yml, and
Maven on the controller for the artifact figures.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aidc.engine import REPO, Stack
from aidc.inventory.contract import AwsOutputs, LabOutputs, parse_outputs
from tests.bench.remote import run_on

Outputs = LabOutputs | AwsOutputs
SIZE_MIB = 256


def timed(outputs: Outputs, node: str, command: str) -> float:
    """Seconds `command` took on the node, by the node's own clock."""
    script = (
        f"s=$(date +%s.%N); {command} >/dev/null; e=$(date +%s.%N); "
        'awk -v s="$s" -v e="$e" \'BEGIN { print e - s }\''
    )
    out = run_on(outputs, node, f"bash -c {shlex.quote(script)}")
    return float(out.strip().splitlines()[-1])


def put_get(outputs: Outputs, client: str) -> dict[str, float]:
    """put and get of SIZE_MIB MiB of random bytes through the hdfs command on `client`."""
    tag = f"bench-{int(time.time())}"
    local, back, remote = f"/tmp/{tag}.bin", f"/tmp/{tag}.back", f"/tmp/{tag}.bin"
    run_on(outputs, client, f"head -c {SIZE_MIB * 2**20} /dev/urandom > {local}")
    try:
        jvm = timed(outputs, client, "hdfs dfs -test -d /")
        put = timed(outputs, client, f"hdfs dfs -put {local} {remote}")
        get = timed(outputs, client, f"hdfs dfs -get {remote} {back}")
        same = run_on(outputs, client, f"cmp {local} {back} && echo same").strip()
        if same != "same":
            raise RuntimeError(f"{client}: the file read back differs from the one written")
    finally:
        run_on(outputs, client, f"rm -f {local} {back}; hdfs dfs -rm -f -skipTrash {remote}")
    size = SIZE_MIB * 2**20
    return {
        "jvm_s": jvm,
        "put_s": put,
        "get_s": get,
        "put": size / put / 1e6,
        "get": size / get / 1e6,
    }


def artifact_times() -> tuple[float, float] | None:
    """(cold, cached) seconds of scripts/setup-hadoop.sh in a scratch cache; None without
    Maven on the controller."""
    if shutil.which("mvn") is None:
        return None
    scratch = Path(tempfile.mkdtemp(prefix="aidc-hadoop-bench-"))
    env = {**os.environ, "AIDC_CACHE": str(scratch), "PYTHON": sys.executable}
    try:
        times = []
        for _ in range(2):
            start = time.monotonic()
            subprocess.run(
                [str(REPO / "scripts" / "setup-hadoop.sh")],
                env=env,
                check=True,
                capture_output=True,
                timeout=1800,
            )
            times.append(time.monotonic() - start)
        return times[0], times[1]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.hdfs")
    parser.add_argument("stack", nargs="?", default="lab")
    parser.add_argument("--stack", dest="stack_opt", help="the same as the positional stack")
    parser.add_argument("--no-artifact", action="store_true", help="skip the artifact figures")
    args = parser.parse_args(argv[1:])
    stack = args.stack_opt or args.stack
    outputs = parse_outputs(Stack(stack).outputs())
    hdfs = outputs.cluster_vars.aidc_hdfs
    if hdfs is None:
        print(f"stack {stack}: HDFS is off in its spec (storage.hdfs.enabled)", file=sys.stderr)
        return 2
    client = next((c for c in hdfs.clients if c not in hdfs.datanodes), hdfs.clients[0])
    print(
        f"aidc hdfs bench: stack {stack}, client {client}, {len(hdfs.datanodes)} DataNodes, "
        f"replication {hdfs.replication}, block {hdfs.block_size_mb} MiB"
    )
    rates = put_get(outputs, client)
    print(
        f"hdfs dfs, {SIZE_MIB} MiB: put {rates['put']:.1f} MB/s ({rates['put_s']:.1f} s), "
        f"get {rates['get']:.1f} MB/s ({rates['get_s']:.1f} s); "
        f"the client JVM's start alone {rates['jvm_s']:.1f} s"
    )
    if not args.no_artifact:
        times = artifact_times()
        if times is None:
            print("artifact build: no mvn on this machine")
        else:
            print(f"artifact build: cold {times[0]:.1f} s, cached {times[1]:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
