"""Lab nodes: systemd-nspawn containers booted from a read-only base image.

Debian packages: systemd-container (systemd-nspawn), iproute2, openssh-client
(ssh-keygen). Runs as root on a host whose PID 1 need not be systemd: nspawn
runs with --register=no --keep-unit, detached (own session, pidfile, console
log) so a node outlives the process that started it.

Each node boots with --overlay=<rootfs>:<state>/upper:/ on a --read-only base,
so the image stays pristine and the node's writes land in its upper dir. Before
boot the upper dir receives hostname, hosts, machine-id, networkd static
addresses, root's authorized_keys, an ed25519 host key and the apt proxy.
<state>/containers is bound at /var/lib/containers: the container runtime's
storage on the host's file system, where overlayfs works.

Every node gets its own cgroup (per hierarchy: cgroup2, v1 name=systemd, v1
memory) created beneath the caller's, recorded in <state>/node.json. That keeps
two containers' systemd from sharing nspawn's default "payload" cgroup, lets a
memory limit apply, and lets stop_node kill a container whose nspawn was
killed (nspawn does not take its container down when SIGKILLed).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import logging
import os
import re
import shutil
import signal
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from aidc.targets.lab.ops.network import bridge_exists
from aidc.targets.lab.ops.shell import CommandError, run, start_detached

log = logging.getLogger(__name__)

MACHINE_PREFIX = "aidc"
CGROUP_DIR = "aidc-lab"
_PROPAGATE = Path("/run/systemd/nspawn/propagate")
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_STATE_FILE = "node.json"
_PIDFILE = "nspawn.pid"
_CONTAINERS = "containers"
_CONSOLE_LOG = "console.log"
_HOST_KEY = "etc/ssh/ssh_host_ed25519_key"


@dataclass(frozen=True)
class Interface:
    """One node NIC: a veth whose host end is a port of bridge."""

    bridge: str
    address: str  # IPv4 with prefix, e.g. "10.213.0.11/24"


@dataclass(frozen=True)
class NodeSpec:
    """What start_node boots.

    name must be unique on the host (e.g. "<stack>-<node>"); it derives the
    machine name, machine-id and veth names. Inside the node, interface i is
    named host<i> (host0 is the first, attached via --network-bridge).
    hosts adds (address, name) lines to /etc/hosts.
    """

    name: str
    hostname: str
    rootfs: Path
    state_dir: Path
    interfaces: tuple[Interface, ...]
    ssh_public_key: str
    proxy_url: str | None = None
    memory_max_bytes: int | None = None
    hosts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _RunState:
    """What a boot put outside the upper dir, saved in node.json for cleanup."""

    machine: str
    cgroups: tuple[str, ...]
    veths: tuple[str, ...]
    fingerprint: str


def machine_name(name: str) -> str:
    """nspawn machine name for a node: 12 chars so 'vb-<machine>' fits IFNAMSIZ."""
    return MACHINE_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:8]


def host_ifnames(spec: NodeSpec) -> list[str]:
    """Host-side veth names, in interface order."""
    machine = machine_name(spec.name)
    return [f"vb-{machine}"] + [f"{machine}v{i}" for i in range(1, len(spec.interfaces))]


def start_node(spec: NodeSpec) -> None:
    """Boot the node unless it is already running (idempotent).

    Returns once nspawn runs and all veths are attached; call wait_for_ssh for
    readiness. A node left behind by a crash or kill -9 is cleaned up and
    booted again on its preserved upper dir. Raises RuntimeError if the node
    runs with a different spec (stop it first).
    """
    _validate(spec)
    fingerprint = _fingerprint(spec)
    state = _read_state(spec.state_dir)
    if state is not None:
        if _nspawn_pid(spec.state_dir, state) is not None:
            if state.fingerprint != fingerprint:
                raise RuntimeError(f"node {spec.name} is running with a different spec")
            return
        _reap(spec.state_dir, state)
    machine = machine_name(spec.name)
    upper = spec.state_dir / "upper"
    upper.mkdir(parents=True, exist_ok=True)
    upper.chmod(0o755)  # the upper dir's mode becomes the node's "/"
    # Container storage on the host's file system: overlayfs cannot stack on the node's
    # overlay root, and images stay out of the node's upper dir.
    (spec.state_dir / _CONTAINERS).mkdir(mode=0o700, exist_ok=True)
    _write_node_files(spec, upper)
    cgroups = _make_cgroups(machine, spec.memory_max_bytes)
    veths = host_ifnames(spec)
    # Recorded before launch so that even a half-started node can be reaped.
    state = _RunState(machine, tuple(map(str, cgroups)), tuple(veths), fingerprint)
    _write_state(spec.state_dir, state)
    try:
        pid = start_detached(
            _nspawn_command(spec, machine, upper),
            log=spec.state_dir / _CONSOLE_LOG,
            pidfile=spec.state_dir / _PIDFILE,
            cgroup_procs=[c / "cgroup.procs" for c in cgroups],
        )
        for veth, iface in zip(veths[1:], spec.interfaces[1:], strict=True):
            _attach_veth(spec.state_dir, pid, veth, iface.bridge)
        _wait_for_nspawn_exec(spec.state_dir, state)
    except BaseException:
        _reap(spec.state_dir, state)
        raise


def node_running(state_dir: Path) -> bool:
    """True if this node's systemd-nspawn process is alive (not a zombie, not a reused pid)."""
    state = _read_state(state_dir)
    return state is not None and _nspawn_pid(state_dir, state) is not None


