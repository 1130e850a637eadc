"""Run external commands as argument lists (never through a shell).

Failures raise CommandError carrying the command and its stderr, so callers
(and Pulumi diagnostics) see why a host operation failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

_TAIL_CHARS = 4000


class CommandError(RuntimeError):
    """An external command exited non-zero (or could not be started)."""

    def __init__(self, cmd: Sequence[str], returncode: int, stderr: str) -> None:
        self.cmd = list(cmd)
        self.returncode = returncode
        self.stderr = stderr
        detail = stderr.strip()[-_TAIL_CHARS:]
        super().__init__(f"command failed ({returncode}): {' '.join(self.cmd)}\n{detail}")


def run(
    cmd: Sequence[str],
    *,
    input: str | None = None,
    check: bool = True,
    timeout: float | None = None,
    log: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run cmd and return its captured output.

    With log, stdout and stderr are appended to that file instead of being
    captured (for chatty tools like debootstrap); a failure then quotes the
    log's tail.
    """
    try:
        if log is None:
            result = subprocess.run(
                list(cmd), input=input, capture_output=True, text=True, timeout=timeout
            )
        else:
            with log.open("a") as out:
                result = subprocess.run(
                    list(cmd),
                    input=input,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=timeout,
                )
    except FileNotFoundError as exc:
        raise CommandError(cmd, 127, f"{cmd[0]}: not found ({exc})") from exc
    if check and result.returncode != 0:
        stderr = result.stderr if log is None else _tail(log)
        raise CommandError(cmd, result.returncode, stderr or "")
    return result


# Runs in a fresh interpreter: fork so the daemon is not our child (no zombie
# for the caller to reap), start a new session, join the given cgroups, write
# the pidfile atomically, then exec the daemon. argv: pidfile procs... -- cmd...
_LAUNCHER = """
import os, sys
args = sys.argv[1:]
sep = args.index("--")
pidfile, procs, cmd = args[0], args[1:sep], args[sep + 1:]
if os.fork():
    os._exit(0)
os.setsid()
for path in procs:
    with open(path, "w") as f:
        f.write(str(os.getpid()))
with open(pidfile + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(pidfile + ".tmp", pidfile)
os.execvp(cmd[0], cmd)
"""


def start_detached(
    cmd: Sequence[str],
    *,
    log: Path,
    pidfile: Path,
    cgroup_procs: Sequence[Path] = (),
    timeout: float = 10.0,
) -> int:
    """Start cmd as a daemon that outlives this process.

    The daemon runs in its own session with stdin from /dev/null and
    stdout/stderr appended to log; its pid is returned and lands in pidfile
    (written just before exec, so briefly it names the launcher). Each
    cgroup.procs file in cgroup_procs is joined before exec so that everything
    the daemon spawns stays inside those cgroups.
    """
    pidfile.unlink(missing_ok=True)
    argv = [sys.executable, "-c", _LAUNCHER, str(pidfile), *map(str, cgroup_procs), "--", *cmd]
    with log.open("a") as out:
        launcher = subprocess.run(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    deadline = time.monotonic() + timeout
    while launcher.returncode == 0 and time.monotonic() < deadline:
        if pidfile.exists():
            return int(pidfile.read_text())
        time.sleep(0.05)
    raise CommandError(cmd, launcher.returncode or 1, _tail(log))


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-_TAIL_CHARS:]
    except OSError:
        return ""
