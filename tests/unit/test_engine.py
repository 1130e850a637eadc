"""The engine facade: errors explained by the engine's own events; a stack's life cycle through
the Automation API where the pinned CLI is installed."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from pulumi import automation as auto

from aidc.engine import EngineError, Stack, StackNotFound, _Collector, engine_env, pulumi_command


def event(**body: object) -> auto.EngineEvent:
    return auto.EngineEvent.from_json({"sequence": 1, "timestamp": 0, **body})


URN = "urn:pulumi:lab::aidc::aidc:lab:Node$pulumi-python:dynamic:Resource::lab-node-lab-gpu-1"


def test_errors_are_the_engines_error_diagnostics_and_mandatory_violations() -> None:
    seen: list[auto.EngineEvent] = []
    collect = _Collector(seen.append)
    collect(event(diagnosticEvent={"message": "some progress\n", "severity": "info"}))
    collect(event(diagnosticEvent={"message": "boot timed out\n", "severity": "error", "urn": URN}))
    collect(
        event(
            policyEvent={
                "message": "[AIDC-NET-008] opens every port",
                "policyName": "lab-firewall-default-deny",
                "policyPackName": "aidc",
                "enforcementLevel": "mandatory",
            }
        )
    )
    collect(
        event(policyEvent={"message": "tags", "policyName": "t", "enforcementLevel": "advisory"})
    )
    assert len(seen) == 4, "every event is forwarded"
    assert collect.explain("stderr text") == (
        "lab-node-lab-gpu-1: boot timed out\n"
        "[mandatory] aidc/lab-firewall-default-deny: [AIDC-NET-008] opens every port"
    )


def test_without_error_events_the_clis_own_message_explains() -> None:
    collect = _Collector(None)
    assert collect.explain("error: the stack is currently locked\n") == (
        "error: the stack is currently locked"
    )


def test_the_summary_gives_the_changes_and_the_policy_packs() -> None:
    collect = _Collector(None)
    collect(
        event(
            resourcePreEvent={"metadata": {"op": "create", "urn": URN, "type": "t", "provider": ""}}
        )
    )
    collect(
        event(
            summaryEvent={
                "resourceChanges": {"create": 2, "same": 5},
                "PolicyPacks": {"aidc": "v1"},
            }
        )
    )
    assert collect.changes == {"create": 2, "same": 5}
    assert collect.policy_packs == {"aidc": "v1"}
    assert collect.steps[0].name == "lab-node-lab-gpu-1"


def test_an_engine_error_names_the_operation_the_stack_and_the_log() -> None:
    error = EngineError("up", "lab", "boom", log=Path("/x/lab-pulumi-up.log"))
    assert str(error) == "pulumi up -s lab failed:\nboom\nlog: /x/lab-pulumi-up.log"


def test_a_missing_cli_says_how_to_get_it() -> None:
    with pytest.raises(EngineError, match="make setup"):
        pulumi_command({"PATH": "/nonexistent"})


# --- the real CLI --------------------------------------------------------------------------

PROGRAM = """\
import pulumi

pulumi.export("greeting", "hello")
pulumi.export("token", pulumi.Output.secret("s3cr3t"))
"""


@pytest.fixture
def tiny_stack(tmp_path: Path) -> Stack:
    env = engine_env()
    if shutil.which("pulumi-language-python", path=env["PATH"]) is None:
        pytest.skip("the pinned Pulumi CLI is not built yet (make setup)")
    project = tmp_path / "project"
    project.mkdir()
    venv = Path(sys.prefix)
    (project / "Pulumi.yaml").write_text(
        f"name: tiny\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n"
    )
    (project / "__main__.py").write_text(PROGRAM)
    env["PULUMI_BACKEND_URL"] = f"file://{tmp_path / 'state'}"
    return Stack("unit", cwd=project, env=env, log_dir=tmp_path / "logs")


def test_a_stack_goes_up_shows_its_outputs_and_is_destroyed(tiny_stack: Stack) -> None:
    with pytest.raises(StackNotFound):
        tiny_stack.outputs()
    tiny_stack.ensure()
    events: list[auto.EngineEvent] = []
    preview = tiny_stack.preview(on_event=events.append)
    assert preview.changes == {"create": 1}
    assert any(e.resource_pre_event for e in events)
    up = tiny_stack.up()
    assert up.changes == {"create": 1} and up.log.read_text()
    assert tiny_stack.outputs() == {"greeting": "hello", "token": "s3cr3t"}
    assert not tiny_stack.up(expect_no_changes=True).changed
    assert tiny_stack.destroy().changes == {"delete": 1}
    assert tiny_stack.outputs() == {}
    tiny_stack.remove(keep_config=False)
    assert not tiny_stack.exists()
    assert not (tiny_stack.cwd / "Pulumi.unit.yaml").exists()
