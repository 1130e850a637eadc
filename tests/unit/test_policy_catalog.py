"""The rule catalog: loads and validates; the pack's README.md is generated from it; the pack
builds one policy per rule with the catalog's enforcement and name; instance facts in policy
config defaults come from aidc's instance catalog."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from aidc import catalog as instances
from aidc.policy import docs
from aidc.policy.catalog import CATALOG, CatalogError, load, parse
from aidc.policy.registry import defaults


def raw() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return doc


def test_the_catalog_loads_with_unique_ids() -> None:
    catalog = load()
    assert len(catalog.rules) >= 20
    assert len({r.id for r in catalog.rules}) == len(catalog.rules)


def test_readme_is_generated_from_the_catalog() -> None:
    assert docs.README.read_text() == docs.render(load()), "run: python -m aidc.policy.docs"
    assert docs.main(["--check"]) == 0


def test_the_docs_check_refuses_a_stale_readme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    assert docs.main(["--check", str(readme)]) == 1, "a missing README is stale"
    readme.write_text(docs.render(load()).replace("AIDC-NET-001", "AIDC-NET-999", 1))
    assert docs.main(["--check", str(readme)]) == 1
    assert "is out of date: run python -m aidc.policy.docs" in capsys.readouterr().err
    assert docs.main([str(readme)]) == 0
    assert docs.main(["--check", str(readme)]) == 0


def test_the_catalog_repeats_no_instance_data() -> None:
    """Allowed types default to aidc's instance catalog; GPU counts are only its extensions."""
    config = raw()["config"]
    assert config["allowed_instance_types"] is None
    assert config["gpus_per_instance_type"] == {}
    assert defaults()["allowed_instance_types"] == sorted(instances.instance_types())


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
    from pulumi_policy import EnforcementLevel

    from aidc.policy.pack import policies

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


def test_the_packs_config_schema_defaults_to_the_instance_catalog() -> None:
    from aidc.policy.pack import policies

    built = {p.name: p for p in policies()}
    allowed = built["allowed-instance-types"].config_schema.properties["allowed_instance_types"]
    assert allowed == {"type": "array", "default": sorted(instances.instance_types())}
    budget = built["gpu-budget"].config_schema.properties
    assert budget["gpus_per_instance_type"] == {"type": "object", "default": {}}
