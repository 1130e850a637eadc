"""The workload layer on the lab: Slurm with accounting, GRES and the GPU gate as health check,
Podman with a locally built image, and the distributed training smoke job (issue 15).

Everything runs on the session's converged lab (site.yml includes the workload playbook):
Slurm is asked through its own commands on the controller, the container runtime directly
and through srun, and the training job through `playbooks/train_smoke.yml` (what `aidc
train-smoke` runs) and through sbatch as the job's user, its checkpoints read back from RGW.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import time
from typing import Any

import pytest

from aidc.configure import PlayResult, run_site
from aidc.report import build_report
from tests.integration import objects
from tests.integration.conftest import Lab

pytestmark = pytest.mark.integration

JOB_USER = "aidc-train"
BATCH = "/opt/aidc/train/train_smoke.sbatch"
HEALTH_ENV = "/etc/aidc/slurm-health.env"


@pytest.fixture(scope="module")
def slurm(lab: Lab, converged: PlayResult) -> Lab:
    assert converged.ok, [str(f) for f in converged.failures]
    assert lab.outputs.cluster_vars.aidc_slurm is not None
    return lab


def controller(lab: Lab) -> str:
    slurm = lab.outputs.cluster_vars.aidc_slurm
    assert slurm is not None
    return slurm.controller


def compute_nodes(lab: Lab) -> list[str]:
    slurm = lab.outputs.cluster_vars.aidc_slurm
    assert slurm is not None
    return [n for p in slurm.partitions for n in p.nodes]


def on(lab: Lab, node: str, command: str, timeout: float = 120) -> str:
    done = lab.ssh(node, command, timeout=timeout)
    assert done.returncode == 0, f"{node}: {command}: {done.stderr or done.stdout}"
    return done.stdout


def as_job_user(command: str) -> str:
    # TMPDIR: root's session's own, which the job's user cannot write.
    return f"cd /tmp && TMPDIR=/tmp runuser -u {JOB_USER} -- {command}"


def node_states(lab: Lab) -> dict[str, tuple[str, str]]:
    out = on(lab, controller(lab), "sinfo --noheader --Node --format '%N|%t|%E'")
    found = {}
    for line in out.splitlines():
        name, state, reason = line.split("|", 2)
        found[name] = (state.rstrip("*~#!%$@^-"), reason)
    return found


def test_every_compute_node_is_idle(slurm: Lab) -> None:
    states = node_states(slurm)
    assert {n: s for n, (s, _) in states.items()} == dict.fromkeys(compute_nodes(slurm), "idle")


def test_srun_runs_on_two_distinct_hosts_and_sacct_lists_it(slurm: Lab) -> None:
    out = on(slurm, controller(slurm), as_job_user("srun --nodes 2 --job-name it-srun hostname"))
    hosts = out.split()
    assert len(hosts) == 2 and len(set(hosts)) == 2, hosts
    assert set(hosts) <= set(compute_nodes(slurm))

    def listed() -> str | None:
        jobs = on(
            slurm,
            controller(slurm),
            "sacct --allusers --noheader --parsable2 -X --name it-srun --format JobID,State,User",
        )
        return jobs if "COMPLETED" in jobs and JOB_USER in jobs else None

    objects.wait("sacct to list the srun job", listed, timeout=30, every=2)


def test_gres_comes_from_the_inventory(slurm: Lab) -> None:
    for node in slurm.outputs.with_role("gpu"):
        shown = on(slurm, controller(slurm), f"scontrol show node {node.name}")
        assert f"Gres=gpu:{node.gpu_sku}:{node.gpus}" in shown, shown
    # Schedulable: a job asking for every GPU of two nodes runs and is charged for them.
    gpus = slurm.outputs.with_role("gpu")[0].gpus
    on(slurm, controller(slurm), as_job_user(f"srun -N2 --gres gpu:{gpus} -J it-gres true"))

    def charged() -> str | None:
        tres = on(
            slurm,
            controller(slurm),
            "sacct --allusers --noheader --parsable2 -X --name it-gres --format AllocTRES",
        )
        return tres if f"gres/gpu={2 * gpus}" in tres else None

    objects.wait("sacct to charge the job its GPUs", charged, timeout=30, every=2)


def test_munge_key_is_one_private_key_never_logged(slurm: Lab, converged: PlayResult) -> None:
    nodes = [controller(slurm), *compute_nodes(slurm)]
    digests = set()
    for node in nodes:
        mode = on(slurm, node, "stat -c '%a %U' /etc/munge/munge.key").strip()
        assert mode == "400 munge", f"{node}: {mode}"
        digests.add(on(slurm, node, "sha256sum /etc/munge/munge.key").split()[0])
    assert len(digests) == 1, "the nodes hold different keys"
    key = on(slurm, controller(slurm), "base64 -w0 /etc/munge/munge.key").strip()
    for path in converged.artifacts.rglob("*"):
        if path.is_file():
            assert key not in path.read_text(errors="replace"), f"the key is in {path}"
    credential = on(slurm, compute_nodes(slurm)[0], "munge -n").strip()
    decoded = on(slurm, controller(slurm), f"echo {shlex.quote(credential)} | unmunge")
    assert "STATUS:          Success" in decoded, decoded


def test_a_failing_gate_drains_the_node_and_a_passing_one_resumes_it(slurm: Lab) -> None:
    slurm_vars = slurm.outputs.cluster_vars.aidc_slurm
    assert slurm_vars is not None
    node = compute_nodes(slurm)[-1]
    interval = slurm_vars.health_check_interval_s
    # The lab's GPU nodes have no GPU, which the gate accepts there; require one and it fails.
    force = f"sed -i 's/^AIDC_GATE_REQUIRE_GPUS=.*/AIDC_GATE_REQUIRE_GPUS={{}}/' {HEALTH_ENV}"
    on(slurm, node, force.format(1))
    try:
        started = time.monotonic()

        def drained() -> str | None:
            state, reason = node_states(slurm)[node]
            return reason if state == "drain" and reason.startswith("gpu gate:") else None

        reason = objects.wait("the gate to drain the node", drained, interval + 15, every=1)
        assert time.monotonic() - started <= interval + 15
        assert "no NVIDIA GPU" in reason, reason
    finally:
        on(slurm, node, force.format(0))

    def resumed() -> bool:
        return node_states(slurm)[node][0] == "idle"

    objects.wait("the gate to resume the node", resumed, interval + 15, every=1)


def test_a_locally_built_container_runs_directly_and_through_slurm(slurm: Lab) -> None:
    image = "localhost/aidc/smoke:latest"
    node = compute_nodes(slurm)[0]
    assert on(slurm, node, f"podman run --rm {image}").strip() == "aidc smoke image"
    record = json.loads(on(slurm, node, "cat /etc/ansible/facts.d/aidc_container_runtime.fact"))
    assert record["nested"] is True and image in record["images"]
    driver = on(slurm, node, "podman info --format '{{.Store.GraphDriverName}}'").strip()
    assert driver == "overlay"
    # As root: the image is in root's storage (rootless users would need their own).
    out = on(slurm, controller(slurm), f"cd /tmp && srun --nodes 2 podman run --rm {image}")
    assert out.split("\n")[:2] == ["aidc smoke image"] * 2, out


def run_fact(lab: Lab) -> dict[str, Any]:
    fact = on(lab, controller(lab), "cat /etc/ansible/facts.d/aidc_train_smoke_run.fact")
    data: dict[str, Any] = json.loads(fact)
    return data


def checkpoint_digest(lab: Lab, key: str) -> tuple[int, str]:
    body = (
        objects.s3(lab, "checkpoints")
        .get_object(Bucket=objects.bucket(lab, "checkpoints"), Key=key)["Body"]
        .read()
    )
    return len(body), hashlib.sha256(body).hexdigest()


def test_training_job_learns_on_two_nodes_and_checkpoints(slurm: Lab) -> None:
    run = f"it-{int(time.time())}"
    job = run_site(
        slurm.stack.name,
        "--extra-vars",
        json.dumps({"train_smoke_run": run, "train_smoke_steps": 200}),
        log_name="it-train",
        playbook="playbooks/train_smoke.yml",
    )
    assert job.ok, [str(f) for f in job.failures] or job.log.read_text()[-3000:]
    fact = run_fact(slurm)
    assert fact["state"] == "COMPLETED" and fact["backend"] == "gloo"
    assert len(set(fact["hosts"])) == 2, fact["hosts"]
    assert (fact["start_step"], fact["steps"]) == (0, 200)
    assert fact["loss_last"] < fact["loss_first"] / 4, fact
    ckpt = fact["checkpoint"]
    assert ckpt["key"] == f"train-smoke/{run}/step-0000200.pt"
    assert checkpoint_digest(slurm, ckpt["key"]) == (ckpt["size"], ckpt["sha256"])
    # The report shows the scheduler, the job and the checkpoint.
    checks = build_report(slurm.stack.name, slurm.outputs, {}).checks
    assert "2/2 nodes idle" in checks["scheduler"], checks["scheduler"]
    assert f"job {fact['job_id']} COMPLETED on 2 nodes" in checks["training job"]
    assert ckpt["sha256"] in checks["checkpoint"]


def job_state(lab: Lab, job: str) -> str:
    out = on(
        lab, controller(lab), f"sacct --allusers --noheader --parsable2 -X -j {job} --format State"
    )
    return out.strip().split()[0] if out.strip() else ""


def newest_step(lab: Lab, run: str) -> int:
    listed = objects.s3(lab, "checkpoints").list_objects_v2(
        Bucket=objects.bucket(lab, "checkpoints"), Prefix=f"train-smoke/{run}/"
    )
    keys = [o["Key"] for o in listed.get("Contents", [])]
    return max((int(k.rsplit("step-", 1)[1].split(".")[0]) for k in keys), default=0)


def job_events(lab: Lab, job: str) -> list[dict[str, Any]]:
    batch_host = on(
        lab,
        controller(lab),
        f"sacct --allusers --noheader --parsable2 -j {job}.batch --format NodeList",
    ).split()[0]
    log = on(lab, batch_host, f"cat /opt/aidc/train/logs/{job}.out")
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def test_a_killed_node_fails_the_job_and_a_resubmission_resumes(slurm: Lab) -> None:
    run = f"it-kill-{int(time.time())}"
    ctl, victim = controller(slurm), compute_nodes(slurm)[-1]

    def submit(sbatch: str, steps: int) -> str:
        line = f"sbatch --parsable {sbatch} {BATCH} --run {run} --every 100 --steps {steps}"
        return on(slurm, ctl, as_job_user(line), timeout=300).strip().split(";")[0]

    job = submit("", 10_000_000)
    try:
        objects.wait("a first checkpoint", lambda: newest_step(slurm, run) > 0, 120, every=1)
        on(slurm, victim, "pkill -KILL -f 'train_smok[e].py'")
        state = objects.wait(
            "the job to fail",
            lambda: (s := job_state(slurm, job)) not in ("", "RUNNING", "PENDING") and s,
            120,
            every=1,
        )
        assert state in ("FAILED", "CANCELLED", "NODE_FAIL"), state
    finally:
        on(slurm, ctl, f"scancel {job}")
    saved = newest_step(slurm, run)
    again = submit("--wait", 50)
    assert job_state(slurm, again) == "COMPLETED"
    events = job_events(slurm, again)
    start = next(e for e in events if e["event"] == "start")
    done = next(e for e in events if e["event"] == "done")
    assert start["resumed_from"] == f"train-smoke/{run}/step-{saved:07d}.pt"
    assert (start["start_step"], done["steps"]) == (saved, saved + 50)
