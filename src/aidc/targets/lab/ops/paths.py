"""Where the lab keeps its state on the host, in one place.

Layout under the state root (default /var/lib/aidc/lab, env AIDC_LAB_ROOT):

    images/<image-id>/rootfs        read-only base images, shared by stacks
    images/<image-id>/build.log
    stacks/<stack>/nodes/<node>/    per-node overlay upper dir, pidfile, log
    stacks/<stack>/proxy/           tinyproxy config, pidfile, log
    stacks/<stack>/ssh/             the stack's SSH key pair

Destroying a stack removes stacks/<stack>; a leftover there is a leak.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT_ENV = "AIDC_LAB_ROOT"
DEFAULT_ROOT = Path("/var/lib/aidc/lab")

# Stack and node names become path components and parts of nft table names.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


def check_name(kind: str, value: str) -> str:
    """Return value if it is a safe stack/node name, else raise ValueError."""
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"invalid {kind} name {value!r}: use 1-63 of [A-Za-z0-9._-], starting alphanumeric"
        )
    return value


def lab_root() -> Path:
    """The state root: $AIDC_LAB_ROOT or /var/lib/aidc/lab."""
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)


def images_dir(root: Path | None = None) -> Path:
    """Directory holding the content-addressed base images."""
    return (root or lab_root()) / "images"


def stacks_dir(root: Path | None = None) -> Path:
    """Directory holding one subfolder per stack."""
    return (root or lab_root()) / "stacks"


def stack_dir(stack: str, root: Path | None = None) -> Path:
    """All state of one stack."""
    return stacks_dir(root) / check_name("stack", stack)


def node_dir(stack: str, node: str, root: Path | None = None) -> Path:
    """State of one node: overlay upper dir, pidfile, console log."""
    return stack_dir(stack, root) / "nodes" / check_name("node", node)


def proxy_dir(stack: str, root: Path | None = None) -> Path:
    """State of the stack's apt proxy."""
    return stack_dir(stack, root) / "proxy"


def ssh_dir(stack: str, root: Path | None = None) -> Path:
    """The stack's SSH key pair."""
    return stack_dir(stack, root) / "ssh"
