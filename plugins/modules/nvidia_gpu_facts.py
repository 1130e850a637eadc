#!/usr/bin/python
"""Ansible module: NVIDIA GPU facts from the PCI bus, nvidia-smi and NVML (read-only)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nvidia_gpu_facts
short_description: NVIDIA GPU facts from the PCI bus, nvidia-smi and NVML
description:
  - Looks for NVIDIA GPUs and NVSwitches on the PCI bus (sysfs, vendor 0x10de), then reads
    C(nvidia-smi -q -x) and, where the pynvml package is importable, NVML; NVML fills what
    nvidia-smi leaves out and gives NVLink link states, else C(nvidia-smi nvlink --status) does.
  - Sets the fact C(nvidia_gpus). Changes nothing on the node, so it runs in check mode.
  - The parsing code is the collection's C(module_utils/nvidia_smi.py), which the collection
    build takes from C(aidc.gpu.nvidia_smi), the same code gpu-check runs.
options:
  gather:
    description:
      - C(all) reads the PCI bus, nvidia-smi and NVML; C(pci) only the PCI bus (no driver needed).
    type: str
    choices: [all, pci]
    default: all
  nvidia_smi:
    description: Name or path of nvidia-smi; names are looked up on PATH and driver folders.
    type: str
    default: nvidia-smi
  use_nvml:
    description: Read NVML through pynvml when it is importable.
    type: bool
    default: true
  sysfs_root:
    description: Where sysfs is mounted.
    type: path
    default: /sys
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author: aidc
"""

EXAMPLES = r"""
- name: Read the GPUs
  aidc.cluster.nvidia_gpu_facts:

- name: Only look for NVIDIA GPUs on the PCI bus
  aidc.cluster.nvidia_gpu_facts:
    gather: pci
"""

RETURN = r"""
ansible_facts:
  description: The facts.
  returned: always
  type: dict
  contains:
    nvidia_gpus:
      description:
        - C(source) (nvidia-smi, nvml or none), C(count), C(driver_version), C(cuda_version),
          C(pci) (C(gpus) and C(nvswitches) bus ids), C(nvidia_smi) (its path or null),
          C(errors), and C(gpus), one per GPU with name, uuid, serial, pci_bus_id,
          architecture, driver and CUDA versions, memory, ECC mode and volatile/aggregate
          error counts, remapped rows, retired pages, persistence, MIG mode, PCIe generation
          and width (current and max), power limit and draw, clocks, temperatures,
          performance state, NVSwitch fabric state and NVLink links.
      type: dict
      returned: always
"""

import os  # noqa: E402 - Ansible modules put their documentation first
from pathlib import Path  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.aidc.cluster.plugins.module_utils.nvidia_smi import gather  # noqa: E402

DRIVER_DIRS = ["/usr/local/nvidia/bin", "/usr/local/bin"]


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "gather": {"type": "str", "choices": ["all", "pci"], "default": "all"},
            "nvidia_smi": {"type": "str", "default": "nvidia-smi"},
            "use_nvml": {"type": "bool", "default": True},
            "sysfs_root": {"type": "path", "default": "/sys"},
        },
        supports_check_mode=True,
    )
    pci_only = module.params["gather"] == "pci"
    smi = None
    nvml = None
    if not pci_only:
        name = module.params["nvidia_smi"]
        if Path(name).is_absolute():
            smi = name if os.access(name, os.X_OK) else None
        else:
            smi = module.get_bin_path(name, required=False, opt_dirs=DRIVER_DIRS)
        if module.params["use_nvml"]:
            try:
                import pynvml  # type: ignore[import-not-found,unused-ignore]
            except ImportError:
                pynvml = None
            nvml = pynvml

    def run(argv: list[str]) -> tuple[int, str, str]:
        rc, out, err = module.run_command(argv)
        return rc, out, err

    facts = gather(run, smi, module.params["sysfs_root"], nvml=nvml, pci_only=pci_only)
    module.exit_json(changed=False, ansible_facts={"nvidia_gpus": facts})


if __name__ == "__main__":
    main()
