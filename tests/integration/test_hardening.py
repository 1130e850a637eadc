"""The hardening role on the converged lab (issue 5), checked from outside with testinfra.

Every node gets the same named controls: sshd's effective configuration (`sshd -T`) and real
refused logins, sysctls, audit rules, the nftables table, fail2ban, blacklisted modules, login
settings, file modes, the journal and security updates. Where a lab node is a container, the
host's kernel owns kernel.* sysctls, audit and module loading: those controls then check what
the node would boot with (the files), and say so in their names' docstrings.

Then real port scans (nmap, every TCP port) of each node from the host and from a node of each
other role: the ports that answer are exactly the ones the spec declares for that source (its
flows, SSH from the admin sources and the login role, Prometheus and the S3 endpoint for the
admin sources), and the open ones are those of them where a service listens.
"""

from __future__ import annotations

import functools
import shlex
import subprocess
from collections.abc import Callable, Iterator
from ipaddress import IPv4Address, ip_network
from typing import Any

import pytest
import testinfra
from testinfra.host import Host

from aidc import remote
from aidc.configure import PlayResult
from aidc.targets.lab.layout import NodePlan
from tests.integration import portscan
from tests.integration.conftest import Lab, layout

pytestmark = pytest.mark.integration

LAYOUT = layout()
NODES = {n.hostname: n for n in LAYOUT.nodes}
HOST_ADDRESS = str(LAYOUT.bridges[0].host.ip)
# Each node's inventory host variables, filled by the hosts fixture from the live stack.
HOSTVARS: dict[str, dict[str, Any]] = {}

Control = Callable[[Host, NodePlan], None]
CONTROLS: dict[str, Control] = {}


def control(name: str) -> Callable[[Control], Control]:
    def register(check: Control) -> Control:
        assert name not in CONTROLS, name
        CONTROLS[name] = check
        return check

    return register


def _out(host: Host, command: str) -> str:
    return str(host.check_output(command))


# Read once per node: many controls look at the same output. The hosts fixture clears them.
@functools.cache
def sshd_t(host: Host) -> dict[str, str]:
    """sshd's effective settings (`sshd -T`), first value of each keyword."""
    settings: dict[str, str] = {}
    for line in _out(host, "sshd -T").splitlines():
        key, _, value = line.partition(" ")
        settings.setdefault(key, value)
    return settings


@functools.cache
def in_container(host: Host) -> bool:
    return host.run("systemd-detect-virt --container").rc == 0


# --- sshd -----------------------------------------------------------------------------------

SSHD_SETTINGS = {
    # The lab connects as root with a key; elsewhere root logs in not at all.
    "permitrootlogin": "without-password",
    "pubkeyauthentication": "yes",
    "authenticationmethods": "publickey",
    "passwordauthentication": "no",
    "kbdinteractiveauthentication": "no",
    "permitemptypasswords": "no",
    "hostbasedauthentication": "no",
    "ignorerhosts": "yes",
    "gssapiauthentication": "no",
    "kerberosauthentication": "no",
    "strictmodes": "yes",
    "maxauthtries": "3",
    "maxsessions": "2",
    "logingracetime": "30",
    "clientaliveinterval": "300",
    "clientalivecountmax": "2",
    "allowagentforwarding": "no",
    "allowtcpforwarding": "no",
    "allowstreamlocalforwarding": "no",
    "gatewayports": "no",
    "x11forwarding": "no",
    "permittunnel": "no",
    "permituserenvironment": "no",
    "compression": "no",
    "usedns": "no",
    "loglevel": "VERBOSE",
    "banner": "/etc/issue.net",
}


def _setting(read: Callable[[Host], dict[str, str]], key: str, expected: str) -> Control:
    """A control that one key of a settings map (`read` from the node) has its value."""

    def check(host: Host, node: NodePlan) -> None:
        assert read(host).get(key) == expected, f"{key}: {read(host).get(key)!r}"

    return check


for _key, _value in SSHD_SETTINGS.items():
    control(f"sshd-{_key}")(_setting(sshd_t, _key, _value))


