"""`aidc init`: lay out a repository for a user's own clusters that uses aidc as an installed
package and collection: stacks, inventory, policy config, CI and pre-commit. The files are
package data (`files/`), so an installed aidc carries them; `$project` and `$version` in them
are filled in with `string.Template`."""

from __future__ import annotations

import re
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from string import Template

from aidc.spec import Problem, SpecError

FILES = resources.files("aidc.scaffold").joinpath("files")
# Template -> where it goes (dotfiles are kept without the dot, so packaging keeps them).
LAYOUT = {
    "README.md": "README.md",
    "Pulumi.yaml": "Pulumi.yaml",
    "stacks/__main__.py": "stacks/__main__.py",
    "stacks/Pulumi.lab.yaml": "stacks/Pulumi.lab.yaml",
    "stacks/Pulumi.aws-example.yaml": "stacks/Pulumi.aws-example.yaml",
    "inventory/lab.pulumi.yml": "inventory/lab.pulumi.yml",
    "site.yml": "site.yml",
    "ansible.cfg": "ansible.cfg",
    "policy-config.json": "policy-config.json",
    "requirements.txt": "requirements.txt",
    "requirements.yml": "requirements.yml",
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "ci/github-actions.yml": ".github/workflows/aidc-check.yml",
    "ci/gitlab-ci.yml": ".gitlab-ci.yml",
}
_PROJECT = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")


def template(name: str) -> str:
    """A template's text as shipped (the CI templates are meant to be read and copied too)."""
    return FILES.joinpath(name).read_text(encoding="utf-8")


def _version() -> str:
    try:
        return version("aidc")
    except PackageNotFoundError:
        return "0.1.0"


def init(target: Path, project: str | None = None) -> list[Path]:
    """Write the layout into target (created if needed); refuses to overwrite any file."""
    name = project or target.resolve().name.lower()
    if not _PROJECT.match(name):
        raise SpecError(
            [Problem("--name", f"{name!r} is no project name; use 2-32 of a-z, 0-9 and -")]
        )
    existing = [dest for dest in LAYOUT.values() if (target / dest).exists()]
    if existing:
        raise SpecError(
            [
                Problem("", f"already has {d}; init an empty folder", where=str(target))
                for d in existing
            ]
        )
    values = {"project": name, "version": _version()}
    written = []
    for source, dest in LAYOUT.items():
        path = target / dest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template(source)).safe_substitute(values), encoding="utf-8")
        written.append(path)
    return written
