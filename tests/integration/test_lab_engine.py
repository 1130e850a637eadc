"""The lab target through Pulumi's real engine: nodes, SSH, firewall, drift, interrupts."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

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


def test_six_nodes_answer_ssh(lab: Lab) -> None:
    assert {n["name"] for n in lab.outputs["nodes"]} == EXPECTED_NODES
    assert Path(lab.key).stat().st_mode & 0o777 == 0o600
    for node in lab.outputs["nodes"]:
        result = lab.ssh(node["ansible_host"], "hostname; systemctl is-system-running || true")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[0] == node["name"]


def test_nodes_have_no_route_off_the_machine(lab: Lab) -> None:
    result = lab.ssh(lab.node("gpu-1")["ansible_host"], "ip -4 route show default")
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
    dst = lab.node(destination)["ansible_host"]
    if port != 22:
        assert lab.ssh(dst, LISTEN.format(port=port)).returncode == 0
        time.sleep(0.5)
    result = lab.ssh(lab.node(source)["ansible_host"], PROBE.format(address=dst, port=port))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("open") is allowed, result.stdout


def test_second_up_changes_nothing(lab: Lab) -> None:
    lab.stack.run("up", "--yes", "--skip-preview", "--expect-no-changes", timeout=300)


def _kill_node(lab: Lab, hostname: str) -> None:
    pid = int((paths.node_dir("lab", hostname) / "nspawn.pid").read_text().strip())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_killed_node_is_noticed_and_recreated(lab: Lab) -> None:
    _kill_node(lab, "lab-storage-3")
    lab.stack.run("refresh", "--yes", "--skip-preview", timeout=300)
    preview = lab.stack.run("preview", "--diff", timeout=300)
    assert "lab-storage-3" in preview.stdout and "create" in preview.stdout
    lab.stack.run("up", "--yes", "--skip-preview", timeout=600)
    assert lab.ssh(lab.node("storage-3")["ansible_host"], "true").returncode == 0


def test_interrupted_up_converges(lab: Lab) -> None:
    for hostname in ("lab-gpu-2", "lab-storage-2"):
        _kill_node(lab, hostname)
    lab.stack.run("refresh", "--yes", "--skip-preview", timeout=300)
    argv = ["pulumi", "up", "--yes", "--skip-preview", "--stack", "lab", "--non-interactive"]
    proc = subprocess.Popen(
        argv,
        cwd=lab.stack.cwd,
        env=lab.stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "creating" in line and "nspawn" in line:
            break
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=600)
    lab.stack.run("refresh", "--yes", "--skip-preview", "--clear-pending-creates", timeout=300)
    lab.stack.run("up", "--yes", "--skip-preview", timeout=600)
    lab.stack.run("up", "--yes", "--skip-preview", "--expect-no-changes", timeout=300)
    for name in ("gpu-2", "storage-2"):
        assert lab.ssh(lab.node(name)["ansible_host"], "true").returncode == 0


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
    bad = type(lab.stack)("lab-bad", env=lab.stack.env)
    bad.ensure()
    before = scan("lab-bad")
    try:
        result = bad.run("preview", "--config-file", str(config), check=False, timeout=300)
        output = result.stdout + result.stderr
        assert result.returncode != 0
        if "max_nodes" in message:
            assert "pools: 6 nodes in all exceed lab.max_nodes (4)" in output
        else:
            assert "lab.suite: 'buster' is not allowed; allowed: 'bookworm' or 'trixie'" in output
        assert "Traceback" not in output
        assert scan("lab-bad").minus(before) == {}
    finally:
        bad.run("stack", "rm", "--yes", "--force", check=False)
