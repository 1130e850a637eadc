"""The policy pack through Pulumi's real engine, as users run it: the example lab preview
passes `pulumi preview -s lab --policy-pack policies`; a lab config whose flow opens every port
between roles, or whose Ceph pools keep two copies, makes the preview fail naming the rule."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc.engine import REPO, EngineError, EngineResult, Stack
from tests.integration.conftest import Lab

pytestmark = pytest.mark.integration

STACKS = REPO / "stacks"


def violations(failed: EngineError | EngineResult) -> dict[str, tuple[str, str]]:
    """Each violated policy: (enforcement level, message), from the engine's policy events."""
    return {v.policy: (v.level, v.message) for v in failed.violations}


def open_between_roles(spec: dict[str, Any]) -> None:
    spec["firewall"]["flows"].append(
        {"source": "login", "destination": "gpu", "protocol": "all", "description": "everything"}
    )


def two_copies(spec: dict[str, Any]) -> None:
    spec["storage"]["ceph"]["pools"][0].update(size=2, min_size=1)


BROKEN: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (
        open_between_roles,
        "lab-firewall-default-deny",
        "[AIDC-NET-008] flow 'everything' opens every port between different roles",
    ),
    # Ceph pools are no resources: the pack judges the spec the stack's config carries.
    (
        two_copies,
        "ceph-pool-replication",
        "[AIDC-STO-005] ceph pool rbd has size 2 and min_size 1 (need size >= 3, min_size >= 2)",
    ),
]


def bad_config(tmp: Path, breaks: Callable[[dict[str, Any]], None]) -> Path:
    doc = yaml.safe_load((STACKS / "Pulumi.lab.yaml").read_text())
    breaks(doc["config"]["aidc:cluster"])
    path = tmp / "Pulumi.lab-policy.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def policy_stack(lab: Lab) -> Iterator[Stack]:
    """A throwaway stack that only ever previews; removed afterwards."""
    stack = Stack("lab-policy", env=lab.stack.env)
    stack.ensure()
    yield stack
    stack.remove(force=True, keep_config=False)


def test_the_example_lab_passes_the_pack(lab: Lab) -> None:
    result = lab.stack.preview(policy_packs=["policies"])
    assert [p.split("|")[0] for p in result.policy_packs] == ["aidc"], result.policy_packs
    assert violations(result) == {}


@pytest.mark.parametrize(("breaks", "policy", "message"), BROKEN, ids=[b[1] for b in BROKEN])
def test_a_config_breaking_a_mandatory_rule_fails_preview(
    policy_stack: Stack,
    tmp_path: Path,
    breaks: Callable[[dict[str, Any]], None],
    policy: str,
    message: str,
) -> None:
    config = bad_config(tmp_path, breaks)
    with pytest.raises(EngineError) as failed:
        policy_stack.preview(policy_packs=["policies"], config_file=config)
    level, text = violations(failed.value)[policy]
    assert level == "mandatory"
    assert message in text


def test_policy_config_sets_a_rules_enforcement(policy_stack: Stack, tmp_path: Path) -> None:
    config = bad_config(tmp_path, open_between_roles)
    levels = tmp_path / "policy-config.json"
    levels.write_text('{"lab-firewall-default-deny": "advisory"}')
    result = policy_stack.preview(
        policy_packs=["policies"], policy_pack_configs=[levels], config_file=config
    )
    assert violations(result)["lab-firewall-default-deny"][0] == "advisory"
