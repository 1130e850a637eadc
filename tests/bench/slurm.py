"""Workload figures on a configured lab: Slurm's submit-to-start latency (srun on 1 and on 2
nodes, median of several), the training smoke job's steps/s on 1 node and on 2 nodes side by
side, and the time the workload layer took in the last configure run (its plays' share of
site.yml, from that run's recorded events). Prints figures; asserts nothing about speed.

    .venv/bin/python -m tests.bench.slurm [stack]     # default stack: lab

Needs root (it reads the stack's SSH key) and a stack configured by site.yml.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import datetime

import yaml

from aidc.engine import REPO, Stack
from aidc.inventory.contract import AwsOutputs, LabOutputs, parse_outputs
from tests.bench.remote import run_on

Outputs = LabOutputs | AwsOutputs
TRIES = 7
STEPS = 1500
JOB_USER = "aidc-train"
BATCH = "/opt/aidc/train/train_smoke.sbatch"


def submit_to_start(outputs: Outputs, controller: str, nodes: int) -> list[float]:
    """Seconds from srun's start on the controller to the first task's clock (one host clock
    on the lab; NTP-synchronised elsewhere)."""
    script = (
        "import subprocess, time; t = time.time(); "
        f"out = subprocess.run(['runuser', '-u', '{JOB_USER}', '--', 'srun', '--nodes', "
        f"'{nodes}', 'date', '+%s.%N'], capture_output=True, text=True, check=True, "
        "cwd='/tmp').stdout.split(); print(min(float(x) for x in out) - t)"
    )
    return [
        float(run_on(outputs, controller, f"python3 -c {json.dumps(script)}")) for _ in range(TRIES)
    ]


def steps_per_s(outputs: Outputs, controller: str, nodes: int) -> dict[str, float]:
    run = f"bench-{nodes}n-{int(time.time())}"
    out = run_on(
        outputs,
        controller,
        f"cd /tmp && runuser -u {JOB_USER} -- sbatch --parsable --wait --nodes {nodes} {BATCH} "
        f"--run {run} --steps {STEPS} --every {STEPS}",
    )
    job = out.strip().split(";")[0]
    accounting = f"sacct --allusers --noheader --parsable2 -j {job}.batch --format NodeList"
    host = run_on(outputs, controller, accounting).split()[0]
    log = run_on(outputs, host, f"cat /opt/aidc/train/logs/{job}.out")
    done = next(
        json.loads(line) for line in log.splitlines() if line.startswith('{"') and '"done"' in line
    )
    return {"steps_per_s": done["steps_per_s"], "wall_s": done["wall_s"], "world": done["world"]}


def workload_share(stack: str) -> tuple[float, float] | None:
    """(seconds in the workload plays, seconds of the whole run) of the newest site.yml run
    with a recap, from its events' timestamps."""
    plays = {p["name"] for p in yaml.safe_load((REPO / "playbooks/workload.yml").read_text())}
    runs = (REPO / ".aidc" / "runs").glob(f"{stack}-*/artifacts/*/job_events")
    for events_dir in sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True):
        events = []
        for path in events_dir.glob("*.json"):
            event = json.loads(path.read_text())
            if "created" in event:
                events.append(event)
        events.sort(key=lambda e: e["created"])
        starts = [
            (datetime.fromisoformat(e["created"]), e["event_data"].get("play", ""))
            for e in events
            if e["event"] == "playbook_on_play_start"
        ]
        stats = [e for e in events if e["event"] == "playbook_on_stats"]
        if not stats or not any(name in plays for _, name in starts):
            continue
        end = datetime.fromisoformat(stats[-1]["created"])
        spent = 0.0
        for (when, name), (after, _) in zip(starts, [*starts[1:], (end, "")], strict=True):
            if name in plays:
                spent += (after - when).total_seconds()
        total = (end - datetime.fromisoformat(events[0]["created"])).total_seconds()
        return spent, total
    return None


def main(argv: list[str]) -> int:
    stack = argv[1] if len(argv) > 1 else "lab"
    outputs = parse_outputs(Stack(stack).outputs())
    slurm = outputs.cluster_vars.aidc_slurm
    if slurm is None:
        print(f"stack {stack}: Slurm is off in its spec", file=sys.stderr)
        return 2
    ctl = slurm.controller
    print(f"aidc slurm bench: stack {stack}, controller {ctl}")
    for nodes in (1, 2):
        lat = submit_to_start(outputs, ctl, nodes)
        print(
            f"submit-to-start, srun -N{nodes}: median {statistics.median(lat) * 1000:.0f} ms "
            f"(min {min(lat) * 1000:.0f}, max {max(lat) * 1000:.0f}, {TRIES} runs)"
        )
    one, two = steps_per_s(outputs, ctl, 1), steps_per_s(outputs, ctl, 2)
    ratio = two["steps_per_s"] / one["steps_per_s"]
    print(
        f"training smoke job, {STEPS} steps: 1 node {one['steps_per_s']:.1f} steps/s "
        f"(wall {one['wall_s']:.1f} s), 2 nodes {two['steps_per_s']:.1f} steps/s "
        f"(wall {two['wall_s']:.1f} s); 2-node/1-node: steps/s {ratio:.2f}, "
        f"samples/s {2 * ratio:.2f}"
    )
    share = workload_share(stack)
    if share is None:
        print("workload plays: no recorded site.yml run with them")
    else:
        spent, total = share
        print(
            f"workload plays in the newest configure run: {spent:.0f} s of {total:.0f} s "
            f"({100 * spent / total:.0f}%)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