def wait_for_ssh(address: str, timeout: float = 60.0, port: int = 22) -> None:
    """Return once address:port sends an SSH banner; raise TimeoutError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((address, port), timeout=2) as conn:
                conn.settimeout(2)
                if conn.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no SSH banner from {address}:{port} within {timeout:.0f}s")
        time.sleep(0.25)


def stop_node(state_dir: Path, timeout: float = 30.0) -> None:
    """Shut the node down and delete all its state (absent is fine).

    SIGTERM makes nspawn halt the container's systemd cleanly (SIGRTMIN+3);
    after timeout seconds, or if nspawn is already gone, whatever is left in
    the node's cgroups is SIGKILLed. Then cgroups, veths, nspawn's propagate
    dir, mounts under state_dir and state_dir itself are removed.
    """
    state = _read_state(state_dir)
    if state is not None:
        pid = _nspawn_pid(state_dir, state)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            # An exiting nspawn loses its cmdline before it ends; wait for the process itself.
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        _reap(state_dir, state)
    _unmount_under(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)
    if state_dir.exists():
        raise RuntimeError(f"could not remove {state_dir}")


def host_public_key(state_dir: Path) -> str:
    """The node's SSH host public key line (for known_hosts pinning)."""
    return (state_dir / "upper" / f"{_HOST_KEY}.pub").read_text().strip()


def node_memory_bytes(state_dir: Path, peak: bool = False) -> int | None:
    """Memory charged to the node's cgroup (includes page cache), now or at its peak;
    None if not accounted."""
    state = _read_state(state_dir)
    counters = (
        ("memory.max_usage_in_bytes", "memory.peak")
        if peak
        else ("memory.usage_in_bytes", "memory.current")
    )
    for cgroup in map(Path, state.cgroups if state else ()):
        for counter in counters:
            if (cgroup / counter).exists():
                return int((cgroup / counter).read_text())
    return None


def list_running_machines() -> list[str]:
    """Machine names of all live systemd-nspawn processes started by this module."""
    machines = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            argv = _cmdline(int(proc.name))
            if argv and Path(argv[0]).name == "systemd-nspawn":
                machines += [
                    arg.removeprefix("--machine=")
                    for arg in argv
                    if arg.startswith(f"--machine={MACHINE_PREFIX}")
                ]
    return sorted(machines)


