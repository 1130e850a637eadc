"""Ansible runs through ansible-runner: results from its stats and events, never its text."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from aidc import configure
from aidc.configure import TaskFailure, failure_of, play_result, run_site

DATA = Path(__file__).parent / "data"

PLAY = """
- name: Unit play
  hosts: all
  gather_facts: false
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: hello
    - name: Change something
      ansible.builtin.command: "true"
    - name: Refuse on beta
      ansible.builtin.fail:
        msg: beta refuses
      when: inventory_hostname == 'beta'
    - name: Fail but ignored
      ansible.builtin.command: "false"
      ignore_errors: true
"""


def recorded(name: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads((DATA / name).read_text())
    return events


@pytest.fixture
def local_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two hosts on a local connection stand in for a stack's inventory; runs go to tmp."""
    inventory = tmp_path / "hosts.yml"
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(json.dumps({"all": {"hosts": {"alpha": local, "beta": local}}}))
    monkeypatch.setattr(configure, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(configure, "inventory_for", lambda stack: inventory)
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    return play


def test_a_run_reports_per_host_stats_and_the_failures_it_saw(local_hosts: Path) -> None:
    events: list[Any] = []
    result = run_site("unit", log_name="play", playbook=str(local_hosts), on_event=events.append)
    assert not result.ok and result.returncode != 0
    assert result.failed == {"alpha": 0, "beta": 1}
    assert result.unreachable == {"alpha": 0, "beta": 0}
    assert result.changed["beta"] == 1 and result.total_changed >= 2
    # The ignored failure on alpha is no failure; the refusal on beta is, with its message.
    assert result.failures == (TaskFailure("beta", "Refuse on beta", "beta refuses"),)
    assert "playbook_on_stats" in {e["event"] for e in events}
    assert "TASK [Refuse on beta]" in result.log.read_text()
    assert result.log.parent == result.artifacts
    assert (result.artifacts / "job_events").is_dir()
    private = result.artifacts.parent.parent
    assert private.stat().st_mode & 0o777 == 0o700
    assert not (private / "env").exists(), "the environment is not written to disk"


def test_a_play_that_never_reached_its_recap_is_not_ok() -> None:
    result = play_result(4, None, Path("stdout"))
    assert not result.ok
    assert result.changed == {} and result.total_changed == 0


def test_a_play_that_reached_no_host_is_not_ok() -> None:
    empty: dict[str, dict[str, int]] = {k: {} for k in ("changed", "dark", "failures", "ok")}
    assert not play_result(0, empty, Path("stdout")).ok


def test_stats_cover_every_host_the_play_touched() -> None:
    stats = next(
        e for e in recorded("runner-events-play.json") if e["event"] == "playbook_on_stats"
    )
    result = play_result(2, stats["event_data"], Path("stdout"))
    assert set(result.changed) == set(result.failed) == {"alpha", "beta"}
    assert result.ok_tasks == {"alpha": 3, "beta": 2}


def test_unreachable_hosts_are_failures_of_their_own_kind() -> None:
    failures = [f for e in recorded("runner-events-facts.json") if (f := failure_of(e))]
    assert [(f.host, f.unreachable) for f in failures] == [("gone", True)]
    assert "Connection refused" in failures[0].message
    assert str(failures[0]).startswith("gone: unreachable: ")