@control("sshd-ciphers-aead-or-ctr-only")
def _ciphers(host: Host, node: NodePlan) -> None:
    ciphers = sshd_t(host)["ciphers"].split(",")
    assert ciphers and all("gcm" in c or "chacha20" in c or c.endswith("-ctr") for c in ciphers)


@control("sshd-macs-encrypt-then-mac-sha2-only")
def _macs(host: Host, node: NodePlan) -> None:
    macs = sshd_t(host)["macs"].split(",")
    assert macs and all(m.endswith("-etm@openssh.com") and "sha1" not in m for m in macs)


@control("sshd-kex-no-sha1-no-nist-curves")
def _kex(host: Host, node: NodePlan) -> None:
    kex = sshd_t(host)["kexalgorithms"].split(",")
    assert kex and not [k for k in kex if "sha1" in k or "nistp" in k], kex


@control("sshd-config-validates")
def _sshd_valid(host: Host, node: NodePlan) -> None:
    assert host.run("sshd -t").rc == 0


@control("sshd-config-mode-0600")
def _sshd_mode(host: Host, node: NodePlan) -> None:
    f = host.file("/etc/ssh/sshd_config")
    assert (f.mode, f.user, f.group) == (0o600, "root", "root")


def _ssh_from_host(node: NodePlan, *options: str) -> subprocess.CompletedProcess[str]:
    """A login attempt from the host with `options` first (they win), host key checked."""
    return remote.run(HOSTVARS[node.hostname], "true", "-o", "BatchMode=no", *options, timeout=30)


@control("sshd-refuses-password-login")
def _no_password(host: Host, node: NodePlan) -> None:
    result = _ssh_from_host(
        node,
        "-o", "PubkeyAuthentication=no",
        "-o", "PreferredAuthentications=password,keyboard-interactive",
        "-o", "NumberOfPasswordPrompts=0",
    )  # fmt: skip
    assert result.returncode == 255 and "Permission denied (publickey)" in result.stderr


@control("sshd-refuses-cbc-cipher")
def _no_cbc(host: Host, node: NodePlan) -> None:
    # ssh reports a failed negotiation at INFO; the helper's default LogLevel=ERROR hides it.
    result = _ssh_from_host(node, "-o", "LogLevel=INFO", "-c", "aes128-cbc")
    assert result.returncode == 255 and "no matching cipher" in result.stderr, result.stderr


# --- sysctl -----------------------------------------------------------------------------------

# Per network namespace: live on every node, container or not.
NET_SYSCTLS = {
    "net.ipv4.conf.all.accept_redirects": 0,
    "net.ipv4.conf.default.accept_redirects": 0,
    "net.ipv4.conf.all.secure_redirects": 0,
    "net.ipv4.conf.all.send_redirects": 0,
    "net.ipv4.conf.all.accept_source_route": 0,
    "net.ipv6.conf.all.accept_redirects": 0,
    "net.ipv6.conf.all.accept_source_route": 0,
    "net.ipv4.conf.all.log_martians": 1,
    "net.ipv4.tcp_syncookies": 1,
    "net.ipv4.icmp_echo_ignore_broadcasts": 1,
    "net.ipv4.icmp_ignore_bogus_error_responses": 1,
    "net.ipv6.conf.all.accept_ra": 0,
}
# The kernel's own: live on a machine, the boot-time file on a container node.
KERNEL_SYSCTLS = {
    "kernel.randomize_va_space": 2,
    "kernel.yama.ptrace_scope": 1,
    "kernel.dmesg_restrict": 1,
    "kernel.kptr_restrict": 2,
    "kernel.sysrq": 0,
    "kernel.unprivileged_bpf_disabled": 1,
    "fs.suid_dumpable": 0,
    "fs.protected_symlinks": 1,
    "fs.protected_hardlinks": 1,
    "fs.protected_regular": 2,
}
SYSCTL_FILE = "/etc/sysctl.d/90-aidc-hardening.conf"


