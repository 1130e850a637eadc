"""nvidia-smi / NVML / sysfs parsing (aidc.gpu.nvidia_smi, shipped as the module_utils of the
aidc.cluster.nvidia_gpu_facts module) on the real H200 readings and variants derived from them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from aidc.gpu import nvidia_smi
from aidc.gpu.nvidia_smi import gather, parse_nvlink_status, parse_xml, pci_devices
from tests.ansible_cli import collections_path
from tests.gpu import fixtures
from tests.gpu.fixtures import edit, h200_xml, remove, set_text


def _one(xml: str) -> nvidia_smi.GpuFacts:
    _, _, gpus = parse_xml(xml)
    assert len(gpus) == 1
    return gpus[0]


def test_real_h200_readings() -> None:
    driver, cuda, gpus = parse_xml(h200_xml())
    assert (driver, cuda, len(gpus)) == ("580.159.04", "13.0", 1)
    gpu = gpus[0]
    assert gpu["name"] == "NVIDIA H200" and gpu["architecture"] == "Hopper"
    assert gpu["uuid"] == "GPU-fa52cff0-7b81-c90e-46b3-a6c3cc178b38"
    assert gpu["serial"] == "1654024032763"
    assert gpu["pci_bus_id"] == "00000000:00:06.0"
    assert (gpu["driver_version"], gpu["cuda_version"]) == ("580.159.04", "13.0")
    assert (gpu["memory_total_mib"], gpu["memory_used_mib"]) == (143771, 0)
    assert gpu["ecc_mode_current"] is True and gpu["ecc_mode_pending"] is True
    for scope in ("volatile", "aggregate"):
        counts = gpu["ecc_errors"][scope]
        assert counts["correctable"] == 0 and counts["uncorrectable"] == 0
    assert gpu["remapped_rows"] == {
        "correctable": 0,
        "uncorrectable": 0,
        "pending": False,
        "failure": False,
    }
    # Hopper replaced page retirement by row remapping: N/A there.
    assert gpu["retired_pages"] == {"single_bit": None, "double_bit": None, "pending": None}
    assert gpu["persistence_mode"] is True
    assert (gpu["mig_mode_current"], gpu["mig_mode_pending"], gpu["mig_devices"]) == (
        False,
        False,
        0,
    )
    assert gpu["pcie"] == {"gen_current": 5, "gen_max": 5, "width_current": 16, "width_max": 16}
    assert (gpu["power_limit_w"], gpu["power_draw_w"]) == (700.0, 83.29)
    assert gpu["clocks"] == {
        "graphics_mhz": 345,
        "sm_mhz": 345,
        "memory_mhz": 3201,
        "sm_max_mhz": 1980,
        "memory_max_mhz": 3201,
    }
    assert (gpu["temperature_c"], gpu["memory_temperature_c"]) == (45, 46)
    assert gpu["performance_state"] == "P0"
    # A single GPU in a VM: no NVSwitch fabric, no NVLink peers.
    assert gpu["fabric"] == {"state": None, "status": None}
    assert gpu["nvlink"] is None


def test_eight_gpus() -> None:
    driver, _, gpus = parse_xml(fixtures.gpus(h200_xml(), 8))
    assert driver == "580.159.04" and len(gpus) == 8
    assert [g["index"] for g in gpus] == list(range(8))
    assert len({g["uuid"] for g in gpus}) == len({g["pci_bus_id"] for g in gpus}) == 8
    assert gpus[7]["pci_bus_id"] == "00000000:F8:00.0"


def test_mig_on() -> None:
    gpu = _one(edit(h200_xml(), fixtures.mig_on))
    assert (gpu["mig_mode_current"], gpu["mig_mode_pending"], gpu["mig_devices"]) == (
        True,
        True,
        2,
    )


def test_mig_change_pending() -> None:
    xml = edit(h200_xml(), lambda r: set_text(r, "mig_mode/pending_mig", "Enabled"))
    gpu = _one(xml)
    assert (gpu["mig_mode_current"], gpu["mig_mode_pending"]) == (False, True)


def test_remap_pending_and_failure() -> None:
    def change(root: Any) -> None:
        set_text(root, "remapped_rows/remapped_row_unc", "1")
        set_text(root, "remapped_rows/remapped_row_pending", "Yes")
        set_text(root, "remapped_rows/remapped_row_failure", "Yes")

    rows = _one(edit(h200_xml(), change))["remapped_rows"]
    assert rows == {"correctable": 0, "uncorrectable": 1, "pending": True, "failure": True}


def test_uncorrectable_ecc() -> None:
    def change(root: Any) -> None:
        set_text(root, "ecc_errors/volatile/dram_uncorrectable", "2")
        set_text(root, "ecc_errors/aggregate/dram_uncorrectable", "2")
        set_text(root, "ecc_errors/aggregate/sram_uncorrectable_secded", "1")
        set_text(root, "ecc_errors/volatile/sram_correctable", "7")

    errors = _one(edit(h200_xml(), change))["ecc_errors"]
    assert errors["volatile"]["uncorrectable"] == 2
    assert errors["volatile"]["correctable"] == 7
    assert (errors["aggregate"]["uncorrectable"], errors["aggregate"]["sram_uncorrectable"]) == (
        3,
        1,
    )


def test_r535_ecc_layout_with_one_sram_uncorrectable_counter() -> None:
    def change(root: Any) -> None:
        for scope in ("volatile", "aggregate"):
            remove(root, f"ecc_errors/{scope}/sram_uncorrectable_parity")
            node = root.find(f"gpu/ecc_errors/{scope}/sram_uncorrectable_secded")
            node.tag = "sram_uncorrectable"
            node.text = "4"

    errors = _one(edit(h200_xml(), change))["ecc_errors"]
    assert errors["volatile"]["sram_uncorrectable"] == 4
    assert errors["volatile"]["uncorrectable"] == 4


def test_link_degraded() -> None:
    def change(root: Any) -> None:
        set_text(root, "pci/pci_gpu_link_info/pcie_gen/current_link_gen", "3")
        set_text(root, "pci/pci_gpu_link_info/link_widths/current_link_width", "8x")

    pcie = _one(edit(h200_xml(), change))["pcie"]
    assert pcie == {"gen_current": 3, "gen_max": 5, "width_current": 8, "width_max": 16}


def test_fields_missing_on_older_drivers() -> None:
    driver, cuda, gpus = parse_xml(edit(h200_xml(), fixtures.older_driver))
    gpu = gpus[0]
    assert (driver, cuda) == ("470.256.02", "11.4")
    assert gpu["architecture"] is None
    assert gpu["remapped_rows"] is None
    assert gpu["fabric"] == {"state": None, "status": None}
    assert (gpu["power_limit_w"], gpu["power_draw_w"]) == (400.0, 61.52)
    volatile = gpu["ecc_errors"]["volatile"]
    assert (volatile["correctable"], volatile["uncorrectable"]) == (3, 0)
    assert (volatile["dram_correctable"], volatile["sram_correctable"]) == (3, None)


def test_every_optional_section_missing_still_parses() -> None:
    def strip(root: Any) -> None:
        for path in (
            "ecc_errors",
            "ecc_mode",
            "retired_pages",
            "remapped_rows",
            "pci",
            "gpu_power_readings",
            "clocks",
            "max_clocks",
            "temperature",
            "mig_mode",
            "mig_devices",
            "persistence_mode",
            "fb_memory_usage",
        ):
            remove(root, path)

    gpu = _one(edit(h200_xml(), strip))
    assert gpu["pci_bus_id"] == "00000000:00:06.0"  # from the <gpu id=...> attribute
    assert gpu["ecc_errors"]["volatile"]["uncorrectable"] is None
    assert gpu["pcie"]["gen_max"] is None and gpu["persistence_mode"] is None
    assert gpu["retired_pages"]["pending"] is None and gpu["mig_devices"] == 0


def test_not_nvidia_smi_xml_is_refused() -> None:
    with pytest.raises(ValueError, match="not XML"):
        parse_xml("NVIDIA-SMI has failed because it couldn't communicate with the driver")
    with pytest.raises(ValueError, match="root <html>"):
        parse_xml("<html/>")


def test_scalar_readings() -> None:
    assert nvidia_smi.to_int("143771 MiB") == 143771
    assert nvidia_smi.to_int("16x") == 16
    assert nvidia_smi.to_float("700.00 W") == 700.0
    assert nvidia_smi.to_int("N/A") is None and nvidia_smi.to_int(None) is None
    assert nvidia_smi.to_bool("Enabled") and nvidia_smi.to_bool("Yes")
    assert nvidia_smi.to_bool("Disabled") is False and nvidia_smi.to_bool("maybe") is None
    assert nvidia_smi.version_tuple("580.159.04") == (580, 159, 4)


NVLINK_STATUS = """\
GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)
\t Link 0: 26.562 GB/s
\t Link 1: <inactive>
\t Link 2: 26.562 GB/s
GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-bbbb)
\t Link 0: 26.562 GB/s
GPU 2: NVIDIA H200 (UUID: GPU-cccc)
"""


def test_nvlink_status() -> None:
    links = parse_nvlink_status(NVLINK_STATUS)
    assert (links["GPU-aaaa"]["total"], links["GPU-aaaa"]["active"]) == (3, 2)
    assert links["GPU-aaaa"]["links"][1] == {"link": 1, "active": False, "speed_gbps": None}
    assert links["GPU-aaaa"]["links"][0]["speed_gbps"] == 26.562
    assert links["GPU-bbbb"]["active"] == 1
    assert links["GPU-cccc"]["total"] == 0
    assert parse_nvlink_status("") == {}


class FakeNvml:
    """pynvml's surface the parser calls, answering like the H200 of the fixture."""

    NVML_NVLINK_MAX_LINKS = 4

    class NVMLError(Exception):
        pass

    def __init__(self, nvlink_up: tuple[bool, ...] = (), count: int = 1) -> None:
        self.nvlink_up = nvlink_up
        self.count = count
        self.shut = False

    def nvmlInit(self) -> None:
        pass

    def nvmlShutdown(self) -> None:
        self.shut = True

    def nvmlSystemGetDriverVersion(self) -> str:
        return "580.159.04"

    def nvmlSystemGetCudaDriverVersion(self) -> int:
        return 13000

    def nvmlDeviceGetCount(self) -> int:
        return self.count

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetName(self, h: int) -> bytes:
        return b"NVIDIA H200"

    def nvmlDeviceGetUUID(self, h: int) -> str:
        return "GPU-fa52cff0-7b81-c90e-46b3-a6c3cc178b38"

    def nvmlDeviceGetSerial(self, h: int) -> str:
        return "1654024032763"

    def nvmlDeviceGetPciInfo(self, h: int) -> Any:
        return SimpleNamespace(busId=b"00000000:00:06.0")

    def nvmlDeviceGetVbiosVersion(self, h: int) -> str:
        return "96.00.A5.00.1A"

    def nvmlDeviceGetMemoryInfo(self, h: int) -> Any:
        return SimpleNamespace(total=150754820096, used=0)

    def nvmlDeviceGetEccMode(self, h: int) -> list[int]:
        return [1, 1]

    def nvmlDeviceGetMigMode(self, h: int) -> list[int]:
        raise self.NVMLError("Not Supported")

    def nvmlDeviceGetTotalEccErrors(self, h: int, kind: int, counter: int) -> int:
        return 0

    def nvmlDeviceGetRemappedRows(self, h: int) -> tuple[int, int, int, int]:
        return (0, 0, 0, 0)

    def nvmlDeviceGetRetiredPagesPendingStatus(self, h: int) -> int:
        raise self.NVMLError("Not Supported")

    def nvmlDeviceGetPowerManagementLimit(self, h: int) -> int:
        return 700000

    def nvmlDeviceGetPowerUsage(self, h: int) -> int:
        return 83290

    def nvmlDeviceGetPerformanceState(self, h: int) -> int:
        return 0

    def nvmlDeviceGetPersistenceMode(self, h: int) -> int:
        return 1

    def nvmlDeviceGetCurrPcieLinkGeneration(self, h: int) -> int:
        return 5

    def nvmlDeviceGetMaxPcieLinkGeneration(self, h: int) -> int:
        return 5

    def nvmlDeviceGetCurrPcieLinkWidth(self, h: int) -> int:
        return 16

    def nvmlDeviceGetMaxPcieLinkWidth(self, h: int) -> int:
        return 16

    def nvmlDeviceGetClockInfo(self, h: int, kind: int) -> int:
        return 345

    def nvmlDeviceGetMaxClockInfo(self, h: int, kind: int) -> int:
        return 1980

    def nvmlDeviceGetTemperature(self, h: int, sensor: int) -> int:
        return 46

    def nvmlDeviceGetNvLinkState(self, h: int, link: int) -> int:
        if link >= len(self.nvlink_up):
            raise self.NVMLError("Not Supported")
        return int(self.nvlink_up[link])


