"""A project's stacks: the stack configs in its stack config folder (Pulumi.yaml's
`stackConfigDir`, else stacks/, else the root), named on the command line or all of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from aidc.spec import Problem, SpecError

PREFIX = "Pulumi."


@dataclass(frozen=True)
class StackFile:
    name: str
    path: Path


def stack_dir(project: Path) -> Path:
    try:
        doc = yaml.safe_load((project / "Pulumi.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        doc = None
    configured = doc.get("stackConfigDir") if isinstance(doc, dict) else None
    if isinstance(configured, str) and configured:
        return project / configured
    return project / "stacks" if (project / "stacks").is_dir() else project


def stacks(project: Path, names: list[str]) -> list[StackFile]:
    """The named stacks (a name, or a stack config's path), or every stack; SpecError naming
    what is missing, so a typo is bad input and not a clean run."""
    folder = stack_dir(project)
    if not names:
        found = [_of(p) for p in sorted(folder.glob(f"{PREFIX}*.yaml"))]
        if not found:
            raise SpecError([Problem("", f"has no {PREFIX}<stack>.yaml", where=str(folder))])
        return found
    out, missing = [], []
    for name in names:
        given = Path(name)
        path = given if given.suffix == ".yaml" else folder / f"{PREFIX}{name}.yaml"
        if path.is_file():
            out.append(_of(path))
        else:
            missing.append(name)
    if missing:
        known = ", ".join(_of(p).name for p in sorted(folder.glob(f"{PREFIX}*.yaml")))
        allowed = f"stacks here: {known}" if known else f"no stack configs in {folder}"
        raise SpecError([Problem("--stack", f"{m!r} is no stack; {allowed}") for m in missing])
    return out


def _of(path: Path) -> StackFile:
    return StackFile(path.name.removeprefix(PREFIX).removesuffix(".yaml"), path)
