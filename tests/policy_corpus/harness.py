"""Run a program under Pulumi's mocks and hand its registrations to the rules as each place
that judges them sees them (`up`, `preview`, `audit`): the machinery lives in
`aidc.policy.mocked`, which `aidc check` uses too; re-exported here for the corpus tests."""

from aidc.policy.mocked import VIEWS, Recorded, View, record, unsecret, view

__all__ = ["VIEWS", "Recorded", "View", "record", "unsecret", "view"]
