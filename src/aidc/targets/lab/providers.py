"""Pulumi dynamic providers for the lab: each maps create/read/diff/update/delete onto the
host operations in ops/. They run as root in the engine's provider process.

`read` reports a thing that is gone with an empty id, so `pulumi refresh` drops it from state
and the next `up` creates it again.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from aidc.targets.lab.ops import firewall, image, network, node, paths, proxy, sshkey

GONE = ReadResult(id_="", outs={})
SSH_WAIT_S = 120.0


def _replace_on(olds: dict[str, Any], news: dict[str, Any], keys: tuple[str, ...]) -> DiffResult:
    changed = [k for k in keys if olds.get(k) != news.get(k)]
    return DiffResult(changes=bool(changed), replaces=changed, delete_before_replace=True)


class StateDirProvider(ResourceProvider):
    """The stack's folder on the host; deleted last, removing whatever is left in it."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        path = paths.stack_dir(props["stack"])
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
        return CreateResult(id_=str(path), outs={**props, "path": str(path)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props) if Path(id_).is_dir() else GONE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _replace_on(olds, news, ("stack",))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        shutil.rmtree(id_, ignore_errors=True)


class SshKeyProvider(ResourceProvider):
    """An ed25519 key pair; the private half is a secret output and a 0600 file for Ansible."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        private, public = sshkey.generate(comment=f"aidc-{props['stack']}")
        sshkey.write_private_key(Path(props["path"]), private)
        return CreateResult(
            id_=props["path"], outs={**props, "public_key": public, "private_key": private}
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props) if Path(id_).is_file() else GONE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _replace_on(olds, news, ("stack", "path"))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        Path(id_).unlink(missing_ok=True)


class ImageProvider(ResourceProvider):
    """A debootstrapped base image, cached by content outside the stack; delete keeps the
    cache (other stacks and the next `up` reuse it; `make lab-clean-cache` drops it)."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        packages = tuple(props["packages"])
        rootfs = image.build_image(props["suite"], packages, paths.images_dir())
        return CreateResult(
            id_=image.image_id(props["suite"], packages), outs={**props, "rootfs": str(rootfs)}
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        rootfs = props.get("rootfs")
        return ReadResult(id_=id_, outs=props) if rootfs and Path(rootfs).is_dir() else GONE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _replace_on(olds, news, ("suite", "packages"))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class BridgeProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        network.ensure_bridge(props["bridge"], props["host_cidr"])
        return CreateResult(id_=props["bridge"], outs=props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props) if network.bridge_exists(id_) else GONE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _replace_on(olds, news, ("bridge", "host_cidr"))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        network.delete_bridge(id_)


class ProxyProvider(ResourceProvider):
    """tinyproxy for the nodes' package manager, bound to the bridge addresses only."""

    def _spec(self, props: dict[str, Any]) -> proxy.ProxySpec:
        return proxy.ProxySpec(
            state_dir=paths.proxy_dir(props["stack"]),
            listen=tuple(props["listen"]),
            allow=tuple(props["allow"]),
            port=int(props["port"]),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        proxy.ensure_proxy(self._spec(props))
        return CreateResult(id_=f"{props['stack']}-proxy", outs=props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        running = proxy.proxy_running(paths.proxy_dir(props["stack"]))
        return ReadResult(id_=id_, outs=props) if running else GONE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _replace_on(olds, news, ("stack", "listen", "allow", "port"))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        proxy.stop_proxy(paths.proxy_dir(props["stack"]))


def ruleset(props: dict[str, Any]) -> firewall.Ruleset:
    """The host ruleset for the spec's flows; protocol `all` opens tcp, udp and icmp."""
    flows = []
    for rule in props["rules"]:
        protocols: tuple[firewall.Protocol, ...] = (
            ("tcp", "udp", "icmp") if rule["protocol"] == "all" else (rule["protocol"],)
        )
        # Pulumi hands numbers back as floats.
        ports = (int(rule["ports"][0]), int(rule["ports"][1])) if rule.get("ports") else None
        flows += [
            firewall.Flow(
                sources=tuple(rule["sources"]),
                destinations=tuple(rule["destinations"]),
                protocol=proto,
                ports=ports if proto != "icmp" else None,
            )
            for proto in protocols
        ]
    return firewall.Ruleset(
        bridges=tuple(props["bridges"]),
        flows=tuple(flows),
        host_tcp_ports=tuple(int(p) for p in props["host_tcp_ports"]),
    )


class FirewallProvider(ResourceProvider):
    """The spec's flows as one nftables table on the host; updated in place, atomically."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        firewall.apply_ruleset(props["stack"], ruleset(props))
        return CreateResult(id_=firewall.table_name(props["stack"]), outs=props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props) if firewall.table_exists(props["stack"]) else GONE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = any(olds.get(k) != news.get(k) for k in ("rules", "bridges", "host_tcp_ports"))
        replace = ["stack"] if olds.get("stack") != news.get("stack") else []
        return DiffResult(changes=changed or bool(replace), replaces=replace)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        firewall.apply_ruleset(news["stack"], ruleset(news))
        return UpdateResult(outs=news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        firewall.delete_table(props["stack"])


NODE_INPUTS = (
    "stack",
    "hostname",
    "rootfs",
    "bridge",
    "address",
    "ssh_public_key",
    "proxy_url",
    "memory_mb",
)


class NodeProvider(ResourceProvider):
    """One systemd-nspawn container booted from the image, detached from the engine."""

    def _spec(self, props: dict[str, Any]) -> node.NodeSpec:
        return node.NodeSpec(
            name=f"{props['stack']}-{props['hostname']}",
            hostname=props["hostname"],
            rootfs=Path(props["rootfs"]),
            state_dir=paths.node_dir(props["stack"], props["hostname"]),
            interfaces=(node.Interface(bridge=props["bridge"], address=props["address"]),),
            ssh_public_key=props["ssh_public_key"],
            proxy_url=props["proxy_url"],
            memory_max_bytes=int(props["memory_mb"]) * 1024 * 1024,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = self._spec(props)
        node.start_node(spec)
        node.wait_for_ssh(props["address"].split("/")[0], SSH_WAIT_S)
        host_key = node.host_public_key(spec.state_dir)
        return CreateResult(id_=props["hostname"], outs={**props, "host_key": host_key})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        running = node.node_running(paths.node_dir(props["stack"], props["hostname"]))
        return ReadResult(id_=id_, outs=props) if running else GONE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _replace_on(olds, news, NODE_INPUTS)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        node.stop_node(paths.node_dir(props["stack"], props["hostname"]))


class KnownHostsProvider(ResourceProvider):
    """The nodes' SSH host keys as a known_hosts file, so SSH to the lab checks host keys."""

    def _write(self, props: dict[str, Any]) -> None:
        lines = [f"{e['address']},{e['hostname']} {e['host_key']}\n" for e in props["entries"]]
        path = Path(props["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines))
        path.chmod(0o644)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._write(props)
        return CreateResult(id_=props["path"], outs=props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props) if Path(id_).is_file() else GONE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replace = ["path"] if olds.get("path") != news.get("path") else []
        return DiffResult(
            changes=olds.get("entries") != news.get("entries") or bool(replace), replaces=replace
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._write(news)
        return UpdateResult(outs=news)

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        Path(id_).unlink(missing_ok=True)
