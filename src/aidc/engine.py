"""Run the Pulumi CLI for a stack with the environment this project needs.

The engine is Pulumi's own CLI; this module only sets its environment (local state, no plugin
downloads, the pinned CLI on PATH) and runs its commands.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LAB_PASSPHRASE = "aidc-lab-only"  # noqa: S105 - lab only; documented in README


def pinned_version(pyproject: Path = REPO / "pyproject.toml") -> str:
    match = re.search(r'"pulumi==([0-9.]+)"', pyproject.read_text())
    if not match:
        raise RuntimeError(f"{pyproject}: no pinned pulumi==<version> dependency")
    return match.group(1)


def engine_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for the CLI; values already set in `base` win."""
    env = dict(os.environ if base is None else base)
    cache = Path(env.get("AIDC_CACHE", Path.home() / ".cache" / "aidc"))
    venv = REPO / ".venv"
    pulumi_bin = cache / f"pulumi-{pinned_version()}" / "bin"
    env["PATH"] = os.pathsep.join([str(venv / "bin"), str(pulumi_bin), env.get("PATH", "")])
    env.setdefault("VIRTUAL_ENV", str(venv))
    env.setdefault("PULUMI_BACKEND_URL", f"file://{REPO / '.aidc' / 'state'}")
    env.setdefault("PULUMI_CONFIG_PASSPHRASE", LAB_PASSPHRASE)
    env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    env.setdefault("PULUMI_HOME", str(cache / "pulumi-home"))
    return env


def diagnostics(output: str) -> str:
    """The engine's Diagnostics section (the errors), without the long Outputs listing."""
    start = output.find("Diagnostics:")
    if start < 0:
        return "\n".join(output.strip().splitlines()[-25:])
    end = output.find("\nOutputs:", start)
    return output[start:] if end < 0 else output[start:end]


class EngineError(RuntimeError):
    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]) -> None:
        self.result = result
        detail = diagnostics(result.stdout) + result.stderr
        super().__init__(f"pulumi {' '.join(args)} exited {result.returncode}:\n{detail}")


@dataclass
class Stack:
    name: str
    cwd: Path = REPO
    env: dict[str, str] = field(default_factory=engine_env)

    def run(
        self, *args: str, check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [*args, "--stack", self.name, "--non-interactive"]
        result = subprocess.run(
            ["pulumi", *argv],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise EngineError(list(argv), result)
        return result

    def ensure(self) -> None:
        """Select the stack, creating it (with the passphrase secrets provider) if needed."""
        backend = self.env["PULUMI_BACKEND_URL"]
        if backend.startswith("file://"):
            Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
        listed = subprocess.run(
            ["pulumi", "stack", "ls", "--json"],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        names = (
            {s["name"] for s in json.loads(listed.stdout or "[]")}
            if listed.returncode == 0
            else set()
        )
        if self.name not in names:
            self.run("stack", "init", "--secrets-provider", "passphrase")

    def outputs(self) -> dict[str, Any]:
        out = self.run("stack", "output", "--json", "--show-secrets").stdout
        data: dict[str, Any] = json.loads(out or "{}")
        return data
