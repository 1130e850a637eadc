"""Read a spec from a stack config or a bare YAML file and validate it in two stages: the
models parse it, then the rules judge it (the neutral rules and those of its target).

`load_spec` is the one validation pipeline: `aidc validate`, `aidc plan` and the Pulumi program
all call it, so they accept and refuse the same specs with the same messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aidc.spec.errors import ROOT, Problem, SpecError, from_validation_error
from aidc.spec.models import Cluster
from aidc.spec.rules import check

STACK_KEY = "aidc:cluster"


def load_spec(data: Any) -> tuple[Cluster, list[Problem]]:
    """Validate raw data. Returns the cluster and its warnings; raises SpecError on errors.

    The rules run only on data the models accept: they need a parsed cluster.
    """
    if not isinstance(data, dict):
        raise SpecError([Problem(ROOT, f"is a {type(data).__name__}; write a YAML mapping")])
    try:
        cluster = Cluster.model_validate(data)
    except ValidationError as exc:
        raise SpecError(from_validation_error(exc, Cluster)) from None
    problems = check(cluster)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise SpecError(errors)
    return cluster, [p for p in problems if p.severity == "warning"]


def extract(document: Any) -> Any:
    """The spec inside a Pulumi stack config (config: aidc:cluster: ...), or the document itself."""
    if isinstance(document, dict) and isinstance(document.get("config"), dict):
        config = document["config"]
        if STACK_KEY not in config:
            raise SpecError([Problem(f"config.{STACK_KEY}", "is missing; put the spec under it")])
        return config[STACK_KEY]
    return document


def read_file(path: Path) -> Any:
    """Parse YAML; a missing file or bad YAML is reported as a problem, not a traceback."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(
            [Problem(str(path), f"cannot be read ({exc}); name a readable file")]
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError([Problem(str(path), f"is not valid YAML{where}; fix the syntax")]) from None


def load_file(path: Path) -> tuple[Cluster, list[Problem]]:
    return load_spec(extract(read_file(path)))
