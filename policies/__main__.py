"""The aidc CrossGuard pack: `pulumi preview --policy-pack policies`."""

import sys
from pathlib import Path

# The CLI runs the pack from this folder; make `policies` importable as a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.pack import policies

PolicyPack(
    name="aidc",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=policies(),
)
