"""The rule catalog: rules.yaml, validated at load so a typo fails loudly, not silently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal

import yaml

CATALOG = resources.files("aidc.policy").joinpath("rules.yaml")
Enforcement = Literal["advisory", "mandatory", "disabled"]
SEVERITIES = ("low", "medium", "high", "critical")
ENFORCEMENTS = ("advisory", "mandatory", "disabled")
_ID = re.compile(r"^AIDC-[A-Z]{2,4}-\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_CHECKOV = re.compile(r"^CKV2?_AWS_\d+$")
_TRIVY = re.compile(r"^AVD-AWS-\d{4}$")
_FIELDS = {"id", "name", "severity", "enforcement", "rationale", "remediation", "checkov", "trivy"}


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    enforcement: Enforcement
    rationale: str
    remediation: str
    checkov: tuple[str, ...]
    trivy: tuple[str, ...]

    @property
    def area(self) -> str:
        return self.id.split("-")[1]


@dataclass(frozen=True)
class Catalog:
    rules: tuple[Rule, ...]
    config: dict[str, Any]

    def __getitem__(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def by_name(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(name)


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a mapping")
    if set(raw) != _FIELDS:
        raise CatalogError(f"{where}: fields must be exactly {sorted(_FIELDS)}, got {sorted(raw)}")
    checks = [
        (_ID.match(str(raw["id"])), "id must look like AIDC-<AREA>-<NNN>"),
        (_NAME.match(str(raw["name"])), "name must be kebab-case"),
        (raw["severity"] in SEVERITIES, f"severity must be one of {SEVERITIES}"),
        (raw["enforcement"] in ENFORCEMENTS, f"enforcement must be one of {ENFORCEMENTS}"),
        (bool(str(raw["rationale"]).strip()), "rationale is empty"),
        (bool(str(raw["remediation"]).strip()), "remediation is empty"),
        (all(_CHECKOV.match(str(c)) for c in raw["checkov"] or []), "bad Checkov ID"),
        (all(_TRIVY.match(str(c)) for c in raw["trivy"] or []), "bad Trivy ID"),
    ]
    for ok, why in checks:
        if not ok:
            raise CatalogError(f"{where} ({raw.get('id')}): {why}")
    return Rule(
        id=raw["id"],
        name=raw["name"],
        severity=raw["severity"],
        enforcement=raw["enforcement"],
        rationale=str(raw["rationale"]).strip(),
        remediation=str(raw["remediation"]).strip(),
        checkov=tuple(raw["checkov"] or ()),
        trivy=tuple(raw["trivy"] or ()),
    )


def parse(doc: Any) -> Catalog:
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise CatalogError("catalog: expected a mapping with a 'rules' list")
    rules = tuple(_rule(r, f"rules[{i}]") for i, r in enumerate(doc["rules"]))
    for attr in ("id", "name"):
        values = [getattr(r, attr) for r in rules]
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise CatalogError(f"catalog: duplicate {attr}s {dupes}")
    return Catalog(rules=rules, config=dict(doc.get("config") or {}))


@cache
def load(path: Traversable = CATALOG) -> Catalog:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))
