"""The Pulumi program: read the spec from stack config (the one place config is read),
validate it, and build the components of its target."""

from __future__ import annotations

import pulumi

from aidc.spec import STACK_KEY, Cluster, SpecError, load_spec


def read_cluster() -> Cluster:
    """The validated spec of this stack; invalid specs stop the program before any resource."""
    project, _, key = STACK_KEY.partition(":")
    raw = pulumi.Config(project).get_object(key)
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


def main() -> None:
    cluster = read_cluster()
    if cluster.target == "lab":
        from aidc.targets.lab.components import LabCluster, LabClusterArgs
        from aidc.targets.lab.layout import LabLayoutError, plan_layout

        try:
            layout = plan_layout(cluster, pulumi.get_stack())
        except LabLayoutError as exc:
            raise pulumi.RunError(f"the lab cannot honour this spec: {exc}") from None
        args = LabClusterArgs(cluster=cluster, stack=pulumi.get_stack(), layout=layout)
        LabCluster("lab", args).export()
    elif cluster.target == "aws":
        from aidc.targets.aws import build as build_aws

        build_aws(cluster)
    else:
        raise pulumi.RunError(f"target {cluster.target} has no Pulumi components in this release")