def test_nvml_readings_match_the_probe() -> None:
    nvml = FakeNvml()
    driver, cuda, gpus = nvidia_smi.nvml_gpus(nvml)
    assert (driver, cuda) == ("580.159.04", "13.0") and nvml.shut
    gpu = gpus[0]
    assert gpu["name"] == "NVIDIA H200" and gpu["pci_bus_id"] == "00000000:00:06.0"
    assert gpu["memory_total_mib"] == 143771
    assert gpu["ecc_mode_current"] is True and gpu["mig_mode_current"] is None
    assert gpu["pcie"] == {"gen_current": 5, "gen_max": 5, "width_current": 16, "width_max": 16}
    assert gpu["power_limit_w"] == 700.0 and gpu["performance_state"] == "P0"
    assert gpu["remapped_rows"] == {
        "correctable": 0,
        "uncorrectable": 0,
        "pending": False,
        "failure": False,
    }
    assert gpu["retired_pages"]["pending"] is None and gpu["nvlink"] is None


def test_nvml_nvlink_states() -> None:
    _, _, gpus = nvidia_smi.nvml_gpus(FakeNvml(nvlink_up=(True, False, True)))
    assert gpus[0]["nvlink"] is not None
    assert (gpus[0]["nvlink"]["total"], gpus[0]["nvlink"]["active"]) == (3, 2)


