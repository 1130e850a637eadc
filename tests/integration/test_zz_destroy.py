"""Last: destroy the shared lab and prove nothing it made is left on the host."""

from __future__ import annotations

import pytest

from tests.integration import hostscan
from tests.integration.conftest import Lab

pytestmark = pytest.mark.integration


def test_destroy_leaves_nothing(lab: Lab) -> None:
    lab.stack.run("destroy", "--yes", "--skip-preview", timeout=900)
    lab.destroyed = True
    left = hostscan.snapshot().minus(lab.before)
    assert left == {}
    assert lab.stack.run("stack", "output", "--json").stdout.strip() in ("{}", "")
