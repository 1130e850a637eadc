"""`aidc report`: what a stack built and how its nodes answer, from the stack's outputs and
the records roles leave on each node (local facts in /etc/ansible/facts.d/aidc_*.fact).

The records are read through Ansible (one `setup` run filtered to `ansible_local`) against
the stack's inventory, so the report reaches nodes exactly as configuration does.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from aidc.cli.table import render
from aidc.configure import OnRunnerEvent, failure_of
from aidc.configure import run as run_ansible
from aidc.inventory.contract import AwsOutputs, ClusterVars, LabOutputs, parse_outputs

FACT_PREFIX = "aidc_"
HTTP_TIMEOUT_S = 3
CONNECT_TIMEOUT_S = 10


@dataclass
class NodeReport:
    name: str
    pool: str
    roles: list[str]
    address: str
    reachable: bool
    facts: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class Report:
    stack: str
    target: str
    nodes: list[NodeReport]
    services: dict[str, str]
    checks: dict[str, str]
    phases: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """What one host said to the facts run."""

    reachable: bool
    facts: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def answers(events: Iterable[Mapping[str, Any]]) -> dict[str, Answer]:
    """Each host's answer, from the facts run's events."""
    found: dict[str, Answer] = {}
    for event in events:
        data: Mapping[str, Any] = event.get("event_data") or {}
        host = data.get("host")
        if not host:
            continue
        if event.get("event") == "runner_on_ok":
            local = ((data.get("res") or {}).get("ansible_facts") or {}).get("ansible_local") or {}
            found[host] = Answer(True, _records(local))
        elif (failure := failure_of(event)) is not None:
            found[host] = Answer(not failure.unreachable, {}, failure.message)
    return found


def _records(local: Mapping[str, Any]) -> dict[str, Any]:
    """The aidc records among a host's local facts; a file Ansible could not parse says so."""
    return {
        name: value if isinstance(value, dict) else {"unreadable": str(value)[:80]}
        for name, value in local.items()
        if name.startswith(FACT_PREFIX)
    }


def read_facts(stack: str, on_event: OnRunnerEvent | None = None) -> dict[str, Answer]:
    """One `setup` run over the stack's inventory, keeping only the local facts."""
    events: list[Mapping[str, Any]] = []

    def keep(event: Mapping[str, Any]) -> None:
        events.append(event)
        if on_event is not None:
            on_event(event)

    run_ansible(
        stack,
        "report",
        on_event=keep,
        module="ansible.builtin.setup",
        module_args="gather_subset=!all,!min,local filter=ansible_local",
        host_pattern="aidc",
        cmdline=f"--timeout {CONNECT_TIMEOUT_S}",
    )
    return answers(events)


def _service_checks(nodes: list[NodeReport], cluster_vars: ClusterVars) -> dict[str, str]:
    """What each concern reports; roles not yet applied say so instead of guessing."""

    def from_fact(fact: str, key: str, missing: str) -> str:
        values = sorted({str(n.facts[fact].get(key)) for n in nodes if fact in n.facts})
        return ", ".join(values) if values else missing

    gpu_nodes = [n for n in nodes if "gpu" in n.roles]
    return {
        "configured (common role)": f"{sum('aidc_common' in n.facts for n in nodes)}/{len(nodes)}",
        "ceph health": from_fact("aidc_ceph", "health", "not configured: ceph role not applied"),
        "hardening": _hardening(nodes),
        "monitoring": from_fact(
            "aidc_prometheus", "summary", "not configured: prometheus role not applied"
        ),
        "gpu gate": from_fact(
            "aidc_gpu_validate",
            "result",
            f"skipped: no gate record on {len(gpu_nodes)} gpu nodes (lab nodes have no NVIDIA GPU)"
            if gpu_nodes
            else "no gpu nodes",
        ),
        "rgw endpoint": cluster_vars.aidc_rgw_endpoint or "none",
        "shared file systems": _filesystems(nodes, cluster_vars),
        "hdfs": _hdfs(nodes, cluster_vars),
        **_workload(nodes, cluster_vars),
    }


