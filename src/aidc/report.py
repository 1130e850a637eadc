"""`aidc report`: what a stack built and how its nodes answer, from stack outputs and the
records roles leave on each node (local facts in /etc/ansible/facts.d/aidc_*.fact)."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from aidc.cli.table import render

FACTS_GLOB = "/etc/ansible/facts.d/aidc_*.fact"
SSH_TIMEOUT_S = 20
HTTP_TIMEOUT_S = 3


@dataclass
class NodeReport:
    name: str
    pool: str
    roles: list[str]
    address: str
    reachable: bool
    facts: dict[str, Any] = field(default_factory=dict)


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


def ssh_command(outputs: dict[str, Any], node: dict[str, Any], command: str) -> list[str]:
    argv = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={SSH_TIMEOUT_S // 2}"]
    if outputs.get("known_hosts_path"):
        argv += [
            "-o",
            f"UserKnownHostsFile={outputs['known_hosts_path']}",
            "-o",
            "StrictHostKeyChecking=yes",
        ]
    if node.get("ssh_private_key_file"):
        argv += ["-i", node["ssh_private_key_file"]]
    if node.get("jump_host"):
        argv += ["-J", node["jump_host"]]
    return [*argv, f"{node.get('ssh_user', 'root')}@{node['ansible_host']}", command]


def _probe(outputs: dict[str, Any], node: dict[str, Any]) -> NodeReport:
    # One JSON object per fact file, keyed by its name: aidc_common -> {...}.
    script = (
        "for f in " + FACTS_GLOB + '; do [ -e "$f" ] || continue; '
        'printf \'%s\\t\' "$(basename "$f" .fact)"; tr -d \'\\n\' < "$f"; echo; done'
    )
    result = subprocess.run(
        ssh_command(outputs, node, script),
        capture_output=True,
        text=True,
        timeout=SSH_TIMEOUT_S,
        check=False,
    )
    facts: dict[str, Any] = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition("\t")
        try:
            facts[key] = json.loads(value)
        except json.JSONDecodeError:
            facts[key] = {"unreadable": value[:80]}
    return NodeReport(
        name=node["name"],
        pool=node["pool"],
        roles=list(node["roles"]),
        address=node["ansible_host"],
        reachable=result.returncode == 0,
        facts=facts,
    )


def _service_checks(nodes: list[NodeReport], cluster_vars: dict[str, Any]) -> dict[str, str]:
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
        "rgw endpoint": cluster_vars.get("aidc_rgw_endpoint") or "none",
    }


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


def build_report(stack: str, outputs: dict[str, Any], phases: dict[str, float]) -> Report:
    with ThreadPoolExecutor(max_workers=8) as pool:
        nodes = list(pool.map(lambda n: _probe(outputs, n), outputs.get("nodes", [])))
    cluster_vars = outputs.get("cluster_vars") or {}
    monitors = [n.address for n in nodes if "monitor" in n.roles]
    urls = {
        "prometheus": f"http://{monitors[0]}:9090/-/ready" if monitors else "",
        "rgw": cluster_vars.get("aidc_rgw_endpoint") or "",
        "apt proxy": cluster_vars.get("aidc_apt_proxy") or "",
    }
    services = {name: f"{url} ({_answers(url)})" if url else "none" for name, url in urls.items()}
    return Report(
        stack=stack,
        target=str(outputs.get("target", "?")),
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
        render(["service", "where"], [[k, v] for k, v in report.services.items()]),
        "",
        render(["check", "result"], [[k, v] for k, v in report.checks.items()]),
    ]
    if report.phases:
        phase_rows = [[k, f"{v:.1f}"] for k, v in report.phases.items()]
        phase_rows.append(["total", f"{sum(report.phases.values()):.1f}"])
        out += ["", render(["phase", "seconds"], phase_rows)]
    return "\n".join(out)
