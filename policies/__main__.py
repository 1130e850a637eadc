"""The aidc CrossGuard pack: `pulumi preview --policy-pack policies`.

The analyzer runs this file with the project's virtualenv, where aidc is installed; the rules
and their validators live in `aidc.policy`.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from aidc.policy.pack import policies

PolicyPack(
    name="aidc",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=policies(),
)