def _hdfs(nodes: list[NodeReport], cluster_vars: ClusterVars) -> str:
    """HDFS's state and live DataNodes, from the NameNode's hdfs record."""
    hdfs = cluster_vars.aidc_hdfs
    if hdfs is None:
        return "none: HDFS is off in the spec"
    record = next((n.facts.get("aidc_hdfs") for n in nodes if n.name == hdfs.namenode), None)
    if not record:
        return f"not configured: hdfs role not applied on {hdfs.namenode}"
    return (
        f"{hdfs.namenode}: {record.get('state', 'unknown')}, "
        f"{record.get('datanodes_live', '?')}/{len(hdfs.datanodes)} DataNodes live, "
        f"replication {hdfs.replication}"
    )


def _filesystems(nodes: list[NodeReport], cluster_vars: ClusterVars) -> str:
    """Each shared file system: on how many of its clients it is mounted, and by what client,
    from the shared_fs role's records."""
    if not cluster_vars.aidc_filesystems:
        return "none in the spec"
    by_name = {n.name: n for n in nodes}
    parts = []
    for fs in cluster_vars.aidc_filesystems:
        mounts = [
            m
            for c in fs.clients
            if c in by_name
            for m in by_name[c].facts.get("aidc_shared_fs", {}).get("mounts", [])
            if m.get("name") == fs.name
        ]
        how = ", ".join(sorted({str(m.get("client")) for m in mounts})) or "no record"
        parts.append(
            f"{fs.name} ({fs.kind}) at {fs.mount_path}: mounted on {len(mounts)}/"
            f"{len(fs.clients)} clients ({how})"
        )
    return "; ".join(parts)


def _workload(nodes: list[NodeReport], cluster_vars: ClusterVars) -> dict[str, str]:
    """The scheduler's live state, the last training smoke job and its checkpoint, from the
    controller's local facts (aidc_scheduler is an executable fact that runs sinfo)."""
    slurm = cluster_vars.aidc_slurm
    if slurm is None:
        return {"scheduler": "none: Slurm is off in the spec"}
    controller = next((n for n in nodes if n.name == slurm.controller), None)
    facts = controller.facts if controller else {}
    state = facts.get("aidc_scheduler")
    if not state:
        scheduler = f"not configured: slurm role not applied on {slurm.controller}"
    elif "error" in state:
        scheduler = f"{slurm.controller}: {state['error']}"
    else:
        parts = ", ".join(
            f"{p['name']} ({p['nodes']} nodes, {p['avail']})" for p in state.get("partitions", [])
        )
        others = ", ".join(
            f"{n} {c}" for n, c in sorted(state.get("states", {}).items()) if n != "idle"
        )
        scheduler = (
            f"slurm on {slurm.controller}: {state.get('nodes_idle', 0)}/"
            f"{state.get('nodes_total', 0)} nodes idle{f' ({others})' if others else ''}; "
            f"partitions {parts or 'none'}"
        )
    out = {"scheduler": scheduler}
    run = facts.get("aidc_train_smoke_run")
    if not run:
        out["training job"] = "not run: aidc train-smoke"
        return out
    hosts = run.get("hosts") or []
    out["training job"] = (
        f"job {run.get('job_id')} {run.get('state')} on {len(hosts)} nodes "
        f"({', '.join(hosts) or run.get('nodelist')}), {run.get('backend')}, steps "
        f"{run.get('start_step')} -> {run.get('steps')}, loss {_num(run.get('loss_first'))} -> "
        f"{_num(run.get('loss_last'))}, {_num(run.get('steps_per_s'))} steps/s, wall "
        f"{_num(run.get('wall_s'))} s"
    )
    ckpt = run.get("checkpoint") or {}
    out["checkpoint"] = (
        f"s3://{ckpt.get('bucket')}/{ckpt.get('key')} ({ckpt.get('size')} bytes, "
        f"sha256 {ckpt.get('sha256')})"
        if ckpt.get("key")
        else "none written"
    )
    return out


