"""Lynis before and after hardening on one lab node (issue 5).

A gpu node (no Ceph on it) is replaced by a stock one from the image, audited with Lynis
(Debian's package, through the lab's apt proxy), configured with site.yml limited to it, and
audited again. Both hardening indexes are printed; the hardened one must reach 80.
"""

from __future__ import annotations

import pytest

from aidc.configure import run_site
from tests.bench.lynis import audit, replace_with_stock_node
from tests.integration.conftest import Lab

pytestmark = pytest.mark.integration

GOAL = 80


def test_lynis_index_before_and_after_hardening(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    hostname = lab.node("gpu-2").name
    outputs = replace_with_stock_node(lab.stack, hostname)
    lab.refresh_outputs()

    before, _ = audit(outputs, hostname)
    play = run_site(lab.stack.name, "--limit", hostname, log_name="it-lynis")
    assert play.ok, play.log.read_text()[-3000:]
    after, lost = audit(outputs, hostname)

    with capsys.disabled():  # the figures belong in the CI log
        print(f"\nlynis hardening index on {hostname}: before {before}, after {after}")
        print("points still lost:", ", ".join(f"{t} {p}" for t, p in sorted(lost.items())))
    assert after >= GOAL, f"hardening index {after} < {GOAL}; points lost: {lost}"
    assert after > before
