"""The acceptance gate's decisions (pass, and each fail reason) and the gpu-check record,
on the real H200 readings (nvidia-smi XML, torch micro-benchmark) and variants of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aidc.gpu import bench, check, gate
from aidc.gpu.bench import BenchResult, GpuBench
from aidc.gpu.gate import Expectations, evaluate, expectations_for
from aidc.gpu.nvidia_smi import NodeFacts, gather
from tests.gpu import fixtures
from tests.gpu.fixtures import edit, h200_microbench, h200_xml, set_text

H200_BENCH_TEXT = (
    "2.11.0+cu130 NVIDIA H200\nbf16 TFLOPs 765.1\nd2d GB/s (r+w) 4270.3\nh2d GB/s 55.0"
)


def facts_of(xml: str, pci_gpus: int = 0) -> NodeFacts:
    def run(argv: list[str]) -> tuple[int, str, str]:
        return (0, xml, "") if "-q" in argv else (3, "", "")

    facts = gather(run, "nvidia-smi", "/nonexistent")
    facts["pci"]["gpus"] = [f"0000:{0x18 + i:02x}:00.0" for i in range(pci_gpus)]
    return facts


def h200_facts(change: Callable[[Any], None] | None = None) -> NodeFacts:
    xml = h200_xml()
    return facts_of(edit(xml, change) if change else xml, pci_gpus=1)


def h200_bench() -> BenchResult:
    return bench.parse(h200_microbench())


def verdict(facts: NodeFacts, result: BenchResult | None = None, **expect: Any) -> gate.Verdict:
    return evaluate(facts, expectations_for(facts, **expect), result)


def statuses(v: gate.Verdict) -> dict[str, str]:
    return {c.name: c.status for c in v.checks}


def failed(v: gate.Verdict) -> dict[str, str]:
    return {c.name: c.detail for c in v.checks if c.status == "fail"}


# --- the healthy node -------------------------------------------------------------------


def test_the_fixture_micro_benchmark_reads() -> None:
    result = h200_bench()
    assert result.torch_version == "2.11.0+cu130"
    (gpu,) = result.gpus
    assert (gpu.name, gpu.bf16_tflops, gpu.d2d_gbps, gpu.h2d_gbps) == (
        "NVIDIA H200",
        765.1,
        4270.3,
        55.0,
    )
    assert (gpu.fp16_tflops, gpu.tf32_tflops) == (735.0, 399.1)


def test_healthy_h200_passes() -> None:
    v = verdict(h200_facts(), h200_bench(), expected_count=1)
    assert v.result == "pass", v.result
    assert statuses(v) == {
        "gpu_count": "pass",
        "driver_version": "pass",
        "persistence": "pass",
        "ecc_uncorrectable": "pass",
        "row_remap": "pass",
        "retired_pages": "skipped",  # Hopper remaps rows instead
        "pcie_link": "pass",
        "mig_mode": "pass",
        "fabric": "skipped",  # one GPU in a VM: no NVSwitch
        "nvlink": "skipped",
        "bf16_matmul": "pass",
        "hbm_bandwidth": "pass",
    }


def test_expectations_come_from_the_catalog() -> None:
    expect = expectations_for(h200_facts())
    assert (expect.sku, expect.min_driver) == ("h200-sxm", "550.54.14")
    assert (expect.bf16_spec_tflops, expect.hbm_spec_tbps, expect.nvlink) == (989.0, 4.8, True)
    assert (expect.bf16_floor_pct, expect.hbm_floor_pct) == (75.0, 85.0)


def test_performance_figures_against_spec() -> None:
    v = verdict(h200_facts(), h200_bench())
    rows = {m.measure: m for m in v.measurements}
    bf16 = rows["bf16 matmul 8192^3"]
    assert (bf16.value, bf16.spec, bf16.percent, bf16.status) == (765.1, 989.0, 77.4, "pass")
    d2d = rows["device copy (r+w)"]
    assert (d2d.value, d2d.spec, d2d.percent, d2d.status) == (4270.3, 4800.0, 89.0, "pass")
    h2d = rows["host-to-device (pinned)"]
    assert (h2d.value, h2d.spec, h2d.percent, h2d.status) == (55.0, 63.0, 87.3, "info")


def test_pcie_bandwidth() -> None:
    assert gate.pcie_gbps(5, 16) == pytest.approx(63.0, abs=0.05)
    assert gate.pcie_gbps(4, 16) == pytest.approx(31.5, abs=0.05)
    assert gate.pcie_gbps(2, 8) == pytest.approx(4.0)
    assert gate.pcie_gbps(None, 16) is None


# --- each reason to fail ----------------------------------------------------------------


def test_uncorrectable_ecc_fails() -> None:
    v = verdict(
        h200_facts(lambda r: set_text(r, "ecc_errors/volatile/dram_uncorrectable", "2")),
        expected_count=1,
    )
    assert v.result == (
        "fail: ecc_uncorrectable: GPU 0 (00000000:00:06.0) 2 uncorrectable ECC errors "
        "since the last reset"
    )


def test_lifetime_sram_uncorrectable_fails_but_remapped_dram_does_not() -> None:
    v = verdict(
        h200_facts(lambda r: set_text(r, "ecc_errors/aggregate/sram_uncorrectable_secded", "1"))
    )
    assert "uncorrectable SRAM ECC errors (lifetime)" in failed(v)["ecc_uncorrectable"]
    v = verdict(h200_facts(lambda r: set_text(r, "ecc_errors/aggregate/dram_uncorrectable", "1")))
    assert v.result == "pass"  # a DRAM error the row remapper has dealt with


def test_pending_row_remap_fails() -> None:
    v = verdict(h200_facts(lambda r: set_text(r, "remapped_rows/remapped_row_pending", "Yes")))
    assert failed(v) == {
        "row_remap": "GPU 0 (00000000:00:06.0) a row remap is pending (reset the GPU)"
    }


def test_row_remap_failure_fails() -> None:
    v = verdict(h200_facts(lambda r: set_text(r, "remapped_rows/remapped_row_failure", "Yes")))
    assert "row remapping failed" in failed(v)["row_remap"]


def test_pending_retired_pages_fail() -> None:
    v = verdict(h200_facts(lambda r: set_text(r, "retired_pages/pending_retirement", "Yes")))
    assert "retired pages are pending" in failed(v)["retired_pages"]


def test_pcie_generation_below_max_fails_under_load() -> None:
    path = "pci/pci_gpu_link_info/pcie_gen/current_link_gen"
    v = verdict(h200_facts(lambda r: set_text(r, path, "4")))
    assert failed(v) == {"pcie_link": "GPU 0 (00000000:00:06.0) PCIe Gen4 below Gen5 at P0"}


def test_pcie_width_below_max_fails() -> None:
    path = "pci/pci_gpu_link_info/link_widths/current_link_width"
    v = verdict(h200_facts(lambda r: set_text(r, path, "8x")))
    assert failed(v) == {"pcie_link": "GPU 0 (00000000:00:06.0) PCIe width x8 below x16"}


def test_an_idle_gpu_may_slow_its_link() -> None:
    def idle(root: Any) -> None:
        set_text(root, "pci/pci_gpu_link_info/pcie_gen/current_link_gen", "1")
        set_text(root, "performance_state", "P8")

    assert verdict(h200_facts(idle)).result == "pass"


def test_persistence_off_fails() -> None:
    v = verdict(h200_facts(lambda r: set_text(r, "persistence_mode", "Disabled")))
    assert failed(v) == {"persistence": "GPU 0 (00000000:00:06.0) persistence mode is off"}


def test_driver_below_the_catalog_minimum_fails() -> None:
    v = verdict(h200_facts(lambda r: set_text_root(r, "driver_version", "535.261.03")))
    assert failed(v) == {"driver_version": "535.261.03 is below the catalog minimum 550.54.14"}


def set_text_root(root: Any, path: str, value: str) -> None:
    node = root.find(path)
    node.text = value


def test_gpu_count_other_than_expected_fails() -> None:
    v = verdict(h200_facts(), expected_count=8)
    assert failed(v) == {"gpu_count": "1 GPU, expected 8; 1 on the PCI bus"}
    eight = facts_of(fixtures.gpus(h200_xml(), 8), pci_gpus=8)
    assert verdict(eight, expected_count=8).result == "pass"


def test_a_gpu_lost_by_the_driver_fails_without_an_expected_count() -> None:
    facts = facts_of(fixtures.gpus(h200_xml(), 7), pci_gpus=8)
    v = verdict(facts)
    assert failed(v) == {"gpu_count": "the driver sees 7 of the 8 GPUs on the PCI bus"}


def test_mig_other_than_expected_fails() -> None:
    v = verdict(h200_facts(fixtures.mig_on))
    assert failed(v) == {"mig_mode": "GPU 0 (00000000:00:06.0) MIG enabled, expected disabled"}
    assert verdict(h200_facts(fixtures.mig_on), expected_mig=True).result == "pass"
    assert (
        "MIG disabled, expected enabled"
        in failed(verdict(h200_facts(), expected_mig=True))["mig_mode"]
    )
    assert statuses(verdict(h200_facts(fixtures.mig_on), expected_mig=None))["mig_mode"] == (
        "skipped"
    )


def test_every_failing_gpu_of_eight_is_named() -> None:
    xml = fixtures.gpus(h200_xml(), 8)
    xml = edit(xml, lambda r: set_text(r, "persistence_mode", "Disabled", gpu=3))
    xml = edit(xml, lambda r: set_text(r, "persistence_mode", "Disabled", gpu=6))
    detail = failed(verdict(facts_of(xml, 8), expected_count=8))["persistence"]
    assert detail.startswith("GPU 3 (00000000:78:00.0) persistence mode is off, GPU 6")


def test_nvswitch_fabric_not_ready_fails() -> None:
    def fabric(root: Any) -> None:
        set_text(root, "fabric/state", "In Progress")
        set_text(root, "fabric/status", "N/A")

    assert "NVLink fabric In Progress" in failed(verdict(h200_facts(fabric)))["fabric"]

    def ready(root: Any) -> None:
        set_text(root, "fabric/state", "Completed")
        set_text(root, "fabric/status", "Success")

    assert statuses(verdict(h200_facts(ready)))["fabric"] == "pass"


def test_nvlinks_down_fail_on_an_nvlink_sku() -> None:
    facts = h200_facts()
    links = [{"link": i, "active": i not in (4, 9), "speed_gbps": None} for i in range(18)]
    facts["gpus"][0]["nvlink"] = {"total": 18, "active": 16, "links": links}
    assert failed(verdict(facts))["nvlink"] == (
        "GPU 0 (00000000:00:06.0) 2 of 18 NVLinks down (4, 9)"
    )
    assert statuses(verdict(facts, sku="h100-pcie"))["nvlink"] == "skipped"


def test_bf16_below_its_floor_fails() -> None:
    slow = BenchResult(gpus=(GpuBench(0, "NVIDIA H200", 700.1, 4270.3, 55.0),))
    assert failed(verdict(h200_facts(), slow)) == {
        "bf16_matmul": "GPU 0 700.1 TFLOP/s = 70.8% of 989 (floor 75%)"
    }
    # The fixture's 77.4% fails a stricter floor.
    assert "bf16_matmul" in failed(verdict(h200_facts(), h200_bench(), bf16_floor_pct=80))


def test_hbm_below_its_floor_fails() -> None:
    slow = BenchResult(gpus=(GpuBench(0, "NVIDIA H200", 765.1, 4000.0, 55.0),))
    assert failed(verdict(h200_facts(), slow)) == {
        "hbm_bandwidth": "GPU 0 4000 GB/s = 83.3% of 4800 (floor 85%)"
    }


def test_host_to_device_is_judged_only_with_a_floor() -> None:
    v = verdict(h200_facts(), h200_bench(), h2d_floor_pct=90)
    assert failed(v) == {"h2d_bandwidth": "GPU 0 55 GB/s = 87.3% of 63 (floor 90%)"}


def test_a_benchmark_that_could_not_run() -> None:
    broken = bench.failed("torch not importable by python3")
    assert statuses(verdict(h200_facts(), broken))["bf16_matmul"] == "skipped"
    v = verdict(h200_facts(), broken, bench_required=True)
    assert failed(v)["bf16_matmul"] == "benchmark did not run: torch not importable by python3"


def test_unmeasured_gpus_fail_a_required_benchmark() -> None:
    eight = facts_of(fixtures.gpus(h200_xml(), 8), pci_gpus=8)
    v = verdict(eight, h200_bench(), expected_count=8, bench_required=True)
    assert failed(v) == {"benchmark": "GPUs [1, 2, 3, 4, 5, 6, 7] were not measured"}


def test_a_gpu_missing_from_the_catalog_is_judged_on_health_alone() -> None:
    facts = h200_facts(lambda r: set_text(r, "product_name", "NVIDIA H200 NVL"))
    v = verdict(facts, h200_bench())
    assert v.result == "pass"
    assert statuses(v)["bf16_matmul"] == "skipped"
    assert statuses(v)["driver_version"] == "pass"  # Hopper's minimum still applies


def test_no_gpu_readable_fails_with_the_reason() -> None:
    facts = gather(lambda argv: (3, "", ""), None, "/nonexistent")
    v = evaluate(facts, Expectations())
    assert v.result == "fail: gpus_readable: nvidia-smi not found (is the driver installed?)"


def test_several_reasons_are_all_in_the_result() -> None:
    def broken(root: Any) -> None:
        set_text(root, "persistence_mode", "Disabled")
        set_text(root, "remapped_rows/remapped_row_pending", "Yes")

    result = verdict(h200_facts(broken)).result
    assert result.startswith("fail: persistence: ") and "; row_remap: " in result


def test_skipped_wording() -> None:
    assert gate.skipped("no NVIDIA GPU on the PCI bus") == "skipped: no NVIDIA GPU on the PCI bus"


def test_older_driver_readings_are_judged_without_crashing() -> None:
    facts = facts_of(edit(h200_xml(), fixtures.older_driver), pci_gpus=1)
    v = verdict(facts, sku="a100-80gb")
    assert v.result == "pass", v.result
    assert statuses(v)["row_remap"] == "skipped"  # no row remapper section
    assert statuses(v)["driver_version"] == "pass"  # 470.256.02 >= Ampere's 450.80.02
    old_h200 = verdict(facts, sku="h200-sxm")
    assert failed(old_h200) == {
        "driver_version": "470.256.02 is below the catalog minimum 550.54.14"
    }


def test_verdict_serialises() -> None:
    data = verdict(h200_facts(), h200_bench()).to_dict()
    assert data["result"] == "pass" and data["passed"] is True
    assert data["summary"]["bf16_matmul"] == "pass"
    assert json.loads(json.dumps(data)) == data


# --- micro-benchmark output -------------------------------------------------------------


def test_benchmark_json_round_trip() -> None:
    result = h200_bench()
    assert bench.parse(json.dumps({"torch": "2.11.0+cu130", **result.to_dict()})).gpus == (
        result.gpus
    )
    assert bench.parse('{"error": "torch not importable"}').error == "torch not importable"


def test_benchmark_text_with_gpu_indexes() -> None:
    text = (
        "GPU 0 2.11.0 NVIDIA H200\nbf16 TFLOPs 765.1\nGPU 1 2.11.0 NVIDIA H200\nbf16 TFLOPs 760\n"
    )
    result = bench.parse(text)
    assert [(g.index, g.bf16_tflops) for g in result.gpus] == [(0, 765.1), (1, 760.0)]


@pytest.mark.parametrize("text", ["bf16 TFLOPs 765.1", "", "{}x"])
def test_unreadable_benchmark_output(text: str) -> None:
    with pytest.raises(ValueError):
        bench.parse(text)


def test_microbench_without_torch_says_so() -> None:
    """The real script, run by a Python without torch (this virtualenv)."""
    result = check.run_bench(sys.executable, "all")
    assert result.error and "torch not importable" in result.error and not result.gpus


# --- gpu-check ---------------------------------------------------------------------------


def _check(tmp_path: Path, xml: str, *args: str) -> int:
    xml_file = tmp_path / "q.xml"
    xml_file.write_text(xml)
    bench_file = tmp_path / "bench.txt"
    bench_file.write_text(h200_microbench())
    argv = ["--smi-xml", str(xml_file), "--bench-result", str(bench_file)]
    argv += ["--sysfs", str(tmp_path / "sys"), *args]
    return check.main(argv)


def test_gpu_check_record_of_a_healthy_h200(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "record.json"
    code = check.main(
        [
            "--smi-xml",
            str(fixtures.h200_file("nvidia-smi-q.xml")),
            "--bench-result",
            str(fixtures.h200_file("torch-microbench.txt")),
            "--sysfs",
            str(tmp_path),
            "--expect-gpus",
            "1",
            "--json",
            str(record),
        ]
    )
    out = capsys.readouterr().out
    assert code == check.EXIT_PASS, out
    assert "1x NVIDIA H200 (h200-sxm), driver 580.159.04, CUDA 13.0, torch 2.11.0+cu130" in out
    assert "765.1 TFLOP/s" in out and "77.4%" in out and "4270.3 GB/s" in out and "89.0%" in out
    assert "result: pass" in out and "wall time:" in out
    data = json.loads(record.read_text())
    assert data["result"] == "pass" and data["sku"] == "h200-sxm" and data["gpus"] == 1
    assert data["summary"]["hbm_bandwidth"] == "pass"
    percents = {m["measure"]: m["percent"] for m in data["measurements"]}
    assert percents["bf16 matmul 8192^3"] == 77.4


def test_gpu_check_fails_a_sick_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = edit(h200_xml(), lambda r: set_text(r, "remapped_rows/remapped_row_pending", "Yes"))
    code = _check(tmp_path, xml)
    out = capsys.readouterr().out
    assert code == check.EXIT_FAIL
    assert "result: fail: row_remap: GPU 0 (00000000:00:06.0) a row remap is pending" in out


def test_gpu_check_without_a_gpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check, "find_nvidia_smi", lambda explicit=None: None)
    assert check.main(["--sysfs", str(tmp_path)]) == check.EXIT_NO_GPU
    err = capsys.readouterr().err
    assert err.startswith("gpu-check: no NVIDIA GPU: none on the PCI bus")


def test_gpu_check_with_a_gpu_but_no_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    device = tmp_path / "bus" / "pci" / "devices" / "0000:18:00.0"
    device.mkdir(parents=True)
    (device / "vendor").write_text("0x10de\n")
    (device / "class").write_text("0x030200\n")
    monkeypatch.setattr(check, "find_nvidia_smi", lambda explicit=None: None)
    assert check.main(["--sysfs", str(tmp_path)]) == check.EXIT_FAIL
    assert "the NVIDIA driver is not installed" in capsys.readouterr().err


def test_gpu_check_script_on_this_machine_without_a_gpu() -> None:
    """scripts/gpu-check.sh with plain python3 (no virtualenv): a clear message, exit 2."""
    if shutil.which("nvidia-smi") or Path("/usr/local/nvidia/bin/nvidia-smi").exists():
        pytest.skip("this machine has nvidia-smi")
    script = Path(__file__).resolve().parents[2] / "scripts" / "gpu-check.sh"
    done = subprocess.run(
        [str(script), "--sysfs", "/nonexistent"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "GPU_CHECK_PYTHON": sys.executable},
    )
    assert done.returncode == 2, done.stderr
    assert "no NVIDIA GPU" in done.stderr


def test_gpu_check_needs_neither_pyyaml_nor_pydantic(tmp_path: Path) -> None:
    """A bare GPU machine has Python, torch and nvidia-smi: judge the fixture there."""
    repo = Path(__file__).resolve().parents[2]
    program = (
        "import sys; sys.modules['yaml'] = None; sys.modules['pydantic'] = None; "
        f"sys.path.insert(0, {str(repo / 'src')!r}); "
        "from aidc.gpu.check import main; sys.exit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            program,
            "--smi-xml",
            str(fixtures.h200_file("nvidia-smi-q.xml")),
            "--bench-result",
            str(fixtures.h200_file("torch-microbench.txt")),
            "--sysfs",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "result: pass" in done.stdout and "77.4%" in done.stdout