def _validate(spec: NodeSpec) -> None:
    if not spec.interfaces:
        raise ValueError(f"node {spec.name}: at least one interface is required")
    if not _HOSTNAME.fullmatch(spec.hostname):
        raise ValueError(f"node {spec.name}: invalid hostname {spec.hostname!r}")
    for path in (spec.rootfs, spec.state_dir):
        # nspawn's --overlay splits on ':', overlayfs mount options on ','.
        if not path.is_absolute() or any(c in str(path) for c in ":,"):
            raise ValueError(f"node {spec.name}: path must be absolute without ':' or ',': {path}")
    if not (spec.rootfs / "usr/lib/systemd/systemd").exists():
        raise ValueError(f"node {spec.name}: {spec.rootfs} is not a bootable image rootfs")
    for iface in spec.interfaces:
        ipaddress.IPv4Interface(iface.address)
        if not bridge_exists(iface.bridge):
            raise ValueError(f"node {spec.name}: bridge {iface.bridge} does not exist")
    if not spec.ssh_public_key.strip() or "\n" in spec.ssh_public_key.strip():
        raise ValueError(f"node {spec.name}: ssh_public_key must be one key line")
    if spec.proxy_url is not None and not re.fullmatch(r"https?://[^\s\"]+", spec.proxy_url):
        raise ValueError(f"node {spec.name}: invalid proxy_url {spec.proxy_url!r}")
    for address, name in spec.hosts:
        ipaddress.ip_address(address)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", name):
            raise ValueError(f"node {spec.name}: invalid host name {name!r} in hosts")


def _machine_id(name: str) -> str:
    """Stable per node, so journald and D-Bus see the same machine across restarts."""
    return hashlib.sha256(f"machine-id/{name}".encode()).hexdigest()[:32]


def _fingerprint(spec: NodeSpec) -> str:
    return hashlib.sha256(json.dumps(asdict(spec), default=str).encode()).hexdigest()


def _nspawn_command(spec: NodeSpec, machine: str, upper: Path) -> list[str]:
    veths = host_ifnames(spec)
    return [
        "systemd-nspawn",
        "--quiet",
        "--boot",
        "--register=no",  # no machined on this host
        "--keep-unit",  # stay in our cgroup; no systemd to create a scope
        "--settings=no",
        f"--directory={spec.rootfs}",
        "--read-only",  # shared lock on the image, base never written
        f"--overlay={spec.rootfs}:{upper}:/",
        f"--bind={spec.state_dir / _CONTAINERS}:/var/lib/containers",
        # FUSE for ceph-fuse: the lab's kernel has no CephFS client of its own.
        *(["--bind=/dev/fuse"] if Path("/dev/fuse").exists() else []),
        f"--machine={machine}",
        f"--hostname={spec.hostname}",
        f"--uuid={_machine_id(spec.name)}",
        "--resolv-conf=off",
        "--timezone=off",
        "--link-journal=no",
        "--console=read-only",  # boot messages into the console log
        f"--network-bridge={spec.interfaces[0].bridge}",
        *(f"--network-veth-extra={veths[i]}:host{i}" for i in range(1, len(veths))),
    ]


def _write_node_files(spec: NodeSpec, upper: Path) -> None:
    lower = spec.rootfs
    first = ipaddress.IPv4Interface(spec.interfaces[0].address).ip
    hosts = [
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        f"{first}\t{spec.hostname}",
        *(f"{address}\t{name}" for address, name in spec.hosts),
    ]
    _put(upper, lower, "etc/hostname", spec.hostname + "\n")
    # Seeded at first boot only: from then on the common role owns /etc/hosts and the apt
    # proxy drop-in, and a restarted node must not undo what it wrote.
    _seed(upper, lower, "etc/hosts", "\n".join(hosts) + "\n")
    _put(upper, lower, "etc/machine-id", _machine_id(spec.name) + "\n", 0o444)
    for netfile in (upper / "etc/systemd/network").glob("10-aidc-*.network"):
        netfile.unlink()  # interfaces may have changed since the last boot
    for i, iface in enumerate(spec.interfaces):
        network = (
            f"[Match]\nName=host{i}\n\n[Network]\nAddress={iface.address}\n"
            "LinkLocalAddressing=no\nIPv6AcceptRA=no\n"
        )
        _put(upper, lower, f"etc/systemd/network/10-aidc-host{i}.network", network)
    _put(upper, lower, "root/.ssh/authorized_keys", spec.ssh_public_key.strip() + "\n", 0o600)
    (upper / "root/.ssh").chmod(0o700)
    proxy_conf = "etc/apt/apt.conf.d/90aidc-proxy"
    if spec.proxy_url:
        proxy = (
            f'Acquire::http::Proxy "{spec.proxy_url}";\nAcquire::https::Proxy "{spec.proxy_url}";\n'
        )
        _seed(upper, lower, proxy_conf, proxy)
    else:
        (upper / proxy_conf).unlink(missing_ok=True)
    host_key = _make_parents(upper, lower, _HOST_KEY)
    if not host_key.is_file():  # kept across restarts so known_hosts stays valid
        host_key.unlink(missing_ok=True)  # a whiteout if the node deleted its key
        host_key.with_suffix(".pub").unlink(missing_ok=True)
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", spec.hostname]
        run([*keygen, "-f", str(host_key)])


