"""GPU node checks that run without Ansible: nvidia-smi/NVML facts (`nvidia_smi`), the
catalog figures they are judged against (`specs`), micro-benchmark results (`bench`,
`microbench`), the acceptance gate (`gate`) and the `gpu-check` command (`check`).

Standard library only (torch only inside `microbench`), so a bare GPU machine with Python,
PyTorch and nvidia-smi can run `scripts/gpu-check.sh` from a checkout. `nvidia_smi` and
`microbench` also run on nodes without aidc: the aidc.cluster collection's build copies them
in (its module_utils/nvidia_smi.py, the gpu_validate role's files/microbench.py).
"""