def _sysfs(tmp_path: Path, devices: dict[str, tuple[str, str]]) -> str:
    for name, (vendor, pci_class) in devices.items():
        device = tmp_path / "bus" / "pci" / "devices" / name
        device.mkdir(parents=True)
        (device / "vendor").write_text(vendor + "\n")
        (device / "class").write_text(pci_class + "\n")
    return str(tmp_path)


def test_pci_probe(tmp_path: Path) -> None:
    root = _sysfs(
        tmp_path,
        {
            "0000:18:00.0": ("0x10de", "0x030200"),  # H100/H200: 3D controller
            "0000:19:00.0": ("0x10de", "0x030000"),  # VGA-class NVIDIA GPU
            "0000:05:00.0": ("0x10de", "0x068000"),  # NVSwitch
            "0000:18:00.1": ("0x10de", "0x040300"),  # NVIDIA HD audio: not a GPU
            "0000:00:02.0": ("0x8086", "0x030000"),  # Intel graphics
        },
    )
    assert pci_devices(root) == {
        "gpus": ["0000:18:00.0", "0000:19:00.0"],
        "nvswitches": ["0000:05:00.0"],
    }
    assert pci_devices(str(tmp_path / "nowhere")) == {"gpus": [], "nvswitches": []}


def _runner(xml: str, nvlink: str | None = None, rc: int = 0) -> Any:
    calls: list[list[str]] = []

    def run(argv: list[str]) -> tuple[int, str, str]:
        calls.append(argv)
        if "-q" in argv:
            return rc, xml if rc == 0 else "", "" if rc == 0 else "driver/library mismatch"
        return (0, nvlink, "") if nvlink is not None else (3, "", "no nvlink")

    run.calls = calls  # type: ignore[attr-defined]
    return run