@functools.cache
def _sysctl_file(host: Host) -> dict[str, str]:
    lines = host.file(SYSCTL_FILE).content_string.splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def _net_sysctl(key: str, value: int) -> Control:
    def check(host: Host, node: NodePlan) -> None:
        assert host.sysctl(key) == value

    return check


def _kernel_sysctl(key: str, value: int) -> Control:
    def check(host: Host, node: NodePlan) -> None:
        if in_container(host):
            assert _sysctl_file(host).get(key) == str(value)
        else:
            assert host.sysctl(key) == value

    return check


for _key, _int in NET_SYSCTLS.items():
    control(f"sysctl-{_key}")(_net_sysctl(_key, _int))
for _key, _int in KERNEL_SYSCTLS.items():
    control(f"sysctl-{_key}")(_kernel_sysctl(_key, _int))


@control("sysctl-rp-filter-strict-or-loose-on-gpu")
def _rp_filter(host: Host, node: NodePlan) -> None:
    assert host.sysctl("net.ipv4.conf.all.rp_filter") == (2 if "gpu" in node.roles else 1)


@control("sysctl-forwarding-off-unless-container-runtime")
def _forwarding(host: Host, node: NodePlan) -> None:
    values = _sysctl_file(host)
    if "gpu" in node.roles:
        assert "net.ipv4.ip_forward" not in values
    else:
        assert values.get("net.ipv4.ip_forward") == "0" and host.sysctl("net.ipv4.ip_forward") == 0


@control("sysctl-modules-never-disabled")
def _modules_disabled(host: Host, node: NodePlan) -> None:
    assert "kernel.modules_disabled" not in _sysctl_file(host)


# --- audit --------------------------------------------------------------------------------------

AUDIT_RULES = "/etc/audit/rules.d/50-aidc-hardening.rules"
AUDIT_WATCHES = {
    "identity": ["-w /etc/passwd -p wa", "-w /etc/shadow -p wa", "-w /etc/group -p wa"],
    "sudoers": ["-w /etc/sudoers -p wa", "-w /etc/sudoers.d -p wa"],
    "time-change": ["-S adjtimex,settimeofday,clock_settime", "-w /etc/localtime -p wa"],
    "network-config": ["-w /etc/hosts -p wa", "-w /etc/nftables.conf -p wa"],
    "modules": ["-S init_module,finit_module,delete_module", "-w /etc/modprobe.d -p wa"],
    "privileged": ["-F path=/usr/bin/sudo -F perm=x", "-F path=/usr/bin/passwd -F perm=x"],
    "sshd-config": ["-w /etc/ssh/sshd_config -p wa"],
}


def _audit_rule(key: str, lines: list[str]) -> Control:
    def check(host: Host, node: NodePlan) -> None:
        text = host.file(AUDIT_RULES).content_string
        for line in lines:
            assert any(line in rule and rule.startswith(("-w", "-a")) for rule in text.splitlines())

    return check


for _key, _lines in AUDIT_WATCHES.items():
    control(f"audit-rules-{_key}")(_audit_rule(_key, _lines))


@control("audit-log-retention")
def _audit_retention(host: Host, node: NodePlan) -> None:
    conf = host.file("/etc/audit/auditd.conf").content_string
    for setting in ("max_log_file = 50", "num_logs = 10", "max_log_file_action = ROTATE"):
        assert setting in conf.splitlines(), setting


@control("audit-daemon-runs-where-the-kernel-allows")
def _auditd(host: Host, node: NodePlan) -> None:
    assert host.package("auditd").is_installed
    # A container has no audit netlink socket: the host's kernel audits it.
    assert host.service("auditd").is_running is not in_container(host)


# --- nftables ---------------------------------------------------------------------------------


@control("firewall-table-loaded-default-drop")
def _nft_loaded(host: Host, node: NodePlan) -> None:
    table = _out(host, "nft list table inet aidc_host")
    assert "hook input priority filter; policy drop;" in table
    assert 'iif "lo" accept' in table and "ct state established,related accept" in table


