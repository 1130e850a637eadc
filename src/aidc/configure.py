"""Ansible runs against a stack's inventory, through ansible-runner.

Each run has its own private data folder, `.aidc/runs/<stack>-<name>/`; its artifacts (the
play's text output in `stdout`, one JSON file per event in `job_events/`) are the run's log.
The result is read from the runner's per-host stats and events, never from the text.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ansible_runner
import yaml

from aidc.engine import REPO, engine_env

RUNS = REPO / ".aidc" / "runs"
KEEP_ARTIFACTS = 5
OnRunnerEvent = Callable[[Mapping[str, Any]], object]


@dataclass(frozen=True)
class TaskFailure:
    host: str
    task: str
    message: str
    unreachable: bool = False

    def __str__(self) -> str:
        kind = "unreachable" if self.unreachable else "failed"
        return f"{self.host}: {kind}: {self.task}: {self.message}"


@dataclass(frozen=True)
class PlayResult:
    returncode: int
    changed: dict[str, int]
    failed: dict[str, int]
    unreachable: dict[str, int]
    log: Path
    ok_tasks: dict[str, int] = field(default_factory=dict)
    failures: tuple[TaskFailure, ...] = ()
    status: str = ""

    @property
    def hosts(self) -> list[str]:
        return sorted(self.changed)

    @property
    def ok(self) -> bool:
        """Every host converged; a run that reached no host (an inventory that did not parse
        leaves Ansible with none, and it exits 0) is no success."""
        return (
            self.returncode == 0
            and bool(self.hosts)
            and not any(self.failed.values())
            and not any(self.unreachable.values())
        )

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())

    @property
    def artifacts(self) -> Path:
        """The run's artifact folder: stdout, job_events/, command, rc, status."""
        return self.log.parent


def inventory_for(stack: str) -> Path:
    """inventory/<stack>.pulumi.yml when the repo has one, else one written under .aidc/ after
    the example of the lab's (the same inventory plugin, this stack)."""
    shipped = REPO / "inventory" / f"{stack}.pulumi.yml"
    if shipped.exists():
        return shipped
    example = yaml.safe_load((REPO / "inventory" / "lab.pulumi.yml").read_text())
    config = {**example, "stack": stack, "project_dir": str(REPO)}
    generated = REPO / ".aidc" / "inventory" / f"{stack}.pulumi.yml"
    generated.parent.mkdir(parents=True, exist_ok=True)
    generated.write_text(yaml.safe_dump(config, sort_keys=False))
    return generated


def ansible_env() -> dict[str, str]:
    """The environment of every Ansible run: the engine's (the inventory plugin reads the stack)
    and the repository's ansible.cfg."""
    env = engine_env()
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["ANSIBLE_NOCOLOR"] = "1"
    # ansible-runner turns host key checking off unless the environment says otherwise;
    # ansible.cfg keeps it on, and so does every run here.
    env["ANSIBLE_HOST_KEY_CHECKING"] = "True"
    # Where the object_store role keeps each purpose user's S3 keys on the controller.
    env.setdefault("AIDC_SECRETS_DIR", str(REPO / ".aidc" / "secrets"))
    return env


def private_dir(stack: str, name: str) -> Path:
    folder = RUNS / f"{stack}-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # artifacts hold the run's environment and task results
    return folder


def run(
    stack: str,
    name: str,
    *,
    on_event: OnRunnerEvent | None = None,
    **runner_args: Any,
) -> Any:
    """One ansible-runner run against the stack's inventory; returns the runner object."""

    def handle(event: Mapping[str, Any]) -> bool:
        if on_event is not None:
            on_event(event)
        return True  # keep every event in the artifacts

    return ansible_runner.run(
        private_data_dir=str(private_dir(stack, name)),
        ident=_ident(),
        rotate_artifacts=KEEP_ARTIFACTS,
        inventory=str(inventory_for(stack)),
        envvars=ansible_env(),
        suppress_env_files=True,  # the environment carries the state passphrase
        quiet=True,
        event_handler=handle,
        **runner_args,
    )


def _ident() -> str:
    """A run's artifact folder name: its start time, sortable."""
    now = time.time()
    return time.strftime("%Y%m%dT%H%M%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"


def run_site(
    stack: str,
    *extra: str,
    log_name: str = "site",
    playbook: str = "site.yml",
    on_event: OnRunnerEvent | None = None,
) -> PlayResult:
    """site.yml (or another playbook of the repo) with `extra` ansible-playbook arguments."""
    failures: list[TaskFailure] = []

    def watch(event: Mapping[str, Any]) -> None:
        failure = failure_of(event)
        if failure is not None:
            failures.append(failure)
        if on_event is not None:
            on_event(event)

    runner = run(
        stack,
        log_name,
        on_event=watch,
        project_dir=str(REPO),
        playbook=str(REPO / playbook),
        cmdline=shlex.join(extra) if extra else None,
    )
    log = Path(runner.config.artifact_dir) / "stdout"
    return play_result(runner.rc, runner.stats, log, failures, str(runner.status))


def play_result(
    returncode: int,
    stats: Mapping[str, Mapping[str, int]] | None,
    log: Path,
    failures: Sequence[TaskFailure] = (),
    status: str = "",
) -> PlayResult:
    """A PlayResult from the runner's stats (None when the play never got to its recap)."""
    stats = stats or {}
    hosts = sorted(set().union(*(stats.get(k, {}) for k in ("processed", "ok", "dark"))))

    def per_host(key: str) -> dict[str, int]:
        counts = stats.get(key, {})
        return {h: int(counts.get(h, 0)) for h in hosts}

    return PlayResult(
        returncode=returncode,
        changed=per_host("changed"),
        failed=per_host("failures"),
        unreachable=per_host("dark"),
        log=log,
        ok_tasks=per_host("ok"),
        failures=tuple(failures),
        status=status,
    )


def failure_of(event: Mapping[str, Any]) -> TaskFailure | None:
    """The failure an event reports: a failed task (errors not ignored) or an unreachable host."""
    kind = event.get("event")
    data: Mapping[str, Any] = event.get("event_data") or {}
    if kind not in ("runner_on_failed", "runner_on_unreachable") or data.get("ignore_errors"):
        return None
    res = data.get("res") or {}
    message = str(res.get("msg") or res.get("stderr") or res.get("reason") or "").strip()
    role = data.get("role")
    task = f"{role} : {data.get('task', '')}" if role else str(data.get("task", ""))
    return TaskFailure(
        host=str(data.get("host", "")),
        task=task,
        message=(message.splitlines() or ["(no message)"])[0][:300],
        unreachable=kind == "runner_on_unreachable",
    )
