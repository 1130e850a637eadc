"""The aidc.cluster collection: what its build carries, and that code is shared through it
(by FQCN) rather than through symlinks or sys.path edits."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tarfile
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from tests.ansible_cli import build_collection
from tests.conftest import REPO

GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
CONTENT = ("meta", "roles", "plugins", "playbooks")
# Built from the aidc package: node code that gpu-check also runs without Ansible.
SHARED = {
    "plugins/module_utils/nvidia_smi.py": REPO / "src" / "aidc" / "gpu" / "nvidia_smi.py",
    "roles/gpu_validate/files/microbench.py": REPO / "src" / "aidc" / "gpu" / "microbench.py",
    # The GPU gate as Slurm's health check: aidc.gpu and what it imports.
    **{
        f"roles/slurm/files/aidc/{f}": REPO / "src" / "aidc" / f
        for f in (
            "__init__.py",
            "gpu/__init__.py",
            "gpu/bench.py",
            "gpu/check.py",
            "gpu/gate.py",
            "gpu/nvidia_smi.py",
            "gpu/specs.py",
            "cli/__init__.py",
            "cli/table.py",
            "catalog/data/gpus.yaml",
            "catalog/data/gpu_stack.yaml",
        )
    },
}
CODE = ("src", "policies", "plugins", "roles")
NOT_CONTENT = (".venv", ".aidc", ".git", "tests", "src", "stacks", "policies", "scripts", "tools")
PLUGIN_FOLDERS = ("library", "module_utils", "filter_plugins", "lookup_plugins", "action_plugins")
MAX_TARBALL_BYTES = 512 * 1024


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_collection(tmp_path_factory.mktemp("collection"))


@pytest.fixture(scope="module")
def members(tarball: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member) if member.isfile() else None
            if data is not None:
                found[member.name] = data.read()
    return found


def _ignored(relative: str) -> bool:
    """Whether galaxy.yml's build_ignore leaves out a path or one of its folders."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(fnmatch(p, pattern) for p in prefixes for pattern in GALAXY["build_ignore"])


def _tree_files() -> set[str]:
    """The collection's files as the checkout holds them."""
    found = {"README.md"}
    for folder in CONTENT:
        for path in (REPO / folder).rglob("*"):
            relative = path.relative_to(REPO).as_posix()
            if path.is_file() and not _ignored(relative):
                found.add(relative)
    return found


def test_the_tarball_is_named_after_galaxy_yml(tarball: Path, members: dict[str, bytes]) -> None:
    assert tarball.name == f"aidc-cluster-{GALAXY['version']}.tar.gz"
    info = json.loads(members["MANIFEST.json"])["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == (
        "aidc",
        "cluster",
        GALAXY["version"],
    )


def test_the_build_carries_the_collection_content_and_nothing_else(
    members: dict[str, bytes],
) -> None:
    expected = _tree_files() | set(SHARED) | {"MANIFEST.json", "FILES.json"}
    assert set(members) == expected


def test_every_role_module_filter_and_plugin_is_in_the_build(members: dict[str, bytes]) -> None:
    roles = [p.name for p in (REPO / "roles").iterdir() if (p / "tasks" / "main.yml").is_file()]
    assert {"common", "nvidia_driver", "dcgm", "gpu_validate", "object_store"} <= set(roles)
    for role in roles:
        assert f"roles/{role}/tasks/main.yml" in members, role
        assert f"roles/{role}/meta/argument_specs.yml" in members, role
    for name in (
        "plugins/modules/nvidia_gpu_facts.py",
        "plugins/modules/rgw_bucket.py",
        "plugins/module_utils/nvidia_smi.py",
        "plugins/filter/gpu_stack.py",
        "plugins/filter/gpu_gate.py",
        "plugins/inventory/pulumi_stack.py",
        "playbooks/site.yml",
        "meta/runtime.yml",
    ):
        assert name in members, name


def test_the_shared_node_code_is_copied_from_the_aidc_package(members: dict[str, bytes]) -> None:
    for name, source in SHARED.items():
        assert members[name] == source.read_bytes(), name
        assert not (REPO / name).exists(), f"{name} is built from {source.relative_to(REPO)}"


