"""Pulumi's engine for one stack of this project, through the Automation API.

The engine is Pulumi's own CLI of the pinned version, driven by `pulumi.automation`: a
LocalWorkspace on the project folder, the CLI from the cache `make setup` fills (or a `pulumi`
of the pinned version on PATH), state in a local file backend, secrets under a passphrase, and
no plugin downloads. Operations report structured engine events to `on_event` callbacks, keep
the CLI's text as a log file, and turn failures into an `EngineError` built from the engine's
diagnostic and policy events.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from semver import VersionInfo

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / ".aidc" / "logs"
LAB_PASSPHRASE = "aidc-lab-only"  # noqa: S105 - lab only; documented in README

OnEvent = Callable[[auto.EngineEvent], None]
OnOutput = Callable[[str], None]


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


def pulumi_command(env: Mapping[str, str]) -> auto.PulumiCommand:
    """The pinned CLI: the first `pulumi` on the environment's PATH (the cache comes first)."""
    found = shutil.which("pulumi", path=env.get("PATH"))
    if found is None:
        raise EngineError("setup", "-", "the Pulumi CLI is not installed; run `make setup`")
    # PulumiCommand takes an installation root and runs <root>/bin/pulumi.
    root = Path(found).resolve().parent.parent
    return auto.PulumiCommand(root=str(root), version=VersionInfo.parse(pinned_version()))


# --- what an operation reports -------------------------------------------------------------


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # error, warning, info, info#err, debug
    message: str
    urn: str | None = None


@dataclass(frozen=True)
class PolicyViolation:
    policy: str
    pack: str
    level: str  # mandatory, advisory, ...
    message: str
    urn: str | None = None


@dataclass(frozen=True)
class Step:
    """One resource step the engine took (or, in a preview, would take)."""

    op: str  # create, same, update, delete, replace, refresh, ...
    urn: str
    type: str

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class CommandOutput:
    """The CLI's text streams of a failed command."""

    stdout: str
    stderr: str


@dataclass(frozen=True)
class EngineResult:
    operation: str
    stack: str
    log: Path
    changes: dict[str, int]
    steps: tuple[Step, ...]
    diagnostics: tuple[Diagnostic, ...]
    violations: tuple[PolicyViolation, ...]
    policy_packs: dict[str, str]

    @property
    def changed(self) -> bool:
        return any(n for op, n in self.changes.items() if op != "same")

    def steps_for(self, name: str) -> list[Step]:
        """The steps of resources whose name (the last part of the URN) contains `name`."""
        return [s for s in self.steps if name in s.name]


class EngineError(RuntimeError):
    """A failed engine command, explained by its diagnostics."""

    def __init__(
        self,
        operation: str,
        stack: str,
        detail: str,
        *,
        diagnostics: Sequence[Diagnostic] = (),
        violations: Sequence[PolicyViolation] = (),
        log: Path | None = None,
        result: CommandOutput | None = None,
    ) -> None:
        self.operation = operation
        self.stack = stack
        self.detail = detail
        self.diagnostics = tuple(diagnostics)
        self.violations = tuple(violations)
        self.log = log
        self.result = result or CommandOutput("", detail)
        where = f"\nlog: {log}" if log else ""
        super().__init__(f"pulumi {operation} -s {stack} failed:\n{detail}{where}")


class StackNotFound(EngineError):
    """The stack does not exist in the backend."""