@control("firewall-forward-drop-unless-container-runtime")
def _nft_forward(host: Host, node: NodePlan) -> None:
    table = _out(host, "nft list table inet aidc_host")
    assert ("hook forward priority filter; policy drop;" in table) is ("gpu" not in node.roles)


@control("firewall-loaded-at-boot")
def _nft_boot(host: Host, node: NodePlan) -> None:
    assert host.service("nftables").is_enabled
    f = host.file("/etc/nftables.conf")
    assert f.mode == 0o600 and "table inet aidc_host" in f.content_string
    assert host.run("nft -c -f /etc/nftables.conf").rc == 0


@control("firewall-no-rollback-timer-left")
def _nft_rollback(host: Host, node: NodePlan) -> None:
    assert not host.service("aidc-firewall-rollback.timer").is_running


# --- fail2ban -----------------------------------------------------------------------------------


@control("fail2ban-sshd-jail-active")
def _fail2ban(host: Host, node: NodePlan) -> None:
    assert host.service("fail2ban").is_running
    assert "Status for the jail: sshd" in _out(host, "fail2ban-client status sshd")


@control("fail2ban-never-bans-admin-sources")
def _fail2ban_ignore(host: Host, node: NodePlan) -> None:
    jail = host.file("/etc/fail2ban/jail.local").content_string
    ignore = next(line for line in jail.splitlines() if line.startswith("ignoreip"))
    assert f"{HOST_ADDRESS}/32" in ignore.split()


# --- kernel modules -------------------------------------------------------------------------------

MODPROBE = "/etc/modprobe.d/aidc-hardening.conf"
BLACKLISTED = ["cramfs", "freevxfs", "hfs", "hfsplus", "jffs2", "udf", "usb-storage",
               "firewire-core", "dccp", "rds", "sctp", "tipc"]  # fmt: skip


@functools.cache
def _blacklisted(host: Host) -> set[str]:
    lines = host.file(MODPROBE).content_string.splitlines()
    installs = {line.split()[1] for line in lines if line.startswith("install ")}
    blacklist = {line.split()[1] for line in lines if line.startswith("blacklist ")}
    return {m for m in installs & blacklist if f"install {m} /bin/false" in lines}


def _module_off(module: str) -> Control:
    def check(host: Host, node: NodePlan) -> None:
        assert module in _blacklisted(host)

    return check


for _module in BLACKLISTED:
    control(f"modules-{_module}-disabled")(_module_off(_module))


@control("modules-squashfs-disabled-except-for-containers")
def _squashfs(host: Host, node: NodePlan) -> None:
    assert ("squashfs" in _blacklisted(host)) is ("gpu" not in node.roles)


@control("modules-overlay-and-gpu-drivers-never-disabled")
def _protected(host: Host, node: NodePlan) -> None:
    named = {line.split()[1] for line in host.file(MODPROBE).content_string.splitlines()
             if line.split()[:1] in (["install"], ["blacklist"])}  # fmt: skip
    assert not named & {"overlay", "nvidia", "nvidia_uvm", "nvidia_drm", "bridge", "veth"}


# --- logins -------------------------------------------------------------------------------------

LOGIN_DEFS = {
    "UMASK": "027",
    "PASS_MAX_DAYS": "365",
    "PASS_MIN_DAYS": "1",
    "PASS_WARN_AGE": "14",
    "SHA_CRYPT_MIN_ROUNDS": "65536",
}


def login_defs(host: Host) -> dict[str, str]:
    """login.defs as key -> value; a key set twice shows both values, which fails the check."""
    values: dict[str, str] = {}
    for line in host.file("/etc/login.defs").content_string.splitlines():
        fields = line.split()
        if len(fields) >= 2 and not fields[0].startswith("#"):
            values[fields[0]] = " ".join(filter(None, [values.get(fields[0]), fields[1]]))
    return values


for _key, _value in LOGIN_DEFS.items():
    control(f"login-defs-{_key.lower().replace('_', '-')}")(_setting(login_defs, _key, _value))


