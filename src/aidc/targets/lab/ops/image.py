"""Content-addressed Debian base images for lab nodes.

Debian packages: debootstrap, systemd (for `systemctl --root`).
An image is a debootstrapped rootfs prepared to boot fast under
systemd-nspawn: systemd-networkd on (nodes get static addresses), sshd with
key-only root login and per-node host keys, no gettys, no apt timers, an empty
machine-id (each node writes its own), python3 for Ansible. Nodes use it as the
read-only lower layer of an overlay, so it is never modified after the build.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from aidc.targets.lab.ops.shell import run

SUPPORTED_SUITES = ("bookworm", "trixie")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = (
    "ca-certificates",
    "dbus",
    "iproute2",
    "openssh-server",
    "python3",
    "systemd",
    "systemd-sysv",
)
# Bump when _prepare changes what an image contains, so old images are not reused.
_RECIPE_VERSION = 1
_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+")
_MASKED_UNITS = (
    "getty.target",
    "console-getty.service",
    "systemd-networkd-wait-online.service",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "dpkg-db-backup.timer",
    "e2scrub_all.timer",
    "e2scrub_reap.service",
    "fstrim.timer",
)
_SSHD_CONFIG = """\
# aidc lab: one host key generated per node; root by key only.
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
"""


def image_id(suite: str, packages: Iterable[str]) -> str:
    """Stable id of the image built from suite plus packages, e.g. 'bookworm-1f3a...'."""
    wanted = _package_set(suite, packages)
    recipe = json.dumps({"recipe": _RECIPE_VERSION, "suite": suite, "packages": wanted})
    return f"{suite}-{hashlib.sha256(recipe.encode()).hexdigest()[:16]}"


def image_rootfs(images_dir: Path, suite: str, packages: Iterable[str]) -> Path:
    """Where the image's rootfs lives (whether built or not)."""
    return images_dir / image_id(suite, packages) / "rootfs"


def build_image(
    suite: str,
    packages: Iterable[str],
    images_dir: Path,
    mirror: str = DEFAULT_MIRROR,
    timeout: float = 1800.0,
) -> Path:
    """Build the image unless present; return its rootfs path.

    debootstrap output goes to <images_dir>/<id>/build.log. The rootfs is
    assembled in a temporary sibling and renamed into place, so a present
    rootfs is always complete. Concurrent builders of one id serialize on a lock.
    """
    packages = list(packages)
    wanted = _package_set(suite, packages)
    rootfs = image_rootfs(images_dir, suite, packages)
    if rootfs.is_dir():
        return rootfs
    rootfs.parent.mkdir(parents=True, exist_ok=True)
    with (rootfs.parent / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rootfs.is_dir():
            return rootfs
        for stale in rootfs.parent.glob(".rootfs-*"):  # from a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        log = rootfs.parent / "build.log"
        log.write_text("")
        tmp = Path(tempfile.mkdtemp(prefix=".rootfs-", dir=rootfs.parent))
        try:
            tmp.chmod(0o755)  # becomes the nodes' "/": must not stay mkdtemp's 0700
            debootstrap = ["debootstrap", "--variant=minbase", "--include=" + ",".join(wanted)]
            run([*debootstrap, suite, str(tmp), mirror], log=log, timeout=timeout)
            _prepare(tmp, log)
            tmp.rename(rootfs)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return rootfs


def delete_image(images_dir: Path, suite: str, packages: Iterable[str]) -> None:
    """Remove the image (absent is fine). Nodes still booted from it would break."""
    shutil.rmtree(images_dir / image_id(suite, packages), ignore_errors=True)


def _package_set(suite: str, packages: Iterable[str]) -> list[str]:
    if suite not in SUPPORTED_SUITES:
        raise ValueError(f"unsupported suite {suite!r}: use one of {', '.join(SUPPORTED_SUITES)}")
    extra = set(packages)
    bad = sorted(p for p in extra if not _PACKAGE.fullmatch(p))
    if bad:
        raise ValueError(f"invalid Debian package names: {', '.join(bad)}")
    return sorted(extra | set(BASE_PACKAGES))


def _prepare(root: Path, log: Path) -> None:
    etc = root / "etc"
    # Empty (not missing) machine-id: systemd treats the image as a template;
    # each node writes its own id into its overlay before boot.
    (etc / "machine-id").write_text("")
    dbus_id = root / "var/lib/dbus/machine-id"
    dbus_id.unlink(missing_ok=True)
    dbus_id.parent.mkdir(parents=True, exist_ok=True)
    dbus_id.symlink_to("/etc/machine-id")
    (etc / "hostname").write_text("localhost\n")  # debootstrap copied the host's
    resolv = etc / "resolv.conf"
    resolv.unlink(missing_ok=True)  # debootstrap copied the host's resolver
    resolv.write_text("# aidc lab: no DNS; apt reaches Debian through the proxy\n")
    for key in (etc / "ssh").glob("ssh_host_*"):
        key.unlink()
    (etc / "ssh/sshd_config.d").mkdir(parents=True, exist_ok=True)
    (etc / "ssh/sshd_config.d/aidc.conf").write_text(_SSHD_CONFIG)
    systemctl = ["systemctl", f"--root={root}"]
    run([*systemctl, "enable", "systemd-networkd.service", "ssh.service"], log=log)
    run([*systemctl, "mask", *_MASKED_UNITS], log=log)
    for deb in (root / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()
