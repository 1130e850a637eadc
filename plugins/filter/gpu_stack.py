"""Filter `aidc.cluster.gpu_stack`: resolve a node's GPU software stack from the aidc lockfile.

    {{ {'branch': '580', 'sku': 'h200-sxm', 'kernel_modules': ''} | aidc.cluster.gpu_stack }}

returns `aidc.catalog.gpustack.resolve(...)` as a dict: branch, driver, cuda, fabric_manager,
fabric_manager_needed, dcgm, dcgm_major, dcgm_cuda, dcgm_exporter, container_toolkit,
kernel_modules, sku, gpu_name, architecture, min_driver, ok, violations, warnings.
Filters run on the controller, where the aidc package is installed (`make setup`).
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError


def _gpustack() -> Any:
    try:
        from aidc.catalog import gpustack
    except ImportError as exc:
        raise AnsibleFilterError(
            f"aidc.cluster.gpu_stack needs the aidc package on the controller ({exc}): run "
            "`make setup` and ansible-playbook from the repository's .venv"
        ) from None
    return gpustack


def gpu_stack(selection: dict[str, Any]) -> dict[str, Any]:
    gpustack = _gpustack()
    fields = {k: str(v or "") for k, v in dict(selection).items()}
    try:
        chosen = gpustack.Selection(**fields)
    except ValueError as exc:
        raise AnsibleFilterError(f"gpu_stack: bad selection {fields}: {exc}") from None
    result: dict[str, Any] = gpustack.resolve(chosen).to_dict()
    return result


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"gpu_stack": gpu_stack}