class _Collector:
    """Gathers one operation's events into what its result and its errors report."""

    def __init__(self, forward: OnEvent | None) -> None:
        self.forward = forward
        self.steps: list[Step] = []
        self.diagnostics: list[Diagnostic] = []
        self.violations: list[PolicyViolation] = []
        self.changes: dict[str, int] = {}
        self.policy_packs: dict[str, str] = {}

    def __call__(self, event: auto.EngineEvent) -> None:
        if event.resource_pre_event:
            meta = event.resource_pre_event.metadata
            self.steps.append(Step(_op(meta.op), meta.urn, meta.type))
        elif event.diagnostic_event:
            d = event.diagnostic_event
            self.diagnostics.append(Diagnostic(d.severity, d.message.rstrip(), d.urn))
        elif event.policy_event:
            p = event.policy_event
            self.violations.append(
                PolicyViolation(
                    p.policy_name,
                    p.policy_pack_name,
                    p.enforcement_level,
                    p.message.rstrip(),
                    p.resource_urn,
                )
            )
        elif event.summary_event:
            s = event.summary_event
            self.changes = {_op(op): int(n) for op, n in s.resource_changes.items()}
            self.policy_packs = dict(s.policy_packs)
        if self.forward is not None:
            self.forward(event)

    def explain(self, stderr: str) -> str:
        """The errors the engine reported; the CLI's own message when there are none."""
        lines = [_labelled(d) for d in self.diagnostics if d.severity == "error"]
        lines += [
            f"[{v.level}] {v.pack}/{v.policy}: {v.message}"
            for v in self.violations
            if v.level == "mandatory"
        ]
        return "\n".join(lines) if lines else stderr.strip() or "no diagnostics; see the log"


def _op(op: object) -> str:
    return str(getattr(op, "value", op))


def _labelled(d: Diagnostic) -> str:
    name = d.urn.rsplit("::", 1)[-1] if d.urn else ""
    return f"{name}: {d.message}" if name else d.message


# --- the stack -----------------------------------------------------------------------------


