"""The workload layer without a cluster: Slurm's place in the spec (controller, flows, the
inventory's aidc_slurm) and the roles' templates rendered for the lab and for aws nodes."""

from __future__ import annotations

import copy
import shlex
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from aidc.inventory.clustervars import slurm_vars
from aidc.inventory.contract import NodeOut
from aidc.spec import SpecError, effective_flows, load_spec, slurm_controller
from aidc.spec.derive import SLURMCTLD_PORT, SLURMD_PORT, workload_flows

REPO = Path(__file__).resolve().parents[2]
STACKS = REPO / "stacks"
ROLES = REPO / "roles"


def raw(stack: str) -> dict[str, Any]:
    doc = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = copy.deepcopy(doc["config"]["aidc:cluster"])
    return spec


def nodes_of(spec: dict[str, Any]) -> list[NodeOut]:
    cluster, _ = load_spec(spec)
    return [
        NodeOut(
            name=f"{cluster.name}-{p.name}-{i}",
            pool=p.name,
            roles=p.roles,
            addresses={"net": f"10.0.{n}.{i}"},
            ansible_host=f"10.0.{n}.{i}",
            ssh_user="root",
        )
        for n, p in enumerate(cluster.pools)
        for i in range(1, p.count + 1)
    ]


def test_the_lab_spec_opens_slurms_ports_between_the_right_roles() -> None:
    cluster, _ = load_spec(raw("lab"))
    flows = {(f.source, f.destination, f.ports) for f in workload_flows(cluster)}
    srun = cluster.workload.slurm.srun_ports
    assert flows == {
        ("gpu", "login", (SLURMCTLD_PORT, SLURMCTLD_PORT)),
        ("login", "gpu", (SLURMD_PORT, SLURMD_PORT)),
        ("gpu", "login", srun),
        ("gpu", "gpu", (SLURMD_PORT, SLURMD_PORT)),
        ("gpu", "gpu", srun),
    }
    assert all(f.description.startswith("slurm: ") for f in workload_flows(cluster))
    assert effective_flows(cluster)[: len(cluster.firewall.flows)] == cluster.firewall.flows


def test_slurm_off_opens_nothing_and_exports_nothing() -> None:
    spec = raw("lab")
    spec["workload"] = {"slurm": {"enabled": False}}
    cluster, _ = load_spec(spec)
    assert workload_flows(cluster) == ()
    assert not any(f.description.startswith("slurm") for f in effective_flows(cluster))
    assert slurm_vars(cluster, nodes_of(spec)) is None


def test_the_controller_is_the_login_pool_else_a_monitor_pool_else_not_storage() -> None:
    spec = raw("lab")
    cluster, _ = load_spec(spec)
    assert slurm_controller(cluster) is not None
    assert slurm_controller(cluster).name == "login"  # type: ignore[union-attr]
    spec["pools"][0]["roles"] = ["monitor"]
    spec["firewall"]["flows"] = [f for f in spec["firewall"]["flows"] if f["source"] != "login"]
    cluster, _ = load_spec(spec)
    assert slurm_controller(cluster).name == "login"  # type: ignore[union-attr]
    spec["workload"] = {"slurm": {"controller_pool": "gpu"}}
    cluster, _ = load_spec(spec)
    assert slurm_controller(cluster).name == "gpu"  # type: ignore[union-attr]


def test_an_unknown_controller_pool_is_named_with_the_pools_allowed() -> None:
    spec = raw("lab")
    spec["workload"] = {"slurm": {"controller_pool": "nope", "health_check_interval_s": 5}}
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    text = str(caught.value)
    assert "workload.slurm.controller_pool: 'nope' is not a pool of this spec; allowed: " in text
    assert "workload.slurm.health_check_interval_s:" in text


def test_the_inventory_names_controller_partitions_gres_and_efa() -> None:
    spec = raw("aws-p5")
    cluster, _ = load_spec(spec)
    nodes = nodes_of(spec)
    found = slurm_vars(cluster, nodes)
    assert found is not None
    login = next(n for n in nodes if "login" in n.roles)
    assert (found.controller, found.controller_address) == (login.name, login.ansible_host)
    by_name = {p.name: p for p in found.partitions}
    gpu_pool = next(p for p in cluster.pools if "gpu" in p.roles)
    part = by_name[gpu_pool.name]
    assert part.gres == "gpu:h100-sxm:8" and part.efa is True
    assert part.nodes == tuple(n.name for n in nodes if n.pool == gpu_pool.name)
    assert not any("storage" in p.name for p in found.partitions)