def _num(value: Any) -> str:
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return str(value)


def _hardening(nodes: list[NodeReport]) -> str:
    """One line for all nodes: how many are hardened, controls per node, what is not live."""
    records = [n.facts["aidc_hardening"] for n in nodes if "aidc_hardening" in n.facts]
    if not records:
        return "not configured: hardening role not applied"
    counts = sorted(int(r.get("controls_applied", 0)) for r in records)
    spread = str(counts[0]) if counts[0] == counts[-1] else f"{counts[0]}-{counts[-1]}"
    profiles = ", ".join(sorted({str(r.get("profile")) for r in records}))
    line = f"{len(records)}/{len(nodes)} nodes, {spread} controls each (profile {profiles})"
    not_live = sorted({item for r in records for item in r.get("not_live_in_container", [])})
    return line + (f"; in a container, not live: {', '.join(not_live)}" if not_live else "")


def _answers(url: str) -> str:
    """Whether anything answers HTTP at url (any status counts: the service is there)."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S):  # noqa: S310 - our own nodes
            return "answers"
    except urllib.error.HTTPError:
        return "answers"
    except (urllib.error.URLError, OSError):
        return "no answer"


def build_report(
    stack: str,
    outputs: Mapping[str, Any] | LabOutputs | AwsOutputs,
    phases: dict[str, float],
    *,
    on_event: OnRunnerEvent | None = None,
) -> Report:
    typed = parse_outputs(dict(outputs)) if isinstance(outputs, Mapping) else outputs
    said = read_facts(stack, on_event)
    nodes = []
    for node in typed.nodes:
        answer = said.get(node.name, Answer(False, {}, "no answer from Ansible"))
        nodes.append(
            NodeReport(
                name=node.name,
                pool=node.pool,
                roles=list(node.roles),
                address=node.ansible_host,
                reachable=answer.reachable,
                facts=answer.facts,
                error=answer.error,
            )
        )
    cluster_vars = typed.cluster_vars
    monitors = [n.address for n in nodes if "monitor" in n.roles]
    urls = {
        "prometheus": f"http://{monitors[0]}:9090/-/ready" if monitors else "",
        "rgw": cluster_vars.aidc_rgw_endpoint,
        "apt proxy": cluster_vars.aidc_apt_proxy,
    }
    services = {name: f"{url} ({_answers(url)})" if url else "none" for name, url in urls.items()}
    return Report(
        stack=stack,
        target=typed.target,
        nodes=nodes,
        services=services,
        checks=_service_checks(nodes, cluster_vars),
        phases=phases,
    )


def format_report(report: Report) -> str:
    rows = [
        [
            n.name,
            n.pool,
            "+".join(n.roles),
            n.address,
            "yes" if n.reachable else "NO",
            ", ".join(sorted(k.removeprefix("aidc_") for k in n.facts)) or "-",
        ]
        for n in report.nodes
    ]
    out = [
        f"aidc report: stack {report.stack} (target {report.target})",
        "",
        render(["node", "pool", "roles", "address", "ssh", "roles applied"], rows),
        "",
        *_problems(report.nodes),
        render(["service", "where"], [[k, v] for k, v in report.services.items()]),
        "",
        render(["check", "result"], [[k, v] for k, v in report.checks.items()]),
    ]
    if report.phases:
        phase_rows = [[k, f"{v:.1f}"] for k, v in report.phases.items()]
        phase_rows.append(["total", f"{sum(report.phases.values()):.1f}"])
        out += ["", render(["phase", "seconds"], phase_rows)]
    return "\n".join(out)


def _problems(nodes: list[NodeReport]) -> list[str]:
    """One line per node that did not answer or failed to report, then a blank line."""
    lines = [
        f"{n.name}: {'unreachable' if not n.reachable else 'facts not read'}: {n.error}"
        for n in nodes
        if n.error or not n.reachable
    ]
    return [*lines, ""] if lines else []
