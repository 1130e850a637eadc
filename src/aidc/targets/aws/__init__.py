"""The aws target: ComponentResources on pulumi_aws.

`AwsCluster` (cluster.py) declares a whole cluster and offers its stack outputs (the contract
in aidc.inventory); the program exports them. Components (tokens `aidc:aws:<Type>`): Cluster,
Network (network.py), Firewall (firewall.py), NodePool, GpuPool and StoragePool (pools.py),
Bastion (bastion.py), ObjectStore (objectstore.py). Placement and the access model are pure
functions of the spec (layout.py); the target's spec rules are in rules.py.

This package's own import is light on purpose (no pulumi_aws), so validating a spec does not
load the provider SDK: import the components from their modules.
"""

from typing import Any


def build(cluster: Any) -> None:
    """Deprecated spelling of `aidc.program.build` for a cluster of target aws."""
    from aidc.program import build as program_build

    program_build(cluster)
