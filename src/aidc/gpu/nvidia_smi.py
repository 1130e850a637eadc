"""GPU facts from `nvidia-smi -q -x`, NVML (pynvml) and `nvidia-smi nvlink --status`.

This file is the single source of the parsing code in two places:

- `aidc.gpu.nvidia_smi` on the machine that runs `gpu-check` (no Ansible there);
- `ansible_collections.aidc.cluster.plugins.module_utils.nvidia_smi` inside the
  `aidc.cluster.nvidia_gpu_facts` module: the collection build (`make collection`) copies
  this file there, and Ansible packs it with the module when it sends it to a node.

So it imports the standard library only, nothing of aidc, and keeps to syntax Python 3.9
runs (the nodes run their own Python). Everything here is read-only: it reads sysfs and the
output of commands the caller ran; the caller passes the runner in, so tests feed fixtures.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypedDict

NVIDIA_VENDOR = "0x10de"
# PCI class codes: 0x03xxxx display controllers (VGA 0x0300, 3D 0x0302), 0x0680 NVSwitch.
GPU_CLASS_PREFIX = "0x03"
NVSWITCH_CLASS_PREFIX = "0x0680"

# What nvidia-smi prints where a value does not apply or cannot be read.
_NOT_A_VALUE = {
    "",
    "n/a",
    "[n/a]",
    "not supported",
    "[not supported]",
    "unknown error",
    "[unknown error]",
    "requested functionality has been deprecated",
    "none",
    "insufficient permissions",
    "[insufficient permissions]",
}
_TRUE = {"enabled", "yes", "active", "on", "true"}
_FALSE = {"disabled", "no", "not active", "off", "false"}
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?")


class EccCounts(TypedDict):
    correctable: int | None
    uncorrectable: int | None
    sram_correctable: int | None
    sram_uncorrectable: int | None
    dram_correctable: int | None
    dram_uncorrectable: int | None


class EccErrors(TypedDict):
    volatile: EccCounts
    aggregate: EccCounts


class RemappedRows(TypedDict):
    correctable: int | None
    uncorrectable: int | None
    pending: bool | None
    failure: bool | None


class RetiredPages(TypedDict):
    single_bit: int | None
    double_bit: int | None
    pending: bool | None


class Pcie(TypedDict):
    gen_current: int | None
    gen_max: int | None
    width_current: int | None
    width_max: int | None


class Clocks(TypedDict):
    graphics_mhz: int | None
    sm_mhz: int | None
    memory_mhz: int | None
    sm_max_mhz: int | None
    memory_max_mhz: int | None


class Fabric(TypedDict):
    state: str | None
    status: str | None


class NvlinkLink(TypedDict):
    link: int
    active: bool
    speed_gbps: float | None


class Nvlink(TypedDict):
    total: int
    active: int
    links: list[NvlinkLink]


class GpuFacts(TypedDict):
    index: int
    name: str | None
    architecture: str | None
    uuid: str | None
    serial: str | None
    pci_bus_id: str | None
    vbios_version: str | None
    driver_version: str | None
    cuda_version: str | None
    memory_total_mib: int | None
    memory_used_mib: int | None
    ecc_mode_current: bool | None
    ecc_mode_pending: bool | None
    ecc_errors: EccErrors
    remapped_rows: RemappedRows | None
    retired_pages: RetiredPages
    persistence_mode: bool | None
    mig_mode_current: bool | None
    mig_mode_pending: bool | None
    mig_devices: int
    pcie: Pcie
    power_limit_w: float | None
    power_draw_w: float | None
    clocks: Clocks
    temperature_c: int | None
    memory_temperature_c: int | None
    performance_state: str | None
    fabric: Fabric
    nvlink: Nvlink | None


class PciDevices(TypedDict):
    gpus: list[str]
    nvswitches: list[str]


class NodeFacts(TypedDict):
    source: str
    count: int
    driver_version: str | None
    cuda_version: str | None
    gpus: list[GpuFacts]
    pci: PciDevices
    nvidia_smi: str | None
    errors: list[str]


# --- scalar helpers ----------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    value = " ".join(text.split())
    return None if value.lower() in _NOT_A_VALUE else value


def _text(node: ET.Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path)
    return None if found is None else _clean(found.text)


def to_int(text: str | None) -> int | None:
    """The leading integer of a reading ('143771 MiB' -> 143771, '16x' -> 16)."""
    if text is None:
        return None
    match = _NUMBER.match(text.strip())
    return None if match is None else int(float(match.group(0)))


def to_float(text: str | None) -> float | None:
    if text is None:
        return None
    match = _NUMBER.match(text.strip())
    return None if match is None else float(match.group(0))


def to_bool(text: str | None) -> bool | None:
    if text is None:
        return None
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _sum(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def version_tuple(version: str | None) -> tuple[int, ...]:
    """'580.159.04' -> (580, 159, 4); unparsable parts stop the tuple."""
    parts: list[int] = []
    for part in (version or "").split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


# --- nvidia-smi -q -x --------------------------------------------------------------------


def _ecc_counts(node: ET.Element | None) -> EccCounts:
    empty: EccCounts = {
        "correctable": None,
        "uncorrectable": None,
        "sram_correctable": None,
        "sram_uncorrectable": None,
        "dram_correctable": None,
        "dram_uncorrectable": None,
    }
    if node is None:
        return empty
    single, double = node.find("single_bit"), node.find("double_bit")
    if single is not None or double is not None:
        # Drivers before R510 count by single/double bit and by memory kind.
        return {
            "correctable": to_int(_text(single, "total")),
            "uncorrectable": to_int(_text(double, "total")),
            "sram_correctable": None,
            "sram_uncorrectable": None,
            "dram_correctable": to_int(_text(single, "device_memory")),
            "dram_uncorrectable": to_int(_text(double, "device_memory")),
        }
    sram_c = to_int(_text(node, "sram_correctable"))
    # R535 reports sram_uncorrectable; R550+ split it into _parity and _secded.
    sram_u = _sum(
        to_int(_clean(child.text)) for child in node if child.tag.startswith("sram_uncorrectable")
    )
    dram_c = to_int(_text(node, "dram_correctable"))
    dram_u = to_int(_text(node, "dram_uncorrectable"))
    return {
        "correctable": _sum([sram_c, dram_c]),
        "uncorrectable": _sum([sram_u, dram_u]),
        "sram_correctable": sram_c,
        "sram_uncorrectable": sram_u,
        "dram_correctable": dram_c,
        "dram_uncorrectable": dram_u,
    }


def _remapped_rows(node: ET.Element | None) -> RemappedRows | None:
    if node is None:
        return None
    rows: RemappedRows = {
        "correctable": to_int(_text(node, "remapped_row_corr")),
        "uncorrectable": to_int(_text(node, "remapped_row_unc")),
        "pending": to_bool(_text(node, "remapped_row_pending")),
        "failure": to_bool(_text(node, "remapped_row_failure")),
    }
    # GPUs without a row remapper (before Ampere) report N/A everywhere.
    return None if all(v is None for v in rows.values()) else rows


def _retired_pages(node: ET.Element | None) -> RetiredPages:
    pending = [
        to_bool(_text(node, "pending_retirement")),
        to_bool(_text(node, "pending_blacklist")),
    ]
    known = [p for p in pending if p is not None]
    return {
        "single_bit": to_int(_text(node, "multiple_single_bit_retirement/retired_count")),
        "double_bit": to_int(_text(node, "double_bit_retirement/retired_count")),
        "pending": any(known) if known else None,
    }


def _power(gpu: ET.Element) -> tuple[float | None, float | None]:
    for section in ("gpu_power_readings", "power_readings"):
        node = gpu.find(section)
        if node is None:
            continue
        limit = to_float(
            _text(node, "current_power_limit")
            or _text(node, "enforced_power_limit")
            or _text(node, "power_limit")
        )
        draw = to_float(
            _text(node, "instant_power_draw")
            or _text(node, "average_power_draw")
            or _text(node, "power_draw")
        )
        return limit, draw
    return None, None


def _gpu_from_xml(index: int, gpu: ET.Element, driver: str | None, cuda: str | None) -> GpuFacts:
    link = gpu.find("pci/pci_gpu_link_info")
    power_limit, power_draw = _power(gpu)
    mig_devices = gpu.find("mig_devices")
    return {
        "index": index,
        "name": _text(gpu, "product_name"),
        "architecture": _text(gpu, "product_architecture"),
        "uuid": _text(gpu, "uuid"),
        "serial": _text(gpu, "serial"),
        "pci_bus_id": _text(gpu, "pci/pci_bus_id") or _clean(gpu.get("id")),
        "vbios_version": _text(gpu, "vbios_version"),
        "driver_version": driver,
        "cuda_version": cuda,
        "memory_total_mib": to_int(_text(gpu, "fb_memory_usage/total")),
        "memory_used_mib": to_int(_text(gpu, "fb_memory_usage/used")),
        "ecc_mode_current": to_bool(_text(gpu, "ecc_mode/current_ecc")),
        "ecc_mode_pending": to_bool(_text(gpu, "ecc_mode/pending_ecc")),
        "ecc_errors": {
            "volatile": _ecc_counts(gpu.find("ecc_errors/volatile")),
            "aggregate": _ecc_counts(gpu.find("ecc_errors/aggregate")),
        },
        "remapped_rows": _remapped_rows(gpu.find("remapped_rows")),
        "retired_pages": _retired_pages(gpu.find("retired_pages")),
        "persistence_mode": to_bool(_text(gpu, "persistence_mode")),
        "mig_mode_current": to_bool(_text(gpu, "mig_mode/current_mig")),
        "mig_mode_pending": to_bool(_text(gpu, "mig_mode/pending_mig")),
        "mig_devices": 0 if mig_devices is None else len(mig_devices.findall("mig_device")),
        "pcie": {
            "gen_current": to_int(_text(link, "pcie_gen/current_link_gen")),
            "gen_max": to_int(_text(link, "pcie_gen/max_link_gen")),
            "width_current": to_int(_text(link, "link_widths/current_link_width")),
            "width_max": to_int(_text(link, "link_widths/max_link_width")),
        },
        "power_limit_w": power_limit,
        "power_draw_w": power_draw,
        "clocks": {
            "graphics_mhz": to_int(_text(gpu, "clocks/graphics_clock")),
            "sm_mhz": to_int(_text(gpu, "clocks/sm_clock")),
            "memory_mhz": to_int(_text(gpu, "clocks/mem_clock")),
            "sm_max_mhz": to_int(_text(gpu, "max_clocks/sm_clock")),
            "memory_max_mhz": to_int(_text(gpu, "max_clocks/mem_clock")),
        },
        "temperature_c": to_int(_text(gpu, "temperature/gpu_temp")),
        "memory_temperature_c": to_int(_text(gpu, "temperature/memory_temp")),
        "performance_state": _text(gpu, "performance_state"),
        "fabric": {"state": _text(gpu, "fabric/state"), "status": _text(gpu, "fabric/status")},
        "nvlink": None,
    }


def parse_xml(text: str) -> tuple[str | None, str | None, list[GpuFacts]]:
    """(driver version, CUDA version, GPUs) from `nvidia-smi -q -x`; ValueError if not that."""
    # nvidia-smi names a DTD the parser would not fetch anyway; drop it to be plain.
    body = re.sub(r"<!DOCTYPE[^>]*>", "", text, count=1)
    try:
        root = ET.fromstring(body)  # noqa: S314 - our own nvidia-smi's output
    except ET.ParseError as exc:
        raise ValueError(f"nvidia-smi -q -x output is not XML: {exc}") from None
    if root.tag != "nvidia_smi_log":
        raise ValueError(f"nvidia-smi -q -x output has root <{root.tag}>, not <nvidia_smi_log>")
    driver = _text(root, "driver_version")
    cuda = _text(root, "cuda_version")
    gpus = [_gpu_from_xml(i, g, driver, cuda) for i, g in enumerate(root.findall("gpu"))]
    return driver, cuda, gpus


# --- nvidia-smi nvlink --status ----------------------------------------------------------

_NVLINK_GPU = re.compile(r"^GPU\s+(\d+):.*?\(UUID:\s*([^)]+)\)")
_NVLINK_LINK = re.compile(r"^Link\s+(\d+):\s*(.+)$")


def parse_nvlink_status(text: str) -> dict[str, Nvlink]:
    """Per GPU UUID, its NVLink links from `nvidia-smi nvlink --status`."""
    result: dict[str, Nvlink] = {}
    current: Nvlink | None = None
    for raw in text.splitlines():
        line = raw.strip()
        gpu = _NVLINK_GPU.match(line)
        if gpu:
            current = {"total": 0, "active": 0, "links": []}
            result[gpu.group(2).strip()] = current
            continue
        link = _NVLINK_LINK.match(line)
        if link and current is not None:
            value = link.group(2).strip()
            active = "inactive" not in value.lower()
            current["links"].append(
                {
                    "link": int(link.group(1)),
                    "active": active,
                    "speed_gbps": to_float(value) if active else None,
                }
            )
    for state in result.values():
        state["total"] = len(state["links"])
        state["active"] = sum(1 for link_state in state["links"] if link_state["active"])
    return result


# --- NVML (pynvml) -----------------------------------------------------------------------


def _nvml_call(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:  # NVML raises NVMLError_* for "not supported"
        return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return _clean(str(value))


def nvml_nvlink(nvml: Any, handle: Any) -> Nvlink | None:
    links: list[NvlinkLink] = []
    for link in range(int(getattr(nvml, "NVML_NVLINK_MAX_LINKS", 18))):
        state = _nvml_call(nvml.nvmlDeviceGetNvLinkState, handle, link)
        if state is None:
            continue
        links.append({"link": link, "active": bool(state), "speed_gbps": None})
    if not links:
        return None
    return {"total": len(links), "active": sum(1 for x in links if x["active"]), "links": links}


def _nvml_pair(value: Any) -> tuple[bool | None, bool | None]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return bool(value[0]), bool(value[1])
    return None, None


def nvml_gpus(nvml: Any) -> tuple[str | None, str | None, list[GpuFacts]]:
    """(driver, CUDA, GPUs) through pynvml, the fields NVML answers; the rest stay None."""
    nvml.nvmlInit()
    try:
        driver = _as_text(_nvml_call(nvml.nvmlSystemGetDriverVersion))
        cuda_int = _nvml_call(nvml.nvmlSystemGetCudaDriverVersion)
        cuda = None if cuda_int is None else f"{int(cuda_int) // 1000}.{int(cuda_int) % 1000 // 10}"
        gpus: list[GpuFacts] = []
        for index in range(int(nvml.nvmlDeviceGetCount())):
            gpus.append(_nvml_gpu(nvml, index, driver, cuda))
        return driver, cuda, gpus
    finally:
        _nvml_call(nvml.nvmlShutdown)


def _nvml_gpu(nvml: Any, index: int, driver: str | None, cuda: str | None) -> GpuFacts:
    h = nvml.nvmlDeviceGetHandleByIndex(index)
    memory = _nvml_call(nvml.nvmlDeviceGetMemoryInfo, h)
    pci = _nvml_call(nvml.nvmlDeviceGetPciInfo, h)
    ecc_current, ecc_pending = _nvml_pair(_nvml_call(nvml.nvmlDeviceGetEccMode, h))
    mig_current, mig_pending = _nvml_pair(_nvml_call(nvml.nvmlDeviceGetMigMode, h))
    unc = getattr(nvml, "NVML_MEMORY_ERROR_TYPE_UNCORRECTED", 1)
    cor = getattr(nvml, "NVML_MEMORY_ERROR_TYPE_CORRECTED", 0)
    counts: dict[str, EccCounts] = {}
    for scope, counter in (
        ("volatile", getattr(nvml, "NVML_VOLATILE_ECC", 0)),
        ("aggregate", getattr(nvml, "NVML_AGGREGATE_ECC", 1)),
    ):
        counts[scope] = {
            "correctable": _nvml_call(nvml.nvmlDeviceGetTotalEccErrors, h, cor, counter),
            "uncorrectable": _nvml_call(nvml.nvmlDeviceGetTotalEccErrors, h, unc, counter),
            "sram_correctable": None,
            "sram_uncorrectable": None,
            "dram_correctable": None,
            "dram_uncorrectable": None,
        }
    remap = _nvml_call(nvml.nvmlDeviceGetRemappedRows, h)
    rows: RemappedRows | None = None
    if isinstance(remap, (list, tuple)) and len(remap) >= 4:
        rows = {
            "correctable": int(remap[0]),
            "uncorrectable": int(remap[1]),
            "pending": bool(remap[2]),
            "failure": bool(remap[3]),
        }
    pending_pages = _nvml_call(nvml.nvmlDeviceGetRetiredPagesPendingStatus, h)
    limit_mw = _nvml_call(nvml.nvmlDeviceGetPowerManagementLimit, h)
    draw_mw = _nvml_call(nvml.nvmlDeviceGetPowerUsage, h)
    pstate = _nvml_call(nvml.nvmlDeviceGetPerformanceState, h)
    sm, mem = getattr(nvml, "NVML_CLOCK_SM", 1), getattr(nvml, "NVML_CLOCK_MEM", 2)
    graphics = getattr(nvml, "NVML_CLOCK_GRAPHICS", 0)
    persistence = _nvml_call(nvml.nvmlDeviceGetPersistenceMode, h)
    return {
        "index": index,
        "name": _as_text(_nvml_call(nvml.nvmlDeviceGetName, h)),
        "architecture": None,
        "uuid": _as_text(_nvml_call(nvml.nvmlDeviceGetUUID, h)),
        "serial": _as_text(_nvml_call(nvml.nvmlDeviceGetSerial, h)),
        "pci_bus_id": _as_text(getattr(pci, "busId", None)),
        "vbios_version": _as_text(_nvml_call(nvml.nvmlDeviceGetVbiosVersion, h)),
        "driver_version": driver,
        "cuda_version": cuda,
        "memory_total_mib": None if memory is None else int(memory.total) // (1 << 20),
        "memory_used_mib": None if memory is None else int(memory.used) // (1 << 20),
        "ecc_mode_current": ecc_current,
        "ecc_mode_pending": ecc_pending,
        "ecc_errors": {"volatile": counts["volatile"], "aggregate": counts["aggregate"]},
        "remapped_rows": rows,
        "retired_pages": {
            "single_bit": None,
            "double_bit": None,
            "pending": None if pending_pages is None else bool(pending_pages),
        },
        "persistence_mode": None if persistence is None else bool(persistence),
        "mig_mode_current": mig_current,
        "mig_mode_pending": mig_pending,
        "mig_devices": 0,
        "pcie": {
            "gen_current": _nvml_call(nvml.nvmlDeviceGetCurrPcieLinkGeneration, h),
            "gen_max": _nvml_call(nvml.nvmlDeviceGetMaxPcieLinkGeneration, h),
            "width_current": _nvml_call(nvml.nvmlDeviceGetCurrPcieLinkWidth, h),
            "width_max": _nvml_call(nvml.nvmlDeviceGetMaxPcieLinkWidth, h),
        },
        "power_limit_w": None if limit_mw is None else float(limit_mw) / 1000.0,
        "power_draw_w": None if draw_mw is None else float(draw_mw) / 1000.0,
        "clocks": {
            "graphics_mhz": _nvml_call(nvml.nvmlDeviceGetClockInfo, h, graphics),
            "sm_mhz": _nvml_call(nvml.nvmlDeviceGetClockInfo, h, sm),
            "memory_mhz": _nvml_call(nvml.nvmlDeviceGetClockInfo, h, mem),
            "sm_max_mhz": _nvml_call(nvml.nvmlDeviceGetMaxClockInfo, h, sm),
            "memory_max_mhz": _nvml_call(nvml.nvmlDeviceGetMaxClockInfo, h, mem),
        },
        "temperature_c": _nvml_call(
            nvml.nvmlDeviceGetTemperature, h, getattr(nvml, "NVML_TEMPERATURE_GPU", 0)
        ),
        "memory_temperature_c": None,
        "performance_state": None if pstate is None else f"P{int(pstate)}",
        "fabric": {"state": None, "status": None},
        "nvlink": nvml_nvlink(nvml, h),
    }


def fill_missing(primary: Any, secondary: Any) -> Any:
    """`primary` with its None leaves taken from `secondary` (same shape), recursively."""
    if primary is None:
        return secondary
    if isinstance(primary, dict) and isinstance(secondary, dict):
        return {k: fill_missing(v, secondary.get(k)) for k, v in primary.items()}
    return primary


# --- PCI bus -----------------------------------------------------------------------------


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip().lower()
    except OSError:
        return ""


def pci_devices(sysfs_root: str = "/sys") -> PciDevices:
    """NVIDIA GPUs and NVSwitches on the PCI bus (vendor 0x10de), by bus id, from sysfs."""
    found: PciDevices = {"gpus": [], "nvswitches": []}
    try:
        devices = sorted(Path(sysfs_root, "bus", "pci", "devices").iterdir())
    except OSError:
        return found
    for device in devices:
        if _read(device / "vendor") != NVIDIA_VENDOR:
            continue
        pci_class = _read(device / "class")
        if pci_class.startswith(GPU_CLASS_PREFIX):
            found["gpus"].append(device.name)
        elif pci_class.startswith(NVSWITCH_CLASS_PREFIX):
            found["nvswitches"].append(device.name)
    return found


# --- everything together -----------------------------------------------------------------

# run(argv) -> (return code, stdout, stderr); the module passes AnsibleModule.run_command.
Runner = Callable[[list[str]], tuple[int, str, str]]


def gather(
    run: Runner,
    nvidia_smi: str | None,
    sysfs_root: str = "/sys",
    nvml: Any = None,
    pci_only: bool = False,
) -> NodeFacts:
    """The node's GPU facts: PCI probe, then nvidia-smi (NVML fills gaps and NVLink).

    `nvidia_smi` is the path of the binary or None when absent; `nvml` the imported pynvml
    module or None. Problems are collected in `errors`, never raised: facts describe the
    node as it is, and the acceptance gate judges them.
    """
    facts: NodeFacts = {
        "source": "none",
        "count": 0,
        "driver_version": None,
        "cuda_version": None,
        "gpus": [],
        "pci": pci_devices(sysfs_root),
        "nvidia_smi": nvidia_smi,
        "errors": [],
    }
    if pci_only:
        return facts
    driver: str | None = None
    cuda: str | None = None
    gpus: list[GpuFacts] = []
    if nvidia_smi:
        rc, out, err = run([nvidia_smi, "-q", "-x"])
        if rc == 0:
            try:
                driver, cuda, gpus = parse_xml(out)
                facts["source"] = "nvidia-smi"
            except ValueError as exc:
                facts["errors"].append(str(exc))
        else:
            facts["errors"].append(f"nvidia-smi -q -x exited {rc}: {(err or out).strip()[:300]}")
    nvml_view: list[GpuFacts] = []
    if nvml is not None:
        try:
            n_driver, n_cuda, nvml_view = nvml_gpus(nvml)
        except Exception as exc:  # NVML errors are many; all of them mean "no NVML"
            facts["errors"].append(f"NVML: {exc}")
        else:
            if not gpus:
                driver, cuda, gpus = n_driver, n_cuda, nvml_view
                facts["source"] = "nvml" if gpus else facts["source"]
    by_uuid = {g["uuid"] or "": g for g in nvml_view if g["uuid"]}
    merged: list[GpuFacts] = []
    for gpu in gpus:
        other = by_uuid.get(gpu["uuid"] or "")
        merged.append(fill_missing(gpu, other) if other is not None and other is not gpu else gpu)
    if nvidia_smi and merged and any(g["nvlink"] is None for g in merged):
        rc, out, _ = run([nvidia_smi, "nvlink", "--status"])
        if rc == 0:
            links = parse_nvlink_status(out)
            for gpu in merged:
                state = links.get(gpu["uuid"] or "")
                if gpu["nvlink"] is None and state is not None:
                    gpu["nvlink"] = state if state["total"] else None
    facts["gpus"] = merged
    facts["count"] = len(merged)
    facts["driver_version"] = driver
    facts["cuda_version"] = cuda
    return facts
