"""The real H200 readings in tests/fixtures/gpu/h200 and variants derived from them.

Variants are made from the real `nvidia-smi -q -x` with ElementTree, never written by
hand: 8 GPUs, MIG on, a pending row remap, uncorrectable ECC errors, a degraded PCIe
link, fields an older driver does not print, and so on. The readings are part of the
repository, so a missing one is a failure, not a skip.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
H200_DIR = REPO / "tests" / "fixtures" / "gpu" / "h200"


def h200_file(name: str) -> Path:
    path = H200_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"real GPU fixture {path.relative_to(REPO)} is missing")
    return path


def h200_xml() -> str:
    return h200_file("nvidia-smi-q.xml").read_text(encoding="utf-8")


def h200_microbench() -> str:
    return h200_file("torch-microbench.txt").read_text(encoding="utf-8")


def _dump(root: ET.Element) -> str:
    return '<?xml version="1.0" ?>\n' + ET.tostring(root, encoding="unicode")


def edit(xml: str, change: Callable[[ET.Element], None]) -> str:
    """The XML after `change(root)`; the DOCTYPE line is dropped (parsers ignore it)."""
    body = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>", "", xml)
    root = ET.fromstring(body.strip())  # noqa: S314 - the real fixture, read locally
    change(root)
    return _dump(root)


def set_text(root: ET.Element, path: str, value: str, gpu: int | None = None) -> None:
    gpus = root.findall("gpu")
    for index, node in enumerate(gpus):
        if gpu is not None and index != gpu:
            continue
        found = node.find(path)
        assert found is not None, path
        found.text = value


def remove(root: ET.Element, path: str) -> None:
    for node in root.findall("gpu"):
        parent_path, _, name = path.rpartition("/")
        parent = node.find(parent_path) if parent_path else node
        assert parent is not None, path
        for child in parent.findall(name):
            parent.remove(child)


def gpus(xml: str, count: int) -> str:
    """`count` copies of the GPU, each with its own bus id, UUID, serial and minor number."""

    def change(root: ET.Element) -> None:
        original = root.find("gpu")
        assert original is not None
        root.remove(original)
        for i in range(count):
            gpu = copy.deepcopy(original)
            bus = f"00000000:{0x18 + 0x20 * i:02X}:00.0"
            gpu.set("id", bus)
            for path, value in (
                ("pci/pci_bus_id", bus),
                ("uuid", f"GPU-fa52cff0-7b81-c90e-46b3-a6c3cc1780{i:02x}"),
                ("serial", f"16540240327{i:02d}"),
                ("minor_number", str(i)),
                ("platformInfo/module_id", str(i + 1)),
            ):
                node = gpu.find(path)
                assert node is not None, path
                node.text = value
            root.append(gpu)
        attached = root.find("attached_gpus")
        assert attached is not None
        attached.text = str(count)

    return edit(xml, change)


def mig_on(root: ET.Element) -> None:
    set_text(root, "mig_mode/current_mig", "Enabled")
    set_text(root, "mig_mode/pending_mig", "Enabled")
    for gpu in root.findall("gpu"):
        devices = gpu.find("mig_devices")
        assert devices is not None
        devices.text = None
        for i in range(2):
            device = ET.SubElement(devices, "mig_device")
            ET.SubElement(device, "index").text = str(i)
            ET.SubElement(device, "gpu_instance_id").text = str(i + 1)


def older_driver(root: ET.Element) -> None:
    """What an R470-era driver prints: no architecture, no row remapper section, no fabric,
    power under <power_readings>, ECC counted by single/double bit."""
    remove(root, "product_architecture")
    remove(root, "remapped_rows")
    remove(root, "fabric")
    remove(root, "pci/pci_gpu_link_info/pcie_gen/device_current_link_gen")
    for gpu in root.findall("gpu"):
        readings = gpu.find("gpu_power_readings")
        assert readings is not None
        readings.tag = "power_readings"
        for child in list(readings):
            readings.remove(child)
        ET.SubElement(readings, "power_draw").text = "61.52 W"
        ET.SubElement(readings, "power_limit").text = "400.00 W"
        errors = gpu.find("ecc_errors")
        assert errors is not None
        for child in list(errors):
            errors.remove(child)
        for scope in ("volatile", "aggregate"):
            node = ET.SubElement(errors, scope)
            for kind, count in (("single_bit", "3"), ("double_bit", "0")):
                bits = ET.SubElement(node, kind)
                ET.SubElement(bits, "device_memory").text = count
                ET.SubElement(bits, "register_file").text = "0"
                ET.SubElement(bits, "texture_memory").text = "N/A"
                ET.SubElement(bits, "total").text = count
    driver = root.find("driver_version")
    assert driver is not None
    driver.text = "470.256.02"
    cuda = root.find("cuda_version")
    assert cuda is not None
    cuda.text = "11.4"
