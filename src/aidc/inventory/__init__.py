"""Stack outputs to Ansible inventory: the hand-off between provisioning and configuration."""

from aidc.inventory.build import InventoryError, build_inventory, host_vars
from aidc.inventory.clustervars import cluster_vars
from aidc.inventory.contract import (
    CONTRACT_VERSION,
    AwsOutputs,
    ClusterVars,
    ContractError,
    LabOutputs,
    NodeOut,
    StackOutputs,
    parse_outputs,
)

__all__ = [
    "CONTRACT_VERSION",
    "AwsOutputs",
    "ClusterVars",
    "ContractError",
    "InventoryError",
    "LabOutputs",
    "NodeOut",
    "StackOutputs",
    "build_inventory",
    "cluster_vars",
    "host_vars",
    "parse_outputs",
]
