"""Run a Pulumi program under mocks, the way the engine would, and keep every registration.

Used by the test suite and by `aidc check`, which judges a stack's registrations with the
policy rules where no engine (CLI, provider, credentials) is at hand.

`run_program(fn)` resets Pulumi's global runtime state, installs a recording mock monitor,
runs `fn` as a Pulumi program (waiting for every registration and output), collects the root
stack's exports, and resets the state again, so nothing leaks into the next test.

The mocks answer like AWS would in shape: ids, ARNs, private addresses (stable, derived from
the resource name), public addresses for instances that ask for one, an S3 prefix list for the
gateway endpoint, DNS and mount names of file systems, and the Ubuntu AMI for the SSM
parameter lookup.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks

UBUNTU_AMI = "ami-0123456789abcdef0"
S3_PREFIX_LIST = "pl-63a5400a"
INSTANCE = "aws:ec2/instance:Instance"


@dataclass(frozen=True)
class Registered:
    urn: str
    type: str
    name: str
    parent: str  # the parent's URN; the stack's for top-level resources
    custom: bool
    inputs: dict[str, Any]

    def __str__(self) -> str:
        return self.urn


def _digest(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def fake_private_ip(name: str, cidr: str | None = None) -> str:
    """A stable address for this name, inside `cidr` when known (AWS keeps the first 4 and
    the last address of a subnet)."""
    net = ipaddress.IPv4Network(cidr or "10.0.0.0/8")
    usable = net.num_addresses - 5
    return str(net.network_address + 4 + _digest(name) % usable)


def fake_public_ip(name: str) -> str:
    return f"198.51.100.{(_digest(name) % 250) + 1}"


def fake_state(
    typ: str, name: str, inputs: dict[str, Any], subnet_cidr: str | None = None
) -> dict[str, Any]:
    """What the provider would report after create: the inputs plus computed fields."""
    state = dict(inputs)
    state.setdefault("arn", f"arn:aws:mock:us-east-1:123456789012:{typ.rsplit(':', 1)[-1]}/{name}")
    if typ == INSTANCE:
        state["privateIp"] = fake_private_ip(name, subnet_cidr)
        if inputs.get("associatePublicIpAddress"):
            state["publicIp"] = fake_public_ip(name)
    elif typ == "aws:ec2/eip:Eip":
        state["publicIp"] = fake_public_ip(name)
    elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
        state["prefixListId"] = S3_PREFIX_LIST
    elif typ == "aws:ec2/launchTemplate:LaunchTemplate":
        state["latestVersion"] = 1
    elif typ == "aws:ec2/placementGroup:PlacementGroup":
        state.setdefault("name", f"{name}-pg")
    elif typ in ("aws:iam/role:Role", "aws:s3/bucket:Bucket"):
        state.setdefault("name", name)
        state.setdefault("bucket", name)
    elif typ in ("aws:cloudwatch/logGroup:LogGroup", "aws:autoscaling/group:Group"):
        state.setdefault("name", name)
    elif typ == "aws:fsx/lustreFileSystem:LustreFileSystem":
        state["dnsName"] = f"{name}-id.fsx.us-east-1.amazonaws.com"
        state["mountName"] = f"{_digest(name):08x}"
    elif typ == "aws:efs/fileSystem:FileSystem":
        state["dnsName"] = f"{name}-id.efs.us-east-1.amazonaws.com"
    return state


class RecordingMocks(Mocks):
    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[MockCallArgs] = []
        # Subnet id -> CIDR, launch template id -> its interfaces' subnet: so an instance's
        # address falls inside the subnet it was placed in.
        self.subnet_cidrs: dict[str, str] = {}
        self.template_subnets: dict[str, str] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.pending[(args.typ, args.name)] = args.inputs
        if not args.custom:
            return None, {}
        rid = f"{args.name}-id"
        inputs = args.inputs
        if args.typ == "aws:ec2/subnet:Subnet" and "cidrBlock" in inputs:
            self.subnet_cidrs[rid] = inputs["cidrBlock"]
        elif args.typ == "aws:ec2/launchTemplate:LaunchTemplate":
            for nic in inputs.get("networkInterfaces") or []:
                if nic.get("subnetId"):
                    self.template_subnets[rid] = nic["subnetId"]
        subnet = inputs.get("subnetId") or self.template_subnets.get(
            (inputs.get("launchTemplate") or {}).get("id", "")
        )
        return rid, fake_state(args.typ, args.name, inputs, self.subnet_cidrs.get(subnet or ""))

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.calls.append(args)
        if args.token == "aws:ssm/getParameter:getParameter":  # noqa: S105 - a function token
            name = args.args["name"]
            value = UBUNTU_AMI
            return {
                "id": name,
                "name": name,
                "arn": f"arn:aws:ssm:us-east-1::parameter{name}",
                "type": "String",
                "value": value,
                "insecureValue": value,
                "version": 1,
                "withDecryption": True,
            }, []
        return {}, []


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, keeping (urn, type, name, parent, inputs) of each registration."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks
        self.registered: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            inputs = self.recording.pending.pop((request.type, request.name), {})
            self.registered.append(
                Registered(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=bool(request.custom),
                    inputs=inputs,
                )
            )
        return response


@dataclass
class Run:
    resources: list[Registered]
    outputs: dict[str, Any]
    calls: list[MockCallArgs] = field(default_factory=list)

    @property
    def custom(self) -> list[Registered]:
        return [r for r in self.resources if r.custom]

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.type == typ]

    def named(self, name: str, typ: str | None = None) -> Registered:
        found = [r for r in self.resources if r.name == name and (typ is None or r.type == typ)]
        assert len(found) == 1, f"expected one resource named {name!r}, found {len(found)}"
        return found[0]

    def urn_of(self, name: str, typ: str | None = None) -> str:
        return self.named(name, typ).urn

    def descendants(self, urn: str) -> list[Registered]:
        """Every resource below the one with this URN (children, their children, ...)."""
        below: set[str] = {urn}
        out: list[Registered] = []
        # Registrations arrive parents first, so one pass in order suffices.
        for r in self.resources:
            if r.parent in below:
                below.add(r.urn)
                out.append(r)
        return out

    def names(self) -> set[tuple[str, str]]:
        return {(r.type, r.name) for r in self.resources}

    def __iter__(self) -> Iterator[Registered]:
        return iter(self.resources)


def reset_runtime() -> None:
    """Forget the root stack, the monitor and the settings (what pulumi's own tests do)."""
    settings.reset_options()
    pulumi.runtime.set_all_config({})


def run_program(
    program: Callable[[], None],
    *,
    project: str = "aidc",
    stack: str = "test",
    config: dict[str, str] | None = None,
    monitor_type: type[RecordingMonitor] | None = None,
) -> Run:
    """Run `program` as a Pulumi program under mocks (preview=False); return what it did.

    An exception from the program propagates after pending registrations are drained; the
    monitor is reachable through the exception's `run` attribute so tests can count them.
    `monitor_type` records more of each registration (a subclass of RecordingMonitor).
    """
    reset_runtime()
    mocks = RecordingMocks()
    monitor = (monitor_type or RecordingMonitor)(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    if config:
        pulumi.runtime.set_all_config(config)
    exported: dict[str, Any] = {}

    async def collect(value: Any) -> Any:
        """Await the outputs inside plain data (cheaper than Output.from_input's deep lift,
        which allocates an Output per leaf)."""
        if isinstance(value, pulumi.Output):
            return await collect(await value.future())
        if isinstance(value, dict):
            return {k: await collect(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [await collect(v) for v in value]
        return value

    async def export_all() -> None:
        root = settings.get_root_resource()
        exported.update(await collect(dict(getattr(root, "outputs", {}) or {})))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def go() -> Any:
        program()
        # An awaitable that resolves to None: the test wrapper awaits it without lifting data.
        return export_all()

    try:
        go()
    except BaseException as exc:
        exc.run = Run(list(monitor.registered), {}, list(mocks.calls))  # type: ignore[attr-defined]
        raise
    finally:
        reset_runtime()
    return Run(list(monitor.registered), exported, list(mocks.calls))


def run_cluster(cluster: Any) -> Run:
    """The program body (`aidc.program.build`) for an aws cluster, under mocks."""
    from aidc.program import build

    return run_program(lambda: build(cluster))


def tags_of(resource: Registered) -> dict[str, str]:
    tags: dict[str, str] = resource.inputs.get("tags") or {}
    return tags
