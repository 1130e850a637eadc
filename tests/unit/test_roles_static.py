"""Static checks of the Ansible content: lint clean, every role documented, FQCN only.

ansible-lint (production profile) and yamllint on the collection (galaxy.yml, meta/, roles/,
playbooks/), site.yml and inventory/, `ansible-playbook --syntax-check` against the collection
built from this checkout, and for every role under roles/: each variable in
defaults/main.yml is documented in meta/argument_specs.yml with the same default,
each module is named by its FQCN, and names carry the role's prefix (common_ public,
_common_ private data, __common_ registered results and loop variables).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ansible_cli import ansible_env

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ROLES = sorted(p for p in (REPO / "roles").iterdir() if (p / "tasks" / "main.yml").is_file())
LINTED = ["galaxy.yml", "meta/", "roles/", "site.yml", "playbooks/", "inventory/"]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = ansible_env({k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")})
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(BIN / argv[0]), *argv[1:]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _task_keywords() -> frozenset[str]:
    from ansible.playbook.block import Block
    from ansible.playbook.handler import Handler
    from ansible.playbook.task import Task

    names = set(Task.fattributes) | set(Handler.fattributes) | set(Block.fattributes)
    # Keywords the parser accepts that are not attributes: loops and their helpers.
    names |= {"block", "rescue", "always", "local_action", "args", "with_items"}
    return frozenset(names)


def _tasks(node: Any) -> Iterator[dict[str, Any]]:
    """Every task dict in a task list, blocks included."""
    for item in node or []:
        if not isinstance(item, dict):
            continue
        if "block" in item:
            for section in ("block", "rescue", "always"):
                yield from _tasks(item.get(section))
        else:
            yield item


def _module(task: dict[str, Any], keywords: frozenset[str]) -> str:
    candidates = [
        k for k in task if k not in keywords and not k.startswith("with_") and k != "action"
    ]
    action: Any = task.get("action") or task.get("local_action")
    if action is not None:
        return str(action["module"] if isinstance(action, dict) else str(action).split()[0])
    assert len(candidates) == 1, (
        f"cannot tell the module of task {task.get('name')!r}: {candidates}"
    )
    return candidates[0]


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_there_is_a_role() -> None:
    assert any(role.name == "common" for role in ROLES)


def test_ansible_lint_production_profile() -> None:
    result = _run("ansible-lint", "--profile", "production", "--nocolor", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_yamllint_strict() -> None:
    result = _run(
        "yamllint", "--strict", "--format", "parsable", *LINTED, ".ansible-lint", ".yamllint"
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("playbook", ["site.yml", "aidc.cluster.site"])
def test_site_syntax_check(playbook: str) -> None:
    result = _run(
        "ansible-playbook", "--syntax-check", playbook, "-i", "inventory/onprem.example.yml"
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_argument_specs_document_every_default(role: Path) -> None:
    defaults = _load(role / "defaults" / "main.yml") or {}
    specs_file = role / "meta" / "argument_specs.yml"
    assert specs_file.is_file(), f"{role.name}: meta/argument_specs.yml is missing"
    options = _load(specs_file)["argument_specs"]["main"]["options"]
    assert set(defaults) - set(options) == set(), "defaults not documented"
    assert set(options) - set(defaults) == set(), "documented but not in defaults"
    for name, spec in options.items():
        assert spec.get("description"), f"{name}: no description"
        assert "type" in spec, f"{name}: no type"
        if name in defaults and not spec.get("required"):
            assert spec.get("default") == defaults[name], f"{name}: default differs from defaults"


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_meta_main_describes_the_role(role: Path) -> None:
    meta = _load(role / "meta" / "main.yml")
    info = meta["galaxy_info"]
    assert info["role_name"] == role.name
    assert info["description"] and info["platforms"] and info["license"]


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_modules_are_fqcn(role: Path) -> None:
    keywords = _task_keywords()
    files = [*(role / "tasks").glob("*.yml"), *(role / "handlers").glob("*.yml")]
    assert files
    seen = 0
    for path in files:
        for task in _tasks(_load(path)):
            module = _module(task, keywords)
            assert module.count(".") >= 2, f"{path.relative_to(REPO)}: {module} is not an FQCN"
            seen += 1
    assert seen > 0


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_variable_prefixes(role: Path) -> None:
    prefix = role.name
    for name in _load(role / "defaults" / "main.yml") or {}:
        assert name.startswith(f"{prefix}_"), f"defaults: {name}"
    for path in (role / "vars").glob("*.yml"):
        for name in _load(path) or {}:
            assert name.startswith(f"_{prefix}_"), f"{path.name}: {name}"
    keywords = _task_keywords()
    for path in [*(role / "tasks").glob("*.yml"), *(role / "handlers").glob("*.yml")]:
        for task in _tasks(_load(path)):
            _module(task, keywords)
            register = task.get("register")
            if register:
                assert register.startswith(f"__{prefix}_"), f"{path.name}: register {register}"
            loop_var = (task.get("loop_control") or {}).get("loop_var")
            if loop_var:
                assert loop_var.startswith(f"__{prefix}_"), f"{path.name}: loop_var {loop_var}"
            for name in task.get("vars") or {}:
                assert name.startswith(f"__{prefix}_"), f"{path.name}: task var {name}"
            for name in task.get("ansible.builtin.set_fact") or {}:
                if name != "cacheable":
                    assert name.startswith(f"__{prefix}_"), f"{path.name}: fact {name}"