@pytest.mark.parametrize(
    ("member", "source"),
    sorted((m, s) for m, s in SHARED.items() if s.suffix == ".py"),
    ids=lambda v: str(v),
)
def test_the_shared_node_code_needs_only_the_standard_library(member: str, source: Path) -> None:
    """Nodes run it without aidc's dependencies (torch, imported inside the benchmark, aside);
    the health check's copy of aidc.gpu imports only its own modules, shipped beside it."""
    # ... and what it imports only where installed (PyYAML, NVML's bindings), else does without.
    shipped = {"aidc", "yaml", "pynvml"} if member.startswith("roles/slurm/files/aidc/") else set()
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    assert imported - {"torch"} - shipped <= set(sys.stdlib_module_names) | {"__future__"}
    for node in ast.walk(ast.parse(source.read_text())):
        if shipped and isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aidc"):
            module = str(node.module).replace(".", "/")
            assert any(m.startswith(f"roles/slurm/files/{module}") for m in SHARED), node.module


def test_nothing_outside_the_collection_content_is_built_in(
    tarball: Path, members: dict[str, bytes]
) -> None:
    for name in members:
        top = name.split("/", 1)[0]
        assert top not in NOT_CONTENT, name
        assert "__pycache__" not in name and not name.endswith(".pyc"), name
    assert tarball.stat().st_size < MAX_TARBALL_BYTES


def test_a_bare_build_of_the_root_leaves_out_what_is_not_collection_content(
    tmp_path: Path,
) -> None:
    """build_ignore keeps a plain `ansible-galaxy collection build` of the repository small
    too (it then lacks only the shared node code)."""
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    result = subprocess.run(
        [str(galaxy), "collection", "build", str(REPO), "--output-path", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(built) as tar:
        names = {m.name for m in tar.getmembers() if m.isfile()}
    assert names == _tree_files() | {"MANIFEST.json", "FILES.json"}
    assert built.stat().st_size < MAX_TARBALL_BYTES


# --- shared through the collection, by FQCN ------------------------------------------------


def _tracked_symlinks() -> list[str]:
    """Symlinks in git's index that the working tree still has (a checkout without symlink
    support holds them as plain files)."""
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        return []
    listing = subprocess.run(
        ["git", "ls-files", "-s", "--", *CODE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    paths = [line.split("\t", 1)[1] for line in listing.splitlines() if line.startswith("120000")]
    return [path for path in paths if (REPO / path).is_symlink() or (REPO / path).exists()]


def test_no_symlink_in_the_code() -> None:
    assert _tracked_symlinks() == []
    links = [
        path.relative_to(REPO).as_posix()
        for folder in CODE
        for path in (REPO / folder).rglob("*")
        if path.is_symlink()
    ]
    assert links == []


def _edits_sys_path(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "path"
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "sys"
            and any(alias.name == "path" for alias in node.names)
        ):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "addsitedir":
            return True
    return False


def test_no_sys_path_edit_in_the_code() -> None:
    offenders = [
        path.relative_to(REPO).as_posix()
        for folder in CODE
        for path in sorted((REPO / folder).rglob("*.py"))
        if "__pycache__" not in path.parts and _edits_sys_path(ast.parse(path.read_bytes()))
    ]
    assert offenders == []


def test_roles_carry_no_plugins_of_their_own() -> None:
    """Modules, module_utils and filters live in plugins/, shared by FQCN."""
    found = [
        f"{role.name}/{folder}"
        for role in (REPO / "roles").iterdir()
        for folder in PLUGIN_FOLDERS
        if (role / folder).exists()
    ]
    assert found == []


def _filter_names() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "plugins" / "filter").glob("*.py"):
        spec = importlib.util.spec_from_file_location(f"filter_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names |= set(module.FilterModule().filters())
    return names


def test_roles_use_the_collection_s_filters_by_fqcn() -> None:
    names = _filter_names()
    assert {"gpu_stack", "gpu_gate", "gpu_known_sku"} <= names
    bare = re.compile(r"\|\s*(" + "|".join(sorted(names)) + r")\b")
    for folder in ("roles", "playbooks"):
        for path in (REPO / folder).rglob("*.yml"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = bare.search(line)
                assert not match, f"{path.relative_to(REPO)}:{number}: {match and match[0]}"