@control("login-password-quality")
def _pwquality(host: Host, node: NodePlan) -> None:
    conf = host.file("/etc/security/pwquality.conf.d/50-aidc.conf").content_string.splitlines()
    assert "minlen = 14" in conf and "enforce_for_root" in conf
    assert host.package("libpam-pwquality").is_installed


@control("login-idle-shell-timeout")
def _tmout(host: Host, node: NodePlan) -> None:
    assert _out(host, "bash -lc 'echo $TMOUT; readonly -p | grep -c TMOUT'").split() == ["900", "1"]


@control("login-core-dumps-off")
def _core(host: Host, node: NodePlan) -> None:
    limits = host.file("/etc/security/limits.d/50-aidc-core.conf").content_string
    assert "*\thard\tcore\t0" in limits
    assert "Storage=none" in host.file("/etc/systemd/coredump.conf.d/50-aidc.conf").content_string


@control("login-legal-banner")
def _banner(host: Host, node: NodePlan) -> None:
    for path in ("/etc/issue", "/etc/issue.net"):
        assert host.file(path).content_string.startswith("Authorized access only.")


# --- file modes -----------------------------------------------------------------------------------

FILE_MODES = {
    "/etc/passwd": (0o644, "root"),
    "/etc/group": (0o644, "root"),
    "/etc/shadow": (0o640, "shadow"),
    "/etc/gshadow": (0o640, "shadow"),
    "/etc/cron.d": (0o700, "root"),
    "/etc/cron.daily": (0o700, "root"),
    "/etc/sudoers.d": (0o750, "root"),
    "/root": (0o700, "root"),
}


def _file_mode(path: str, mode: int, group: str) -> Control:
    def check(host: Host, node: NodePlan) -> None:
        f = host.file(path)
        assert (f.mode, f.user, f.group) == (mode, "root", group), oct(f.mode)

    return check


for _path, (_mode, _group) in FILE_MODES.items():
    control(f"file-mode{_path.replace('/', '-')}")(_file_mode(_path, _mode, _group))


@control("file-no-world-writable-in-etc")
def _world_writable(host: Host, node: NodePlan) -> None:
    assert _out(host, "find /etc -xdev -type f -perm -0002 -print") == ""


# --- journal, updates, tools ---------------------------------------------------------------------


@control("journald-persistent")
def _journal(host: Host, node: NodePlan) -> None:
    conf = host.file("/etc/systemd/journald.conf.d/50-aidc.conf").content_string.splitlines()
    assert "Storage=persistent" in conf and "SystemMaxUse=1G" in conf
    assert host.file("/var/log/journal").is_directory


@control("updates-unattended-security")
def _updates(host: Host, node: NodePlan) -> None:
    assert host.package("unattended-upgrades").is_installed
    periodic = host.file("/etc/apt/apt.conf.d/20auto-upgrades").content_string
    assert 'APT::Periodic::Unattended-Upgrade "1";' in periodic


@control("tools-debsums-installed")
def _debsums(host: Host, node: NodePlan) -> None:
    assert host.package("debsums").is_installed


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hosts(
    lab: Lab, converged: PlayResult, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Host]]:
    assert converged.ok, converged.log.read_text()[-3000:]
    HOSTVARS.update({name: lab.hostvars(name) for name in NODES})
    # One multiplexed SSH connection per node for the hundreds of probes.
    control_dir = tmp_path_factory.mktemp("ssh")
    yield {
        name: testinfra.get_host(
            f"ssh://{remote.destination(HOSTVARS[name])}",
            ssh_extra_args=shlex.join(remote.ssh_options(HOSTVARS[name])),
            controlpath=str(control_dir / name),
            controlpersist=120,
        )
        for name in NODES
    }
    for cached in (sshd_t, in_container, _sysctl_file, _blacklisted):
        cached.cache_clear()


def test_at_least_forty_controls_per_node() -> None:
    assert len(CONTROLS) >= 40, len(CONTROLS)