def render(role: str, template: str, **context: Any) -> str:
    env = jinja2.Environment(  # noqa: S701 - config files, not HTML
        loader=jinja2.FileSystemLoader(ROLES / role / "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
    )
    env.filters["quote"] = lambda s: shlex.quote(str(s))
    env.filters["comment"] = lambda s: f"#\n# {s}\n#"
    env.filters["bool"] = bool
    text: str = env.get_template(template).render(ansible_managed="Ansible managed", **context)
    return text


def role_vars(role: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROLES / role / "vars" / "main.yml").read_text())
    return data


def batch_file(partition: dict[str, Any]) -> str:
    return render(
        "train_smoke",
        "train_smoke.sbatch.j2",
        **role_vars("train_smoke"),
        train_smoke_partition=partition["name"],
        train_smoke_nodes=2,
        train_smoke_timeout_s=900,
        train_smoke_master_port=29500,
        train_smoke_dir="/opt/aidc/train",
        train_smoke_datasets_bucket="p5-datasets",
        train_smoke_checkpoints_bucket="p5-checkpoints",
        __train_smoke_partition=partition,
    )


def test_the_batch_file_sets_ncclover_efa_on_efa_types_only() -> None:
    efa = batch_file({"name": "gpu", "gres": "gpu:h100-sxm:8", "efa": True})
    assert "export FI_PROVIDER=efa" in efa and "export NCCL_NET=ofi" in efa
    assert "#SBATCH --gres=gpu:8" in efa and "#SBATCH --nodes=2" in efa
    plain = batch_file({"name": "gpu", "gres": "gpu:h200-sxm:8", "efa": False})
    assert "FI_PROVIDER" not in plain
    cpu = batch_file({"name": "cpu", "gres": "", "efa": False})
    assert "--gres" not in cpu
    assert "srun --kill-on-bad-exit=1" in cpu


def slurm_conf(cgroup: bool) -> str:
    facts = {
        "processor_vcpus": 192,
        "processor_count": 2,
        "processor_cores": 48,
        "processor_threads_per_core": 2,
        "memtotal_mb": 2_000_000,
    }
    hostvars = {
        "p5-login-1": {"ansible_host": "10.0.0.10"},
        "p5-gpu-1": {"ansible_host": "10.0.1.10", "ansible_facts": facts},
        "p5-gpu-2": {"ansible_host": "10.0.1.11", "ansible_facts": facts},
    }
    return render(
        "slurm",
        "slurm.conf.j2",
        **role_vars("slurm"),
        **{
            k: v
            for k, v in yaml.safe_load((ROLES / "slurm/defaults/main.yml").read_text()).items()
            if not isinstance(v, str) or "{{" not in v
        },
        slurm_cluster_name="p5",
        slurm_controller="p5-login-1",
        slurm_srun_ports=[60001, 60100],
        slurm_health_check_interval_s=60,
        slurm_partitions=[
            {"name": "gpu", "nodes": ["p5-gpu-1", "p5-gpu-2"], "gres": "gpu:h100-sxm:8"}
        ],
        hostvars=hostvars,
        __slurm_cgroup=cgroup,
    )


def test_slurm_conf_for_machines_and_for_containers() -> None:
    machine = slurm_conf(cgroup=True)
    assert "ProctrackType=proctrack/cgroup" in machine
    assert "TaskPlugin=task/cgroup,task/affinity" in machine
    assert "SlurmctldHost=p5-login-1(10.0.0.10)" in machine
    assert "SrunPortRange=60001-60100" in machine
    line = next(x for x in machine.splitlines() if x.startswith("NodeName=p5-gpu-1 "))
    assert "CPUs=192 Sockets=2 CoresPerSocket=48 ThreadsPerCore=2" in line
    assert "RealMemory=1900000 Gres=gpu:h100-sxm:8" in line
    assert "PartitionName=gpu Nodes=p5-gpu-1,p5-gpu-2 Default=YES" in machine
    assert "HealthCheckProgram=/usr/local/sbin/aidc-slurm-health" in machine
    container = slurm_conf(cgroup=False)
    assert "ProctrackType=proctrack/linuxproc" in container and "TaskPlugin=task/none" in container