@dataclass
class Stack:
    """One stack of the project in `cwd`: its operations, outputs and state."""

    name: str
    cwd: Path = REPO
    env: dict[str, str] = field(default_factory=engine_env)
    log_dir: Path = LOGS
    _workspace: auto.LocalWorkspace | None = field(default=None, init=False, repr=False)
    _stack: auto.Stack | None = field(default=None, init=False, repr=False)

    @property
    def backend(self) -> str:
        return self.env.get("PULUMI_BACKEND_URL", "")

    def workspace(self) -> auto.LocalWorkspace:
        if self._workspace is None:
            if self.backend.startswith("file://"):
                Path(self.backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
            self._workspace = auto.LocalWorkspace(
                work_dir=str(self.cwd),
                pulumi_home=self.env.get("PULUMI_HOME"),
                env_vars=self.env,
                secrets_provider="passphrase",
                pulumi_command=pulumi_command(self.env),
            )
        return self._workspace

    def ensure(self) -> None:
        """Select the stack, creating it (with the passphrase secrets provider) if needed."""
        try:
            self._stack = auto.Stack.create_or_select(self.name, self.workspace())
        except auto.CommandError as exc:
            raise EngineError("stack init", self.name, _cli_message(exc)) from None

    def _selected(self) -> auto.Stack:
        if self._stack is None:
            try:
                self._stack = auto.Stack.select(self.name, self.workspace())
            except auto.StackNotFoundError:
                raise self._missing("stack select") from None
            except auto.CommandError as exc:
                raise EngineError("stack select", self.name, _cli_message(exc)) from None
        return self._stack

    def _missing(self, operation: str) -> StackNotFound:
        detail = f"stack {self.name!r} does not exist in {self.backend}"
        return StackNotFound(
            operation, self.name, detail, result=CommandOutput("", f"no stack named {self.name!r}")
        )

    # Operations. Each writes the CLI's text to <log_dir>/<stack>-pulumi-<operation>.log.

    def preview(
        self,
        *,
        diff: bool = False,
        policy_packs: Sequence[str | Path] = (),
        policy_pack_configs: Sequence[str | Path] = (),
        config_file: str | Path | None = None,
        on_event: OnEvent | None = None,
        on_output: OnOutput | None = None,
    ) -> EngineResult:
        return self._run(
            "preview",
            on_event,
            on_output,
            diff=diff or None,
            policy_packs=[str(p) for p in policy_packs] or None,
            policy_pack_configs=[str(p) for p in policy_pack_configs] or None,
            config_file=str(config_file) if config_file else None,
        )

    def up(
        self,
        *,
        expect_no_changes: bool = False,
        target: Sequence[str] = (),
        target_dependents: bool = False,
        on_event: OnEvent | None = None,
        on_output: OnOutput | None = None,
    ) -> EngineResult:
        return self._run(
            "up",
            on_event,
            on_output,
            expect_no_changes=expect_no_changes or None,
            target=list(target) or None,
            target_dependents=target_dependents or None,
        )

    def refresh(
        self,
        *,
        clear_pending_creates: bool = False,
        on_event: OnEvent | None = None,
        on_output: OnOutput | None = None,
    ) -> EngineResult:
        return self._run(
            "refresh", on_event, on_output, clear_pending_creates=clear_pending_creates or None
        )

    def destroy(
        self,
        *,
        target: Sequence[str] = (),
        target_dependents: bool = False,
        on_event: OnEvent | None = None,
        on_output: OnOutput | None = None,
    ) -> EngineResult:
        return self._run(
            "destroy",
            on_event,
            on_output,
            target=list(target) or None,
            target_dependents=target_dependents or None,
        )

    def _run(
        self,
        operation: str,
        on_event: OnEvent | None,
        on_output: OnOutput | None,
        **options: Any,
    ) -> EngineResult:
        stack = self._selected()
        method: Callable[..., Any] = getattr(stack, operation)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{self.name}-pulumi-{operation}.log"
        collect = _Collector(on_event)
        stderr: list[str] = []
        with log.open("w") as out:
            log.chmod(0o600)

            def output(line: str) -> None:
                out.write(line + "\n")
                out.flush()
                if on_output is not None:
                    on_output(line)

            def error(line: str) -> None:
                stderr.append(line)
                output(line)

            kwargs = {k: v for k, v in options.items() if v is not None}
            try:
                method(on_event=collect, on_output=output, on_error=error, color="never", **kwargs)
            except auto.CommandError as exc:
                error_type = StackNotFound if isinstance(exc, auto.StackNotFoundError) else None
                raise (error_type or EngineError)(
                    operation,
                    self.name,
                    collect.explain("\n".join(stderr)),
                    diagnostics=collect.diagnostics,
                    violations=collect.violations,
                    log=log,
                    result=CommandOutput(log.read_text(), "\n".join(stderr)),
                ) from None
        return EngineResult(
            operation=operation,
            stack=self.name,
            log=log,
            changes=collect.changes,
            steps=tuple(collect.steps),
            diagnostics=tuple(collect.diagnostics),
            violations=tuple(collect.violations),
            policy_packs=collect.policy_packs,
        )

    # State.

    def outputs(self) -> dict[str, Any]:
        """The stack's output values, secrets in plain text; {} for a stack never brought up."""
        try:
            values = self.workspace().stack_outputs(self.name)
        except auto.StackNotFoundError:
            raise self._missing("stack output") from None
        except auto.CommandError as exc:
            raise EngineError("stack output", self.name, _cli_message(exc)) from None
        return {key: value.value for key, value in values.items()}

    def export(self) -> dict[str, Any]:
        """The stack's deployment (its resources and their state), secrets in plain text."""
        try:
            exported = self.workspace().export_stack(self.name)
        except auto.StackNotFoundError:
            raise self._missing("stack export") from None
        except auto.CommandError as exc:
            raise EngineError("stack export", self.name, _cli_message(exc)) from None
        return dict(exported.deployment or {})

    def resources(self) -> list[dict[str, Any]]:
        resources: list[dict[str, Any]] = self.export().get("resources") or []
        return resources

    def exists(self) -> bool:
        try:
            names = {s.name for s in self.workspace().list_stacks()}
        except auto.CommandError as exc:
            raise EngineError("stack ls", self.name, _cli_message(exc)) from None
        return self.name in names

    def remove(self, *, force: bool = False, keep_config: bool = True) -> None:
        """Remove the stack from the backend (`force`: even with resources still in it). Its
        config file (stacks/Pulumi.<stack>.yaml, the spec) stays unless `keep_config` is off."""
        try:
            self.workspace().remove_stack(
                self.name, force=force or None, preserve_config=keep_config or None
            )
        except auto.StackNotFoundError:
            pass
        except auto.CommandError as exc:
            raise EngineError("stack rm", self.name, _cli_message(exc)) from None
        self._stack = None


def _cli_message(exc: auto.CommandError) -> str:
    """The CLI's error lines (its stderr) out of a failed workspace command."""
    text = str(exc)
    _, _, stderr = text.partition(" stderr: ")
    return (stderr or text).strip()
