"""The live progress display, fed recorded engine and Ansible events."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from aidc.progress import ERASE, Progress

DATA = Path(__file__).parent / "data"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def recorded(name: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads((DATA / name).read_text())
    return events


def engine_events() -> list[auto.EngineEvent]:
    return [auto.EngineEvent.from_json(e) for e in recorded("engine-events-up.json")]


def test_a_terminal_gets_one_redrawn_line_of_resources_done_over_total() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, tty=True, clock=clock, width=200, ticker=False)
    events = engine_events()
    total = len({e.resource_pre_event.metadata.urn for e in events if e.resource_pre_event})
    progress.phase("pulumi up")
    for event in events:
        clock.now += 1
        progress.engine_event(event)
    progress.done("create 3")
    text = out.getvalue()
    frames = text.split("\r")
    assert all(ERASE in f for f in frames[1:-1]), "each frame erases the rest of the line"
    assert f"resources {total}/{total}" in frames[-2]
    assert "creating" in text
    assert text.endswith("pulumi up: " + f"{clock.now:.1f} s: create 3\n")
    assert text.count("\n") == 1, "only the phase's last line stays"


def test_plain_output_prints_at_most_one_status_line_per_interval() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, tty=False, clock=clock, interval_s=5, ticker=False)
    progress.phase("pulumi up")
    events = engine_events()
    for event in events:
        clock.now += 0.5
        progress.engine_event(event)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0] == "pulumi up ..."
    assert 1 < len(lines) <= 2 + len(events) * 0.5 / 5


def test_the_total_is_at_least_what_the_stack_held_before() -> None:
    out = io.StringIO()
    progress = Progress(out, tty=False, interval_s=0, ticker=False)
    progress.phase("pulumi up", expected=40)
    progress.engine_event(engine_events()[0])
    assert "/40" in out.getvalue().splitlines()[-1]


def test_configure_shows_the_current_task_and_each_failed_host() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, tty=True, clock=clock, width=200, ticker=False)
    progress.phase("ansible site.yml")
    for event in recorded("runner-events-play.json"):
        clock.now += 1
        assert progress.runner_event(event) is True
    progress.done("2 hosts")
    text = out.getvalue()
    assert "now Change something" in text
    assert "tasks done 2, changed 2; now Refuse on beta" in text
    # A failure stays on screen as its own line; an ignored one is no failure.
    permanent = [line.rpartition("\r")[2].removeprefix(ERASE) for line in text.split("\n")]
    assert "  beta: failed: Refuse on beta: beta refuses" in permanent
    assert not any("alpha: failed" in line for line in permanent)
    assert "failed: beta" in text  # the status line names the failed host too


def test_the_facts_run_counts_hosts_that_answered_and_names_unreachable_ones() -> None:
    out = io.StringIO()
    progress = Progress(out, tty=False, interval_s=0, ticker=False)
    progress.phase("report", expected=2)
    for event in recorded("runner-events-facts.json"):
        progress.runner_event(event)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("  gone: unreachable: ") for line in lines)
    assert lines[-1].endswith("hosts answered 1/2; unreachable: gone")


def test_a_long_status_is_cut_to_the_terminal_width() -> None:
    out = io.StringIO()
    progress = Progress(out, tty=True, width=40, ticker=False)
    progress.phase("ansible site.yml " + "x" * 80)
    frame = out.getvalue().split("\r")[-1].removesuffix(ERASE)
    assert len(frame) < 40


def test_plain_output_shows_a_quiet_phase_is_alive_every_heartbeat() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, tty=False, clock=clock, interval_s=5, heartbeat_s=30, ticker=False)
    progress.phase("pulumi up", expected=17)
    for event in engine_events()[:3]:
        progress.engine_event(event)
    for second in range(1, 91):
        clock.now = second
        progress.tick()
    lines = out.getvalue().splitlines()
    assert [line.partition("]")[0] for line in lines[1:]] == [
        "pulumi up [5 s",  # the news held back by the interval
        "pulumi up [35 s",
        "pulumi up [65 s",
    ]