def test_gather_from_nvidia_smi(tmp_path: Path) -> None:
    root = _sysfs(tmp_path, {"0000:00:06.0": ("0x10de", "0x030200")})
    facts = gather(_runner(h200_xml()), "/usr/bin/nvidia-smi", root)
    assert (facts["source"], facts["count"], facts["errors"]) == ("nvidia-smi", 1, [])
    assert facts["pci"]["gpus"] == ["0000:00:06.0"]
    assert facts["driver_version"] == "580.159.04" and facts["nvidia_smi"] == "/usr/bin/nvidia-smi"
    json.dumps(facts)  # facts must travel as JSON


def test_gather_without_gpu_or_driver(tmp_path: Path) -> None:
    facts = gather(_runner(""), None, str(tmp_path))
    assert (facts["source"], facts["count"], facts["gpus"]) == ("none", 0, [])
    assert facts["pci"] == {"gpus": [], "nvswitches": []}


def test_gather_pci_only_runs_nothing(tmp_path: Path) -> None:
    run = _runner(h200_xml())
    facts = gather(run, "/usr/bin/nvidia-smi", str(tmp_path), pci_only=True)
    assert facts["count"] == 0 and run.calls == []


def test_gather_reports_a_failing_nvidia_smi(tmp_path: Path) -> None:
    facts = gather(_runner("", rc=9), "/usr/bin/nvidia-smi", str(tmp_path))
    assert facts["count"] == 0
    assert facts["errors"] == ["nvidia-smi -q -x exited 9: driver/library mismatch"]


