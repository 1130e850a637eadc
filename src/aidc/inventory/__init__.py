"""Stack outputs to Ansible inventory: the hand-off between provisioning and configuration."""

from aidc.inventory.build import InventoryError, build_inventory
from aidc.inventory.clustervars import cluster_vars

__all__ = ["InventoryError", "build_inventory", "cluster_vars"]