def _seed(upper: Path, lower: Path, rel: str, content: str) -> None:
    """_put, unless an earlier boot already left the file in the node's upper layer."""
    target = upper / rel
    if not (target.is_file() and not target.is_symlink()):
        _put(upper, lower, rel, content)


def _put(upper: Path, lower: Path, rel: str, content: str, mode: int = 0o644) -> None:
    target = _make_parents(upper, lower, rel)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        target.unlink()  # e.g. an overlay whiteout left by a delete inside the node
    target.write_text(content)
    target.chmod(mode)


def _make_parents(upper: Path, lower: Path, rel: str) -> Path:
    """Create upper/rel's parents with the lower layer's owner and mode; return upper/rel."""
    parents = Path(rel).parent
    for depth in range(1, len(parents.parts) + 1):
        sub = Path(*parents.parts[:depth])
        directory, reference = upper / sub, lower / sub
        if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
            directory.unlink()  # a whiteout: the node deleted this directory
        if not directory.exists():
            directory.mkdir()
            if reference.is_dir():
                info = reference.stat()
                os.chown(directory, info.st_uid, info.st_gid)
                directory.chmod(info.st_mode & 0o7777)
    return upper / rel


def _cgroup_bases() -> list[Path]:
    """Our own cgroup in each hierarchy a node joins: cgroup2, v1 name=systemd, v1 memory."""
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        own[controllers] = path
    bases = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        mountpoint = fields.split()[4]
        fstype, _, options = tail.split()[:3]
        key = None
        if fstype == "cgroup2":
            key = ""
        elif fstype == "cgroup":
            opts = options.split(",")
            key = next((o for o in ("name=systemd", "memory") if o in opts), None)
        if key is not None and key in own:
            bases.append(Path(mountpoint + own[key]))
    return bases


def _make_cgroups(machine: str, memory_max_bytes: int | None) -> list[Path]:
    cgroups = []
    limited = memory_max_bytes is None
    for base in _cgroup_bases():
        cgroup = base / CGROUP_DIR / machine
        cgroup.mkdir(parents=True, exist_ok=True)
        cgroups.append(cgroup)
        if memory_max_bytes is not None:
            for knob in ("memory.limit_in_bytes", "memory.max"):
                if (cgroup / knob).exists():
                    (cgroup / knob).write_text(str(memory_max_bytes))
                    limited = True
    if not limited:
        log.warning("no memory controller available: %s runs without a memory limit", machine)
    return cgroups


def _nspawn_pid(state_dir: Path, state: _RunState) -> int | None:
    """The pid in the pidfile if it is our live systemd-nspawn for this node."""
    try:
        pid = int((state_dir / _PIDFILE).read_text())
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    if stat.rpartition(")")[2].split()[0] == "Z":
        return None
    argv = _cmdline(pid)
    ours = (
        bool(argv)
        and Path(argv[0]).name == "systemd-nspawn"
        and f"--machine={state.machine}" in argv
        and any(a.startswith("--overlay=") and a.endswith(f":{state_dir}/upper:/") for a in argv)
    )
    return pid if ours else None


