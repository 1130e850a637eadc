"""Lab ComponentResources: each wraps one dynamic resource (or, for the cluster, all of them),
parents and prefixes its children, and registers typed outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.dynamic import Resource, ResourceProvider

from aidc.inventory.clustervars import cluster_vars, gpu_of, resolved_flows
from aidc.inventory.contract import (
    LabEndpoints,
    LabFirewallOut,
    LabFlowOut,
    LabNetworkOut,
    LabOutputs,
    NodeOut,
)
from aidc.spec import Cluster
from aidc.targets.lab import providers
from aidc.targets.lab.layout import SSH_USER, LabLayout, NodePlan, plan_layout
from aidc.targets.lab.ops import paths
from aidc.targets.lab.ops.image import image_rootfs
from aidc.targets.lab.ops.proxy import DEFAULT_PORT as PROXY_PORT
from aidc.targets.lab.ops.proxy import proxy_url

# What every node needs to boot, answer SSH and be configured by Ansible.
IMAGE_PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "python3",
    "python3-apt",
    "iproute2",
    "ca-certificates",
    "sudo",
    "nftables",
    "procps",
)


class _Dynamic(Resource):
    """A dynamic resource; `outputs` names the properties its provider adds to the inputs."""

    def __init__(
        self,
        provider: ResourceProvider,
        name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        outputs: tuple[str, ...] = (),
    ) -> None:
        super().__init__(provider, name, {**dict.fromkeys(outputs), **props}, opts)


def _known(outputs: LabOutputs) -> pulumi.Output[LabOutputs]:
    """The lab knows all its outputs when the program runs: every address is planned."""
    return pulumi.Output.from_input(0).apply(lambda _: outputs)


def _child(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **kwargs)


@dataclass(frozen=True)
class LabImageArgs:
    suite: str
    packages: tuple[str, ...] = IMAGE_PACKAGES


class LabImage(pulumi.ComponentResource):
    rootfs: pulumi.Output[str]

    def __init__(self, name: str, args: LabImageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aidc:lab:Image", name, None, opts)
        res = _Dynamic(
            providers.ImageProvider(),
            f"{name}-image",
            {"suite": args.suite, "packages": list(args.packages)},
            _child(self, custom_timeouts=pulumi.CustomTimeouts(create="20m")),
            outputs=("rootfs",),
        )
        self.rootfs = res.rootfs  # type: ignore[attr-defined]
        self.register_outputs({"rootfs": self.rootfs})


@dataclass(frozen=True)
class LabNetworkArgs:
    bridge: str
    host_cidr: str


class LabNetwork(pulumi.ComponentResource):
    bridge: pulumi.Output[str]

    def __init__(self, name: str, args: LabNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aidc:lab:Network", name, None, opts)
        res = _Dynamic(
            providers.BridgeProvider(),
            f"{name}-bridge",
            {"bridge": args.bridge, "host_cidr": args.host_cidr},
            _child(self),
        )
        self.bridge = res.bridge  # type: ignore[attr-defined]
        self.register_outputs({"bridge": self.bridge, "host_cidr": args.host_cidr})


@dataclass(frozen=True)
class LabFirewallArgs:
    stack: str
    layout: LabLayout
    host_tcp_ports: tuple[int, ...] = ()


class LabFirewall(pulumi.ComponentResource):
    table: pulumi.Output[str]

    def __init__(
        self, name: str, args: LabFirewallArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("aidc:lab:Firewall", name, None, opts)
        rules = [
            {
                "description": r.description,
                "sources": [str(a) for a in r.sources],
                "destinations": [str(a) for a in r.destinations],
                "protocol": r.protocol,
                "ports": list(r.ports) if r.ports else None,
            }
            for r in args.layout.rules
        ]
        bridges = [b.bridge for b in args.layout.bridges]
        res = _Dynamic(
            providers.FirewallProvider(),
            f"{name}-nftables",
            {
                "stack": args.stack,
                "bridges": bridges,
                "rules": rules,
                "host_tcp_ports": list(args.host_tcp_ports),
            },
            _child(self),
        )
        self.table = res.id
        self.register_outputs({"table": self.table, "rules": len(rules)})


@dataclass(frozen=True)
class LabProxyArgs:
    stack: str
    listen: tuple[str, ...]
    allow: tuple[str, ...]
    port: int = PROXY_PORT


class LabProxy(pulumi.ComponentResource):
    urls: list[str]

    def __init__(self, name: str, args: LabProxyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aidc:lab:Proxy", name, None, opts)
        _Dynamic(
            providers.ProxyProvider(),
            f"{name}-tinyproxy",
            {
                "stack": args.stack,
                "listen": list(args.listen),
                "allow": list(args.allow),
                "port": args.port,
            },
            _child(self),
        )
        self.urls = [proxy_url(a, args.port) for a in args.listen]
        self.register_outputs({"urls": self.urls})


@dataclass(frozen=True)
class LabNodeArgs:
    stack: str
    plan: NodePlan
    rootfs: pulumi.Input[str]
    ssh_public_key: pulumi.Input[str]
    proxy_url: str
    memory_mb: int


class LabNode(pulumi.ComponentResource):
    hostname: str
    address: str

    def __init__(self, name: str, args: LabNodeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aidc:lab:Node", name, None, opts)
        self.hostname = args.plan.hostname
        self.address = str(args.plan.address.ip)
        res = _Dynamic(
            providers.NodeProvider(),
            f"{name}-nspawn",
            {
                "stack": args.stack,
                "hostname": args.plan.hostname,
                "rootfs": args.rootfs,
                "bridge": args.plan.bridge,
                "address": str(args.plan.address),
                "ssh_public_key": args.ssh_public_key,
                "proxy_url": args.proxy_url,
                "memory_mb": args.memory_mb,
            },
            _child(self, custom_timeouts=pulumi.CustomTimeouts(create="5m", delete="3m")),
            outputs=("host_key",),
        )
        self.host_key: pulumi.Output[str] = res.host_key  # type: ignore[attr-defined]
        self.register_outputs(
            {"hostname": self.hostname, "address": self.address, "host_key": self.host_key}
        )


@dataclass(frozen=True)
class LabClusterArgs:
    cluster: Cluster
    stack: str
    layout: LabLayout | None = field(default=None)


class LabCluster(pulumi.ComponentResource):
    """A whole lab cluster: state folder, key, image, bridges, proxy, firewall, nodes."""

    contract = LabOutputs
    outputs: pulumi.Output[LabOutputs]
    secrets: dict[str, pulumi.Output[str]]
    ssh_key_path: str
    private_key: pulumi.Output[str]

    def __init__(self, name: str, args: LabClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aidc:lab:Cluster", name, None, opts)
        cluster, stack = args.cluster, args.stack
        layout = args.layout or plan_layout(cluster, stack)
        self.layout = layout
        state = _Dynamic(
            providers.StateDirProvider(), f"{name}-state", {"stack": stack}, _child(self)
        )
        inside = _child(self, depends_on=[state])
        self.ssh_key_path = str(paths.ssh_dir(stack) / "id_ed25519")
        key = _Dynamic(
            providers.SshKeyProvider(),
            f"{name}-ssh-key",
            {"stack": stack, "path": self.ssh_key_path},
            _child(self, depends_on=[state], additional_secret_outputs=["private_key"]),
            outputs=("public_key", "private_key"),
        )
        self.private_key = key.private_key  # type: ignore[attr-defined]
        image = LabImage(f"{name}-{cluster.lab.suite}", LabImageArgs(cluster.lab.suite), inside)
        networks = [
            LabNetwork(
                f"{name}-net-{b.network}",
                LabNetworkArgs(b.bridge, str(b.host)),
                inside,
            )
            for b in layout.bridges
        ]
        after_networks = _child(self, depends_on=[state, *networks])
        proxy = LabProxy(
            f"{name}-proxy",
            LabProxyArgs(
                stack,
                listen=tuple(str(b.host.ip) for b in layout.bridges),
                allow=tuple(str(b.host.network) for b in layout.bridges),
            ),
            after_networks,
        )
        firewall = LabFirewall(
            f"{name}-firewall", LabFirewallArgs(stack, layout, (PROXY_PORT,)), after_networks
        )
        proxy_for = {b.bridge: proxy_url(str(b.host.ip), PROXY_PORT) for b in layout.bridges}
        node_opts = _child(self, depends_on=[state, *networks, proxy, firewall])
        self.node_resources = [
            LabNode(
                f"{name}-node-{plan.hostname}",
                LabNodeArgs(
                    stack=stack,
                    plan=plan,
                    rootfs=image.rootfs,
                    ssh_public_key=key.public_key,  # type: ignore[attr-defined]
                    proxy_url=proxy_for[plan.bridge],
                    memory_mb=cluster.lab.node_memory_mb,
                ),
                node_opts,
            )
            for plan in layout.nodes
        ]
        self.known_hosts_path = str(paths.ssh_dir(stack) / "known_hosts")
        _Dynamic(
            providers.KnownHostsProvider(),
            f"{name}-known-hosts",
            {
                "path": self.known_hosts_path,
                "entries": [
                    {"hostname": n.hostname, "address": n.address, "host_key": n.host_key}
                    for n in self.node_resources
                ],
            },
            _child(self, depends_on=[state]),
        )
        nodes = tuple(
            NodeOut(
                name=plan.hostname,
                pool=plan.pool,
                roles=plan.roles,
                addresses={plan.network: str(plan.address.ip)},
                ansible_host=str(plan.address.ip),
                ssh_user=SSH_USER,
                ssh_private_key_file=self.ssh_key_path,
                **gpu_of(cluster, plan.pool),
            )
            for plan in layout.nodes
        )
        self.outputs = _known(
            LabOutputs(
                nodes=nodes,
                networks=tuple(
                    LabNetworkOut(
                        name=b.network,
                        bridge=b.bridge,
                        cidr=str(b.host.network),
                        host_address=str(b.host.ip),
                    )
                    for b in layout.bridges
                ),
                firewall=LabFirewallOut(
                    default="deny between nodes",
                    flows=tuple(
                        LabFlowOut(
                            description=r.description,
                            from_=tuple(str(a) for a in r.sources),
                            to=tuple(str(a) for a in r.destinations),
                            protocol=r.protocol,
                            ports="-".join(str(p) for p in dict.fromkeys(r.ports))
                            if r.ports
                            else "all",
                        )
                        for r in layout.rules
                    ),
                ),
                endpoints=LabEndpoints(apt_proxy=tuple(proxy.urls)),
                ssh_key_path=self.ssh_key_path,
                known_hosts_path=self.known_hosts_path,
                cluster_vars=cluster_vars(
                    cluster,
                    nodes,
                    flows=resolved_flows(cluster, nodes),
                    # Admin access to the lab comes from the host, over each bridge.
                    admin_sources=[f"{b.host.ip}/32" for b in layout.bridges],
                    apt_proxy=proxy.urls[0] if proxy.urls else "",
                    # Compute nodes build their container images from the nodes' own image.
                    container_base_rootfs=str(
                        image_rootfs(paths.images_dir(), cluster.lab.suite, IMAGE_PACKAGES)
                    ),
                ),
            )
        )
        # The key stays encrypted in state; the program exports it beside the contract.
        self.secrets = {"ssh_private_key": self.private_key}
        self.register_outputs({"nodes": [n.name for n in nodes], "ssh_key_path": self.ssh_key_path})