def test_gather_falls_back_to_nvml(tmp_path: Path) -> None:
    facts = gather(_runner(""), None, str(tmp_path), nvml=FakeNvml())
    assert (facts["source"], facts["count"]) == ("nvml", 1)


def test_gather_fills_gaps_and_nvlink_from_nvml(tmp_path: Path) -> None:
    xml = edit(h200_xml(), lambda r: remove(r, "temperature"))
    facts = gather(_runner(xml), "nvidia-smi", str(tmp_path), nvml=FakeNvml(nvlink_up=(True,)))
    gpu = facts["gpus"][0]
    assert facts["source"] == "nvidia-smi"
    assert gpu["temperature_c"] == 46  # from NVML
    assert gpu["power_draw_w"] == 83.29  # nvidia-smi's own reading kept
    assert gpu["nvlink"] is not None and gpu["nvlink"]["active"] == 1


def test_gather_reads_nvlink_status_without_nvml(tmp_path: Path) -> None:
    status = "GPU 0: NVIDIA H200 (UUID: GPU-fa52cff0-7b81-c90e-46b3-a6c3cc178b38)\n"
    status += "".join(f"\t Link {i}: 26.562 GB/s\n" for i in range(18))
    facts = gather(_runner(h200_xml(), status), "nvidia-smi", str(tmp_path))
    assert facts["gpus"][0]["nvlink"] == parse_nvlink_status(status)[facts["gpus"][0]["uuid"]]
    assert facts["gpus"][0]["nvlink"]["active"] == 18


def test_gather_records_an_nvml_failure(tmp_path: Path) -> None:
    class Broken(FakeNvml):
        def nvmlInit(self) -> None:
            raise self.NVMLError("Driver Not Loaded")

    facts = gather(_runner(h200_xml()), "nvidia-smi", str(tmp_path), nvml=Broken())
    assert facts["count"] == 1 and facts["errors"] == ["NVML: Driver Not Loaded"]


def test_fill_missing() -> None:
    assert nvidia_smi.fill_missing(
        {"a": None, "b": {"c": None, "d": 1}}, {"a": 2, "b": {"c": 3}}
    ) == {
        "a": 2,
        "b": {"c": 3, "d": 1},
    }


# --- one source, shipped to nodes by Ansible (tests/unit/test_collection.py checks the copy)


def _ansible_module(tmp_path: Path, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path()),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
        ANSIBLE_HOME=str(tmp_path / "home"),
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible"),
            "localhost",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            "-m",
            "aidc.cluster.nvidia_gpu_facts",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # away from the repository's ansible.cfg
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    return answer


def test_the_module_as_ansible_ships_it(tmp_path: Path) -> None:
    """The collection's module runs through Ansible's packing (its module_utils included), in
    check mode, reading a stand-in nvidia-smi that prints the real H200 XML."""
    xml = tmp_path / "q.xml"
    xml.write_text(h200_xml())
    fake = tmp_path / "nvidia-smi"
    fake.write_text(f'#!/bin/sh\n[ "$1" = -q ] && exec cat {xml}\nexit 3\n')
    fake.chmod(0o755)
    sysfs = _sysfs(tmp_path / "sys", {"0000:00:06.0": ("0x10de", "0x030200")})
    answer = _ansible_module(
        tmp_path, "-a", f"nvidia_smi={fake} sysfs_root={sysfs} use_nvml=false", "--check"
    )
    assert answer["changed"] is False
    facts = answer["ansible_facts"]["nvidia_gpus"]
    assert (facts["count"], facts["source"], facts["driver_version"]) == (
        1,
        "nvidia-smi",
        "580.159.04",
    )
    assert facts["gpus"][0]["uuid"] == "GPU-fa52cff0-7b81-c90e-46b3-a6c3cc178b38"
    assert facts["pci"]["gpus"] == ["0000:00:06.0"]
