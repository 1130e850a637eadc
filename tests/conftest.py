"""Shared fixtures: the example stacks as raw data, fresh for every test."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
STACKS = REPO / "stacks"


def stack_spec(stack: str) -> dict[str, Any]:
    document = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    spec: dict[str, Any] = document["config"]["aidc:cluster"]
    return copy.deepcopy(spec)


@pytest.fixture
def lab_spec() -> dict[str, Any]:
    return stack_spec("lab")


@pytest.fixture
def aws_spec() -> dict[str, Any]:
    return stack_spec("aws-p5")
