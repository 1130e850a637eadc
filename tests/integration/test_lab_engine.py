"""The lab target through Pulumi's real engine: nodes, SSH, firewall, drift, interrupts."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from pulumi import automation as auto

from aidc.engine import EngineError, Stack
from aidc.targets.lab.ops import paths
from tests.integration.conftest import Lab, scan, write_config

pytestmark = pytest.mark.integration

EXPECTED_NODES = {
    "lab-login-1",
    "lab-gpu-1",
    "lab-gpu-2",
    "lab-storage-1",
    "lab-storage-2",
    "lab-storage-3",
}

LISTEN = (
    "nohup timeout 300 python3 -c 'import socket,sys\n"
    "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    's.bind(("0.0.0.0", int(sys.argv[1]))); s.listen()\n'
    "while True: s.accept()[0].close()' {port} >/dev/null 2>&1 &"
)
PROBE = (
    "python3 -c 'import socket,sys\n"
    "try:\n"
    '    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3); print("open")\n'
    'except OSError as e: print("closed", e)\' {address} {port}'
)


def test_six_nodes_answer_ssh_with_pinned_host_keys(lab: Lab) -> None:
    assert {n.name for n in lab.outputs.nodes} == EXPECTED_NODES
    assert Path(lab.key).stat().st_mode & 0o777 == 0o600
    for node in lab.outputs.nodes:
        assert "StrictHostKeyChecking=yes" in lab.hostvars(node.name)["ansible_ssh_common_args"]
        result = lab.ssh(node.name, "hostname; systemctl is-system-running || true")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[0] == node.name


def test_nodes_have_no_route_off_the_machine(lab: Lab) -> None:
    result = lab.ssh(lab.node("gpu-1").name, "ip -4 route show default")
    assert result.returncode == 0 and result.stdout.strip() == ""


@pytest.mark.parametrize(
    ("source", "destination", "port", "allowed"),
    [
        ("login-1", "gpu-1", 22, True),
        ("login-1", "storage-2", 22, True),
        ("login-1", "gpu-2", 9100, True),
        ("login-1", "storage-1", 7480, True),
        ("gpu-1", "storage-3", 7480, True),
        ("gpu-1", "gpu-2", 5555, True),
        ("gpu-2", "login-1", 22, False),
        ("storage-1", "gpu-1", 22, False),
        ("gpu-1", "storage-1", 22, False),
        ("storage-2", "login-1", 9100, False),
        ("gpu-1", "storage-1", 9100, False),
    ],
)
def test_firewall_between_roles(
    lab: Lab, source: str, destination: str, port: int, allowed: bool
) -> None:
    dst = lab.node(destination)
    if port != 22:
        assert lab.ssh(dst.name, LISTEN.format(port=port)).returncode == 0
        time.sleep(0.5)
    probe = PROBE.format(address=dst.ansible_host, port=port)
    result = lab.ssh(lab.node(source).name, probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("open") is allowed, result.stdout


def test_second_up_changes_nothing(lab: Lab) -> None:
    result = lab.stack.up(expect_no_changes=True)
    assert not result.changed, result.changes


def _kill_node(lab: Lab, hostname: str) -> None:
    pid = int((paths.node_dir("lab", hostname) / "nspawn.pid").read_text().strip())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_killed_node_is_noticed_and_recreated(lab: Lab) -> None:
    _kill_node(lab, "lab-storage-3")
    lab.stack.refresh()
    preview = lab.stack.preview()
    assert "create" in {s.op for s in preview.steps_for("lab-storage-3")}, preview.steps
    lab.stack.up()
    assert lab.ssh("lab-storage-3", "true").returncode == 0


def _engine_processes() -> list[int]:
    """The pids of CLI processes this test process started (the engine of a running op)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm, ppid = text.partition("(")[2].rpartition(")")[0], text.rpartition(")")[2].split()[1]
        if comm == "pulumi" and int(ppid) == os.getpid():
            pids.append(int(stat.parent.name))
    return pids


def test_interrupted_up_converges(lab: Lab) -> None:
    for hostname in ("lab-gpu-2", "lab-storage-2"):
        _kill_node(lab, hostname)
    lab.stack.refresh()
    creating = threading.Event()

    def watch(event: auto.EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre and str(pre.metadata.op.value) == "create" and "nspawn" in pre.metadata.urn:
            creating.set()

    # An up in another thread that SIGINT (Ctrl-C) interrupts while it creates a node.
    def up() -> None:
        with contextlib.suppress(EngineError):  # interrupted: the engine reports the cancel
            lab.stack.up(on_event=watch)

    worker = threading.Thread(target=up)
    worker.start()
    assert creating.wait(600), "the up never started creating a node"
    for pid in _engine_processes():
        os.kill(pid, signal.SIGINT)
    worker.join(600)
    assert not worker.is_alive(), "the interrupted up did not stop"
    lab.stack.refresh(clear_pending_creates=True)
    lab.stack.up()
    assert not lab.stack.up(expect_no_changes=True).changed
    for name in ("lab-gpu-2", "lab-storage-2"):
        assert lab.ssh(name, "true").returncode == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("max_nodes: 12", "max_nodes: 4"),
        ("suite: bookworm", "suite: buster"),
    ],
)
def test_spec_the_lab_cannot_honour_fails_in_preview(
    lab: Lab, tmp_path: Path, change: str, message: str
) -> None:
    text = (lab.stack.cwd / "stacks" / "Pulumi.lab.yaml").read_text().replace(change, message)
    config = write_config(tmp_path, text)
    bad = Stack("lab-bad", env=lab.stack.env)
    bad.ensure()
    before = scan("lab-bad")
    try:
        with pytest.raises(EngineError) as failed:
            bad.preview(config_file=config)
        errors = failed.value.detail
        if "max_nodes" in message:
            assert "pools: 6 nodes in all exceed lab.max_nodes (4)" in errors
        else:
            assert "lab.suite: 'buster' is not allowed; allowed: 'bookworm' or 'trixie'" in errors
        assert "Traceback" not in errors + failed.value.result.stdout
        assert scan("lab-bad").minus(before) == {}
    finally:
        bad.remove(force=True, keep_config=False)
