"""Read a spec from a stack config or a bare YAML file and validate it in one pass: the models
parse it, then the rules judge it (the neutral rules and those of its target).

`load_spec` is the one validation pipeline: `aidc validate`, `aidc plan` and the Pulumi program
all call it, so they accept and refuse the same specs with the same messages. Every problem is
reported at once: the models report every field that fails, and the rules still judge the
parts that parsed (`aidc.spec.partial`). Input is bounded first (`aidc.spec.limits`): a file
by the YAML reader before any alias is expanded (`aidc.spec.yamlfile`), parsed data by
`load_spec` itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aidc.spec import limits, partial, yamlfile
from aidc.spec.errors import ROOT, Problem, SpecError, from_validation_error
from aidc.spec.models import Cluster
from aidc.spec.rules import check
from aidc.spec.yamlfile import Document, Positions

STACK_KEY = "aidc:cluster"


def load_spec(data: Any, positions: Positions | None = None) -> tuple[Cluster, list[Problem]]:
    """Validate raw data. Returns the cluster and its warnings; raises SpecError on errors.

    With positions (from a YAML file), each problem also says where its value is written."""
    cluster, problems = _judge(data)
    if positions is not None:
        problems = [positions.locate(p) for p in problems]
    errors = [p for p in problems if p.severity == "error"]
    if errors or cluster is None:
        raise SpecError(errors)
    return cluster, [p for p in problems if p.severity == "warning"]


def _judge(data: Any) -> tuple[Cluster | None, list[Problem]]:
    """The cluster if the models accept it, and every problem, errors and warnings, each once."""
    if data is None:
        return None, [Problem(ROOT, "is empty; write the cluster spec as a YAML mapping")]
    if not isinstance(data, dict):
        return None, [Problem(ROOT, f"is a {type(data).__name__}; write a YAML mapping")]
    bounds = limits.check_data(data)
    if bounds:
        return None, bounds
    cluster: Cluster | None
    try:
        judged = cluster = Cluster.model_validate(data)
        problems: list[Problem] = []
    except ValidationError as exc:
        cluster = None
        problems = from_validation_error(exc, Cluster)
        judged = partial.build(Cluster, data, exc)
    problems += check(judged, partial=cluster is None)
    return cluster, list(dict.fromkeys(problems))


def extract(document: Any) -> Any:
    """The spec inside a Pulumi stack config (config: aidc:cluster: ...), or the document itself."""
    return document if not _in_stack_config(document) else document["config"][STACK_KEY]


def _in_stack_config(document: Any) -> bool:
    if isinstance(document, dict) and isinstance(document.get("config"), dict):
        if STACK_KEY not in document["config"]:
            raise SpecError([Problem(f"config.{STACK_KEY}", "is missing; put the spec under it")])
        return True
    return False


def read_file(path: Path) -> Any:
    """Parse YAML within bounds; a missing file or bad YAML is reported as a problem, not a
    traceback."""
    document = yamlfile.read(path)
    if document.problems:
        raise SpecError(document.problems)
    return document.data


def load_file(path: Path) -> tuple[Cluster, list[Problem]]:
    """Read, parse and validate a spec file; problems say `file:line:column` where known."""
    return load_document(yamlfile.read(path))


def load_document(document: Document) -> tuple[Cluster, list[Problem]]:
    positions = document.positions
    if _in_stack_config(document.data):
        spec = document.data["config"][STACK_KEY]
        positions = positions.within(("config", STACK_KEY))
    else:
        spec = document.data
    text_problems = list(document.problems)
    try:
        cluster, warnings = load_spec(spec, positions)
    except SpecError as exc:
        raise SpecError([*text_problems, *exc.problems]) from None
    if text_problems:
        raise SpecError(text_problems)
    return cluster, warnings
