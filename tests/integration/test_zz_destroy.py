"""Last: destroy the shared lab and prove nothing it made is left on the host."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Lab, scan

pytestmark = pytest.mark.integration


def test_destroy_leaves_nothing(lab: Lab) -> None:
    lab.stack.destroy()
    lab.destroyed = True
    after = scan()
    # The lab's own objects must all be gone; netns are host-wide, so compare with before.
    left = {k: sorted(v) for k, v in vars(after).items() if v and k != "netns"}
    assert left == {}
    assert after.netns <= lab.before.netns
    assert lab.stack.outputs() == {}
