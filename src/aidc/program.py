"""The Pulumi program: read the spec from stack config (the one place config is read),
validate it (the neutral rules and its target's), declare its target's top-level component,
and export that component's stack outputs once (the contract in aidc.inventory)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pulumi

from aidc.inventory.contract import AwsOutputs, LabOutputs
from aidc.spec import STACK_KEY, Cluster, SpecError, load_spec


class TargetCluster(Protocol):
    """What every target's top-level component offers the program."""

    @property
    def contract(self) -> type[LabOutputs] | type[AwsOutputs]: ...

    @property
    def outputs(self) -> pulumi.Output[Any]: ...

    @property
    def secrets(self) -> dict[str, pulumi.Output[str]]: ...


def read_cluster() -> Cluster:
    """The validated spec of this stack; invalid specs stop the program before any resource."""
    project, _, key = STACK_KEY.partition(":")
    try:
        raw = pulumi.Config(project).get_object(key)
    except ValueError as exc:  # the config's JSON itself (e.g. an integer of thousands of digits)
        raise pulumi.RunError(
            f"stack config {STACK_KEY} is not valid JSON data ({str(exc)[:200]}); "
            "write the spec as YAML mappings, lists and plain values"
        ) from None
    if raw is None:
        raise pulumi.RunError(
            f"stack config has no {STACK_KEY}; put the cluster spec under config: {STACK_KEY}:"
        )
    try:
        cluster, warnings = load_spec(raw)
    except SpecError as exc:
        raise pulumi.RunError(f"invalid cluster spec ({STACK_KEY}):\n{exc}") from None
    for warning in warnings:
        pulumi.log.warn(str(warning))
    return cluster


def declare(cluster: Cluster) -> TargetCluster:
    """The top-level component of the cluster's target, with all its resources declared."""
    if cluster.target == "lab":
        from aidc.targets.lab.components import LabCluster, LabClusterArgs

        return LabCluster("lab", LabClusterArgs(cluster=cluster, stack=pulumi.get_stack()))
    if cluster.target == "aws":
        from aidc.targets.aws.cluster import AwsCluster, AwsClusterArgs

        return AwsCluster(cluster.name, AwsClusterArgs(cluster=cluster))
    raise pulumi.RunError(f"target {cluster.target} has no Pulumi components in this release")


def export(component: TargetCluster) -> None:
    """One stack output per top-level field of the contract, plus the target's secrets."""
    values = component.outputs.apply(lambda o: o.export_values())
    for key in component.contract.model_fields:
        pulumi.export(key, values.apply(_field(key)))
    for key, secret in component.secrets.items():
        pulumi.export(key, pulumi.Output.secret(secret))


def _field(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda values: values.get(key)


def build(cluster: Cluster) -> None:
    """Declare the cluster and export its outputs: the program body, also run under mocks."""
    export(declare(cluster))


def main() -> None:
    build(read_cluster())