def _alive(pid: int) -> bool:
    """True while the process exists and has not exited (a zombie has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _wait_for_nspawn_exec(state_dir: Path, state: _RunState, timeout: float = 10.0) -> None:
    """The pidfile is written just before exec; wait until the pid is nspawn itself."""
    deadline = time.monotonic() + timeout
    while _nspawn_pid(state_dir, state) is None:
        if time.monotonic() >= deadline:
            raise RuntimeError(f"systemd-nspawn did not start; see {state_dir / _CONSOLE_LOG}")
        time.sleep(0.05)


def _attach_veth(state_dir: Path, pid: int, veth: str, bridge: str) -> None:
    """nspawn creates --network-veth-extra host ends but leaves them unbridged."""
    deadline = time.monotonic() + 15.0
    while not Path(f"/sys/class/net/{veth}").exists():
        if not Path(f"/proc/{pid}").exists() or time.monotonic() >= deadline:
            raise RuntimeError(f"veth {veth} did not appear; see {state_dir / _CONSOLE_LOG}")
        time.sleep(0.05)
    run(["ip", "link", "set", "dev", veth, "master", bridge, "up"])


def _reap(state_dir: Path, state: _RunState) -> None:
    """Remove everything a (possibly dead) run left outside the upper dir."""
    cgroups = [Path(c) for c in state.cgroups]
    _kill_cgroups(cgroups)
    for cgroup in cgroups:
        _remove_cgroup_tree(cgroup)
    _remove_veths(state.veths)
    shutil.rmtree(_PROPAGATE / state.machine, ignore_errors=True)
    _unmount_under(state_dir)
    for workdir in state_dir.glob(".#upper*"):  # overlay workdirs nspawn left behind
        shutil.rmtree(workdir, ignore_errors=True)
    (state_dir / _PIDFILE).unlink(missing_ok=True)


def _kill_cgroups(cgroups: list[Path], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while pids := {pid for cgroup in cgroups for pid in _cgroup_pids(cgroup)}:
        if time.monotonic() >= deadline:
            raise RuntimeError(f"processes {sorted(pids)} survive SIGKILL in {cgroups}")
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def _cgroup_pids(cgroup: Path) -> set[int]:
    pids: set[int] = set()
    for procs in cgroup.rglob("cgroup.procs") if cgroup.is_dir() else ():
        with contextlib.suppress(OSError):  # the cgroup went away while we walked
            pids.update(int(p) for p in procs.read_text().split())
    return pids


def _remove_cgroup_tree(cgroup: Path, timeout: float = 10.0) -> None:
    """rmdir bottom-up (cgroupfs dirs cannot be removed with rmtree).

    A cgroup2 dir stays busy until its killed processes are reaped, which for
    an orphaned container is up to PID 1; hence the retries.
    """
    deadline = time.monotonic() + timeout
    while cgroup.is_dir():
        try:
            for dirpath, _, _ in sorted(os.walk(cgroup), key=lambda w: -len(w[0])):
                Path(dirpath).rmdir()
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
    parent = cgroup.parent  # the shared aidc-lab dir, once no node uses it
    if parent.name == CGROUP_DIR:
        with contextlib.suppress(OSError):  # still has other nodes
            parent.rmdir()


def _remove_veths(veths: tuple[str, ...], timeout: float = 10.0) -> None:
    # The kernel removes veths of a dead netns asynchronously; delete and wait
    # so a restart does not collide with a vanishing old veth.
    for veth in veths:
        if Path(f"/sys/class/net/{veth}").exists():
            with contextlib.suppress(CommandError):  # vanished in between
                run(["ip", "link", "del", "dev", veth])
    deadline = time.monotonic() + timeout
    while any(Path(f"/sys/class/net/{v}").exists() for v in veths):
        if time.monotonic() >= deadline:
            raise RuntimeError(f"veths still present: {veths}")
        time.sleep(0.1)


def _unmount_under(path: Path) -> None:
    mountpoints = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mountpoint = _unescape_mountinfo(line.split()[4])
        if mountpoint == str(path) or mountpoint.startswith(f"{path}/"):
            mountpoints.append(mountpoint)
    for mountpoint in sorted(mountpoints, key=len, reverse=True):
        run(["umount", "--lazy", mountpoint])


def _unescape_mountinfo(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode(errors="replace").split("\0")[:-1]


def _read_state(state_dir: Path) -> _RunState | None:
    try:
        saved = json.loads((state_dir / _STATE_FILE).read_text())
        return _RunState(
            machine=str(saved["machine"]),
            cgroups=tuple(map(str, saved["cgroups"])),
            veths=tuple(map(str, saved["veths"])),
            fingerprint=str(saved["fingerprint"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_state(state_dir: Path, state: _RunState) -> None:
    tmp = state_dir / f".{_STATE_FILE}.tmp"
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n")
    tmp.replace(state_dir / _STATE_FILE)
