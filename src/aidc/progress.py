"""Live progress of the lab's phases, fed by the engine's and Ansible's event streams.

On a terminal one status line is redrawn in place (carriage return and erase-to-end-of-line);
elsewhere (CI, a pipe) the status is printed as plain lines, at most one every `interval_s`
seconds. Lines that matter later (a failed resource, a failed or unreachable host, the end of
a phase) are always printed in full.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from pulumi import automation as auto

from aidc.configure import failure_of

VERBS = {
    "create": "creating",
    "update": "updating",
    "delete": "deleting",
    "replace": "replacing",
    "create-replacement": "replacing",
    "delete-replaced": "deleting",
    "refresh": "refreshing",
    "read": "reading",
}
ERASE = "\x1b[K"
REDRAW_S = 0.1


@dataclass
class _Engine:
    expected: int = 0
    seen: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    busy: dict[str, str] = field(default_factory=dict)  # urn -> op, in start order

    def line(self) -> str:
        total = max(self.expected, len(self.seen))
        text = f"resources {len(self.done)}/{total}"
        if self.failed:
            text += f", {len(self.failed)} failed"
        if self.busy:
            urn, op = next(reversed(self.busy.items()))
            more = f" (+{len(self.busy) - 1} more)" if len(self.busy) > 1 else ""
            text += f"; {VERBS.get(op, op)} {_name(urn)}{more}"
        return text


@dataclass
class _Play:
    expected: int = 0
    tasks: int = 0
    role: str = ""
    task: str = ""
    changed: int = 0
    failed: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)

    def line(self) -> str:
        if not self.tasks and not (self.expected or self.answered):
            text = "starting"
        elif not self.tasks:  # an ad-hoc run: one module on every host
            total = max(self.expected, len(self.answered))
            text = f"hosts answered {len(self.answered)}/{total}"
        else:
            current = f"{self.role} : {self.task}" if self.role else self.task
            text = f"tasks done {self.tasks - 1}, changed {self.changed}; now {current}"
        if self.failed:
            text += f"; failed: {', '.join(sorted(self.failed))}"
        if self.unreachable:
            text += f"; unreachable: {', '.join(sorted(self.unreachable))}"
        return text


class Progress:
    """One phase at a time: `phase()`, then events, then `done()`.

    A ticker thread redraws the line between events (every second on a terminal, every
    `interval_s` elsewhere, and at least every `heartbeat_s` in plain output while a phase runs
    without news), so a long step still shows it is alive.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        interval_s: float = 5.0,
        heartbeat_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
        ticker: bool = True,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval_s = REDRAW_S if self.tty else interval_s
        self.heartbeat_s = heartbeat_s
        self.clock = clock
        self.width = width
        self.name = ""
        self.started = clock()
        self._state: _Engine | _Play | None = None  # set by the first event of a phase
        self._expected = 0
        self._shown = ""  # the state part of the last status shown, without the time
        self._shown_at = float("-inf")
        self._drawn = False
        self._lock = threading.Lock()
        self._ticker = ticker
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # phases

    def phase(self, name: str, *, expected: int = 0) -> None:
        """Begin a phase; `expected`: resources or hosts it will likely see (0: unknown)."""
        self._stop_ticker()
        with self._lock:
            self.name = name
            self.started = self.clock()
            self._state = None
            self._expected = expected
            self._draw(f"{name} ...")
            self._shown, self._shown_at = "", self.started
        if self._ticker:
            self._stop.clear()
            self._thread = threading.Thread(target=self._tick_until_stopped, daemon=True)
            self._thread.start()

    def expect(self, expected: int) -> None:
        """How many resources or hosts the running phase will see, once that is known."""
        with self._lock:
            self._expected = expected
            if self._state is not None:
                self._state.expected = expected

    def done(self, summary: str = "") -> None:
        self._stop_ticker()
        with self._lock:
            elapsed = self.clock() - self.started
            tail = f": {summary}" if summary else ""
            self._permanent(f"{self.name}: {elapsed:.1f} s{tail}")

    def note(self, line: str) -> None:
        """A line that stays on screen (a failure, a warning)."""
        with self._lock:
            self._permanent(line)
            self._emit(force=self.tty)

    def tick(self) -> None:
        """Redraw if due: what the ticker thread does between events."""
        with self._lock:
            self._emit()

    def _tick_until_stopped(self) -> None:
        period = 1.0 if self.tty else self.interval_s
        while not self._stop.wait(period):
            self.tick()

    def _stop_ticker(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # the engine's events (pulumi.automation on_event)

    def engine_event(self, event: auto.EngineEvent) -> None:
        with self._lock:
            state = self._state if isinstance(self._state, _Engine) else _Engine(self._expected)
            self._state = state
            if event.resource_pre_event:
                meta = event.resource_pre_event.metadata
                state.seen.add(meta.urn)
                op = str(getattr(meta.op, "value", meta.op))
                if op in VERBS:
                    state.busy[meta.urn] = op
            elif event.res_outputs_event:
                urn = event.res_outputs_event.metadata.urn
                state.seen.add(urn)
                state.done.add(urn)
                state.busy.pop(urn, None)
            elif event.res_op_failed_event:
                urn = event.res_op_failed_event.metadata.urn
                state.failed.add(urn)
                state.busy.pop(urn, None)
            elif event.diagnostic_event and event.diagnostic_event.severity == "error":
                d = event.diagnostic_event
                where = f"{_name(d.urn)}: " if d.urn else ""
                first = d.message.strip().splitlines()[:1] or [""]
                self._permanent(f"  error: {where}{first[0]}")
            elif event.policy_event and event.policy_event.enforcement_level == "mandatory":
                self._permanent(f"  policy violation: {event.policy_event.policy_name}")
            self._emit()

    # Ansible's events (ansible_runner event_handler; returning True keeps the event)

    def runner_event(self, event: Mapping[str, Any]) -> bool:
        with self._lock:
            state = self._state if isinstance(self._state, _Play) else _Play(self._expected)
            self._state = state
            kind = str(event.get("event", ""))
            data: Mapping[str, Any] = event.get("event_data") or {}
            host = str(data.get("host", ""))
            if kind == "playbook_on_task_start":
                state.tasks += 1
                state.role = str(data.get("role", ""))
                state.task = str(data.get("task", ""))
            elif kind == "runner_on_ok":
                state.answered.add(host)
                state.changed += bool((data.get("res") or {}).get("changed"))
            elif (failure := failure_of(event)) is not None:
                (state.unreachable if failure.unreachable else state.failed).add(host)
                if not failure.unreachable:
                    state.answered.add(host)
                self._permanent(f"  {failure}")
            elif kind in ("runner_on_skipped", "runner_on_failed"):
                state.answered.add(host)
            self._emit()
        return True

    # drawing (with the lock held)

    def _emit(self, *, force: bool = False) -> None:
        now = self.clock()
        line = self._state.line() if self._state is not None else "starting"
        since = now - self._shown_at
        if self.tty:
            due = force or since >= self.interval_s
        else:
            news = line != self._shown and since >= self.interval_s
            due = force or news or since >= self.heartbeat_s
        if due:
            self._draw(f"{self.name} [{now - self.started:.0f} s]: {line}")
            self._shown, self._shown_at = line, now

    def _draw(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + self._fit(text) + ERASE)
            self._drawn = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _permanent(self, line: str) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r" + ERASE)
            self._drawn = False
        self.stream.write(line + "\n")
        self.stream.flush()

    def _fit(self, text: str) -> str:
        # A line wider than the terminal wraps, and the carriage return then redraws only
        # its last part.
        width = self.width or shutil.get_terminal_size((100, 24)).columns
        return text if len(text) < width else text[: max(width - 2, 10)] + "…"


def _name(urn: str | None) -> str:
    return (urn or "").rsplit("::", 1)[-1]
