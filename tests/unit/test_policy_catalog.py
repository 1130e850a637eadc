"""The rule catalog: loads and validates; README.md is generated from it; the pack builds one
policy per rule with the catalog's enforcement and name."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from policies import docs
from policies.catalog import CATALOG, CatalogError, load, parse


def raw() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(CATALOG.read_text())
    return doc


def test_the_catalog_loads_with_unique_ids() -> None:
    catalog = load()
    assert len(catalog.rules) >= 20
    assert len({r.id for r in catalog.rules}) == len(catalog.rules)


def test_readme_is_generated_from_the_catalog() -> None:
    assert docs.README.read_text() == docs.render(load()), "run: python -m policies.docs"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("id", "NET-1", "id must look like AIDC-<AREA>-<NNN>"),
        ("name", "SSH_open", "name must be kebab-case"),
        ("severity", "urgent", "severity must be one of"),
        ("enforcement", "blocking", "enforcement must be one of"),
        ("checkov", ["CKV_24"], "bad Checkov ID"),
        ("trivy", ["AVD-0107"], "bad Trivy ID"),
        ("rationale", " ", "rationale is empty"),
    ],
)
def test_a_bad_rule_is_refused(field: str, value: Any, error: str) -> None:
    doc = raw()
    doc["rules"][0] = {**copy.deepcopy(doc["rules"][0]), field: value}
    with pytest.raises(CatalogError, match=error.replace("(", r"\(").replace(")", r"\)")):
        parse(doc)


def test_duplicate_ids_are_refused() -> None:
    doc = raw()
    doc["rules"].append({**doc["rules"][0], "name": "another-name"})
    with pytest.raises(CatalogError, match="duplicate ids"):
        parse(doc)


def test_the_pack_has_one_policy_per_rule_named_and_enforced_as_catalogued() -> None:
    from policies.pack import policies
    from pulumi_policy import EnforcementLevel

    built = {p.name: p for p in policies()}
    levels = {
        "advisory": EnforcementLevel.ADVISORY,
        "mandatory": EnforcementLevel.MANDATORY,
        "disabled": EnforcementLevel.DISABLED,
    }
    assert set(built) == {r.name for r in load().rules}
    for rule in load().rules:
        assert built[rule.name].enforcement_level == levels[rule.enforcement]
        assert built[rule.name].description.startswith(rule.id)