@pytest.mark.parametrize(
    ("hostname", "name"),
    [(h, c) for h in NODES for c in CONTROLS],
    ids=[f"{h}:{c}" for h in NODES for c in CONTROLS],
)
def test_control(hosts: dict[str, Host], hostname: str, name: str) -> None:
    CONTROLS[name](hosts[hostname], NODES[hostname])


# --- port scans -----------------------------------------------------------------------------------

# Each source scans every other node; "host" is the machine the lab runs on (an admin source).
SCANNERS = ["host", "lab-login-1", "lab-gpu-1", "lab-storage-1"]
SCANS = [(s, t) for s in SCANNERS for t in NODES if t != s]


def declared_ports(source: str, target: NodePlan, rgw_endpoint: str) -> frozenset[int]:
    """The TCP ports the spec lets `source` reach on `target`."""
    address = HOST_ADDRESS if source == "host" else str(NODES[source].address.ip)
    src = IPv4Address(address)
    ports: set[int] = set()
    if source == "host":
        ports.add(22)
        if "monitor" in target.roles:
            ports.add(9090)
        if rgw_endpoint.startswith(f"http://{target.address.ip}:"):
            ports.add(int(rgw_endpoint.rsplit(":", 1)[1]))
    elif "login" in NODES[source].roles:
        ports.add(22)
    for rule in LAYOUT.rules:
        if src in rule.sources and target.address.ip in rule.destinations:
            if rule.protocol == "all":
                ports |= portscan.ALL_PORTS
            elif rule.protocol == "tcp" and rule.ports:
                ports |= set(range(rule.ports[0], rule.ports[1] + 1))
    return frozenset(ports)


def listening(host: Host) -> frozenset[int]:
    """TCP ports with a listener on an address other hosts can reach."""
    ports = set()
    for line in _out(host, "ss -ltnH").splitlines():
        local = line.split()[3]
        address, _, port = local.rpartition(":")
        if not address.startswith(("127.", "[::1]")):
            ports.add(int(port))
    return frozenset(ports)


@pytest.fixture(scope="module")
def scan_from(converged: PlayResult) -> Callable[[str], dict[str, portscan.Ports]]:
    """One nmap per scanning source, over every other node, run when first needed."""
    assert converged.ok

    @functools.cache
    def scan(source: str) -> dict[str, portscan.Ports]:
        targets = [str(NODES[t].address.ip) for s, t in SCANS if s == source]
        pid = None if source == "host" else portscan.node_netns_pid("lab", source)
        return portscan.scan_tcp(targets, from_pid=pid)

    return scan


def _ranges(ports: frozenset[int]) -> str:
    """Ports as compact ranges, for readable failure messages."""
    out, run = [], []
    for port in sorted(ports):
        if run and port != run[-1] + 1:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
            run = []
        run.append(port)
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(out) or "none"


@pytest.mark.parametrize(("source", "target"), SCANS, ids=[f"{s}->{t}" for s, t in SCANS])
def test_port_scan_equals_the_allowlist(
    lab: Lab,
    hosts: dict[str, Host],
    scan_from: Callable[[str], dict[str, portscan.Ports]],
    source: str,
    target: str,
) -> None:
    node = NODES[target]
    seen = scan_from(source)[str(node.address.ip)]
    declared = declared_ports(source, node, lab.outputs.cluster_vars.aidc_rgw_endpoint)
    assert seen.reachable == declared, (
        f"answering {_ranges(seen.reachable)} != declared {_ranges(declared)}"
    )
    expected_open = declared & listening(hosts[target])
    assert seen.open == expected_open, f"open {_ranges(seen.open)} != {_ranges(expected_open)}"


def test_admin_sources_are_the_host(lab: Lab) -> None:
    """The scans from the host test the admin rules: the lab's admin source is the host."""
    sources = lab.outputs.cluster_vars.aidc_admin_sources
    assert [IPv4Address(HOST_ADDRESS) in ip_network(s) for s in sources] == [True]
