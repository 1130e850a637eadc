"""SSH key pairs for admin access to lab nodes.

Uses the `cryptography` package when importable, else ssh-keygen
(Debian package: openssh-client).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from aidc.targets.lab.ops.shell import run


def generate(comment: str = "aidc-lab") -> tuple[str, str]:
    """Return (private key in OpenSSH PEM format, public key line) for a new ed25519 key."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    except ImportError:
        return _generate_with_ssh_keygen(comment)
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, f"{public} {comment}"


def write_private_key(path: Path, pem: str) -> None:
    """Write pem to path with mode 0600, atomically (never world-readable, never partial)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _generate_with_ssh_keygen(comment: str) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "id_ed25519"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)])
        return key.read_text(), key.with_suffix(".pub").read_text().strip()
