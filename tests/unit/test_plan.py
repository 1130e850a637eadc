"""Plan figures checked against totals computed by hand from the catalog's data sheets."""

from __future__ import annotations

from typing import Any

import pytest

from aidc.plan import make_plan
from aidc.spec import load_spec


def test_aws_p5_plan(aws_spec: dict[str, Any]) -> None:
    cluster, _ = load_spec(aws_spec)
    plan = make_plan(cluster)
    gpu = next(p for p in plan.pools if p.name == "gpu")
    # 4 nodes x 8 H100 SXM: 32 GPUs x 989 TFLOP/s = 31.648 PFLOP/s; 32 x 80 GB = 2.56 TB.
    assert (gpu.gpus, gpu.bf16_pflops, gpu.hbm_tb) == (32, 31.648, 2.56)
    # 32 x 700 W + 4 x 2000 W overhead = 30.4 kW.
    assert gpu.power_kw == 30.4
    # 4 x 55.04 + 1 x 0.4032 + 3 x 1.373 = 224.68 $/h.
    assert plan.cost_per_hour == pytest.approx(224.68)
    # login 0.4 kW + gpu 30.4 + storage 3 x 0.6.
    assert plan.power_kw == pytest.approx(32.6)
    # 3 hosts x 1 OSD x 3750 GB = 11.25 TB raw; size 3 gives 3.75 TB usable.
    assert (plan.ceph_raw_tb, plan.ceph_usable_tb) == (11.25, 3.75)
    assert (plan.nodes, plan.gpus) == (8, 32)


def test_lab_plan(lab_spec: dict[str, Any]) -> None:
    cluster, _ = load_spec(lab_spec)
    plan = make_plan(cluster)
    # 2 nodes x 8 H200: 16 x 989 = 15.824 PFLOP/s; 16 x 141 GB = 2.256 TB; not priced.
    assert (plan.nodes, plan.gpus, plan.bf16_pflops, plan.hbm_tb) == (6, 16, 15.824, 2.256)
    assert plan.cost_per_hour is None
    # 16 x 700 W + 2 x 2000 W + login 400 W + 3 x 600 W = 17.4 kW.
    assert plan.power_kw == pytest.approx(17.4)
    assert (plan.ceph_raw_tb, plan.ceph_usable_tb) == (0.024, 0.008)
