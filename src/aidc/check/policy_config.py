"""The policy config file, in the format of `pulumi preview --policy-pack-config`: each key a
rule's name (or `all`), each value an enforcement level or an object with `enforcementLevel`
and that rule's config properties. Read here so `aidc check` applies the same overrides the
engine would, and refuses a misspelt rule name instead of ignoring it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, RootModel, ValidationError

from aidc.policy.catalog import load
from aidc.spec import Problem, SpecError

Enforcement = Literal["advisory", "mandatory", "disabled"]
ALL = "all"


class RuleConfig(BaseModel):
    # Config properties differ per rule (see the pack's schemas); they pass through as given.
    model_config = ConfigDict(extra="allow", frozen=True)
    enforcementLevel: Enforcement | None = None  # the engine's spelling


class PolicyConfigFile(RootModel[dict[str, Enforcement | RuleConfig]]):
    pass


@dataclass(frozen=True)
class PolicyConfig:
    levels: dict[str, Enforcement] = field(default_factory=dict)  # rule ID -> level
    settings: dict[str, Any] = field(default_factory=dict)  # config properties, merged
    path: Path | None = None

    def level(self, rule_id: str) -> Enforcement:
        return self.levels.get(rule_id) or load()[rule_id].enforcement


def read(path: Path | None) -> PolicyConfig:
    """The config at path; none (catalog defaults) without one. SpecError for bad input."""
    if path is None:
        return PolicyConfig()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        parsed = PolicyConfigFile.model_validate(raw).root
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = _problem(path, "", f"cannot be read ({exc}); write a JSON object")
        raise SpecError([problem]) from None
    except ValidationError as exc:
        raise SpecError(
            [
                _problem(
                    path,
                    ".".join(str(p) for p in err["loc"][:1]),
                    f"{err['msg']}; give advisory, mandatory, disabled or "
                    "an object with enforcementLevel",
                )
                for err in exc.errors()
            ]
        ) from None
    catalog = load()
    names = {r.name: r.id for r in catalog.rules}
    unknown = sorted(k for k in parsed if k != ALL and k not in names)
    if unknown:
        raise SpecError(
            [
                _problem(path, k, "is no rule of the catalog; name a rule (policies/README.md)")
                for k in unknown
            ]
        )
    levels: dict[str, Enforcement] = {}
    settings: dict[str, Any] = {}
    default = parsed.get(ALL)
    if default is not None:
        level = default if isinstance(default, str) else default.enforcementLevel
        if level is not None:
            levels = dict.fromkeys((r.id for r in catalog.rules), level)
    for key, value in parsed.items():
        if key == ALL:
            continue
        if isinstance(value, str):
            levels[names[key]] = value
            continue
        if value.enforcementLevel is not None:
            levels[names[key]] = value.enforcementLevel
        settings.update(value.model_extra or {})
    return PolicyConfig(levels, settings, path)


def _problem(path: Path, key: str, message: str) -> Problem:
    return Problem(key, message, where=str(path))
