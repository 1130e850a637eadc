"""The stack's apt proxy: a tinyproxy daemon on the bridges' host addresses.

Debian package: tinyproxy (its system service is not used; each stack runs
its own daemon with config, pidfile, filter and log in the stack's proxy dir).
Nodes have no route off the host; apt in a node reaches the Debian archive only
through this proxy (Acquire::http::Proxy), which accepts clients from the lab
subnets only, forwards only to the allowed domains and CONNECTs only to 443.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aidc.targets.lab.ops.shell import CommandError, run

DEFAULT_PORT = 8888
DEFAULT_DOMAINS = ("deb.debian.org",)
_CONFIG = "tinyproxy.conf"
_FILTER = "filter"
_PIDFILE = "tinyproxy.pid"
_LOG = "tinyproxy.log"
_USER = "tinyproxy"  # created by the Debian package; the daemon drops to it


@dataclass(frozen=True)
class ProxySpec:
    """listen: bridge host addresses; allow: lab subnets (CIDR) whose nodes may use it."""

    state_dir: Path
    listen: tuple[str, ...]
    allow: tuple[str, ...]
    port: int = DEFAULT_PORT
    domains: tuple[str, ...] = DEFAULT_DOMAINS


def proxy_url(address: str, port: int = DEFAULT_PORT) -> str:
    """The URL nodes put in Acquire::http::Proxy."""
    return f"http://{address}:{port}/"


def render_config(spec: ProxySpec) -> str:
    """tinyproxy.conf for spec (pure function)."""
    if not spec.listen or not spec.allow:
        raise ValueError("the proxy needs listen addresses and allowed subnets")
    state = spec.state_dir
    lines = [
        f"User {_USER}",
        f"Group {_USER}",
        f"Port {spec.port}",
        *(f"Listen {address}" for address in spec.listen),
        *(f"Allow {cidr}" for cidr in spec.allow),
        "ConnectPort 443",
        f'PidFile "{state / _PIDFILE}"',
        f'LogFile "{state / _LOG}"',
        "LogLevel Info",
        "Timeout 600",
        "MaxClients 100",
        "DisableViaHeader Yes",
        f'Filter "{state / _FILTER}"',
        "FilterType ere",
        "FilterURLs No",  # match the host name only
        "FilterDefaultDeny Yes",  # the filter file is an allow-list
    ]
    return "\n".join(lines) + "\n"


def render_filter(domains: Iterable[str]) -> str:
    """The filter file: anchored patterns, one allowed host name a line (pure function)."""
    patterns = []
    for domain in domains:
        if not re.fullmatch(r"[A-Za-z0-9.-]+", domain):
            raise ValueError(f"invalid domain {domain!r}")
        patterns.append("^" + re.escape(domain) + "$")
    return "\n".join(patterns) + "\n"


def ensure_proxy(spec: ProxySpec) -> None:
    """Run the proxy with spec's config; restart it if the config changed (idempotent)."""
    config, filter_ = render_config(spec), render_filter(spec.domains)
    config_path, filter_path = spec.state_dir / _CONFIG, spec.state_dir / _FILTER
    if (
        proxy_running(spec.state_dir)
        and _read(config_path) == config
        and _read(filter_path) == filter_
    ):
        return
    _stop_daemon(spec.state_dir)
    spec.state_dir.mkdir(parents=True, exist_ok=True)
    spec.state_dir.chmod(0o755)
    config_path.write_text(config)
    filter_path.write_text(filter_)
    log = spec.state_dir / _LOG
    log.touch()
    user = pwd.getpwnam(_USER)
    os.chown(log, user.pw_uid, user.pw_gid)  # written after tinyproxy drops root
    run(["tinyproxy", "-c", str(config_path)])  # daemonizes once listening
    deadline = time.monotonic() + 5.0
    while not proxy_running(spec.state_dir):
        if time.monotonic() >= deadline:
            raise CommandError(["tinyproxy", "-c", str(config_path)], 1, _read(log))
        time.sleep(0.05)


def proxy_running(state_dir: Path) -> bool:
    """True if the stack's tinyproxy daemon is alive."""
    return _proxy_pid(state_dir) is not None


def stop_proxy(state_dir: Path, timeout: float = 10.0) -> None:
    """Stop the daemon and remove state_dir (absent is fine)."""
    _stop_daemon(state_dir, timeout)
    shutil.rmtree(state_dir, ignore_errors=True)


def _stop_daemon(state_dir: Path, timeout: float = 10.0) -> None:
    pid = _proxy_pid(state_dir)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(state_dir, timeout):
            os.kill(pid, signal.SIGKILL)
            if not _wait_gone(state_dir, timeout):
                raise RuntimeError(f"tinyproxy {pid} survives SIGKILL")
    # tinyproxy cannot remove its root-owned pidfile after dropping privileges.
    (state_dir / _PIDFILE).unlink(missing_ok=True)


def _wait_gone(state_dir: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _proxy_pid(state_dir) is not None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _proxy_pid(state_dir: Path) -> int | None:
    """The pid in the pidfile if it is a live tinyproxy using this state dir's config."""
    try:
        pid = int((state_dir / _PIDFILE).read_text())
        stat = Path(f"/proc/{pid}/stat").read_text()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except (OSError, ValueError):
        return None
    alive = stat.rpartition(")")[2].split()[0] != "Z"
    ours = Path(argv[0]).name == "tinyproxy" and str(state_dir / _CONFIG) in argv
    return pid if alive and ours else None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
