"""The policy rules over one stack, at preview time.

Through the engine (`pulumi preview --policy-pack`) where it can preview the stack: the
Pulumi CLI, the project's pack folder, and for aws the provider plugin and credentials.
Otherwise the stack's program runs under Pulumi's mocks and the same rules the pack wraps
judge what it registered, as the pack sees it at the first preview (ids and computed values
unknown); the corpus tests hold the pack and this path to the same verdicts. Each result says
which path judged it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aidc.check.findings import Finding, Level, Location
from aidc.check.locate import Locator
from aidc.check.policy_config import PolicyConfig
from aidc.policy.catalog import load
from aidc.spec import Cluster

if TYPE_CHECKING:
    from aidc.engine import PolicyViolation

Engine = Literal["auto", "mocks"]
PACK = Path("policies") / "PulumiPolicy.yaml"
MOCKS = "judged under Pulumi mocks, not the engine"


_TAGGED = re.compile(r"\[(AIDC-[A-Z]+-\d{3})\]\s*([^\n]*)")


@dataclass(frozen=True)
class Judged:
    findings: list[Finding]
    how: str  # a sentence for the report: the engine, or the mocks and why


def judge(
    cluster: Cluster,
    stack: str,
    locator: Locator,
    config: PolicyConfig,
    project: Path,
    engine: Engine = "auto",
) -> Judged:
    reason = "mocks asked for" if engine == "mocks" else _no_engine(cluster, project)
    if reason is None:
        return _through_engine(stack, locator, config, project)
    return Judged(_under_mocks(cluster, stack, locator, config), f"{MOCKS}: {reason}")


def _no_engine(cluster: Cluster, project: Path) -> str | None:
    """Why the engine cannot preview this stack here; None when it can."""
    from aidc.engine import engine_env

    if shutil.which("pulumi", path=engine_env().get("PATH")) is None:
        return "the Pulumi CLI is not on PATH"
    if not (project / "Pulumi.yaml").is_file() or not (project / PACK).is_file():
        return f"the project has no Pulumi.yaml and {PACK} beside it"
    if cluster.target == "aws":
        import boto3

        if boto3.Session().get_credentials() is None:
            return "no AWS credentials"
        home = Path(engine_env().get("PULUMI_HOME", Path.home() / ".pulumi"))
        if not any((home / "plugins").glob("resource-aws-*")):
            return "the aws provider plugin is not installed"
    return None


def _under_mocks(
    cluster: Cluster, stack: str, locator: Locator, config: PolicyConfig
) -> list[Finding]:
    from aidc.policy.mocked import record, view, with_spec
    from aidc.policy.registry import evaluate
    from aidc.program import build

    recorded = record(lambda: build(cluster), stack=stack)
    cfg = with_spec(locator.spec, config.settings)
    disabled = [r.id for r in load().rules if config.level(r.id) == "disabled"]
    found = evaluate(view(recorded, "preview"), cfg, skip=disabled)
    return [_finding(f.rule_id, f.message, f.resource, locator, config) for f in found]


def _through_engine(stack: str, locator: Locator, config: PolicyConfig, project: Path) -> Judged:
    """A preview with the pack; the stack is created in the backend if it is new (a preview
    creates no resources). Violations come back as the engine's policy events."""
    from aidc.engine import EngineError, Stack, engine_env

    env = engine_env()
    env.setdefault("PULUMI_BACKEND_URL", f"file://{project / '.aidc' / 'state'}")
    target = Stack(stack, cwd=project, env=env)
    target.ensure()
    configs = [config.path] if config.path else []
    try:
        violations = target.preview(
            policy_packs=[project / PACK.parent], policy_pack_configs=configs
        ).violations
    except EngineError as exc:
        if not exc.violations:
            raise
        violations = exc.violations
    findings = engine_findings(violations, locator, config)
    return Judged(findings, "judged by the engine: a preview with the policy pack")


def engine_findings(
    violations: Sequence[PolicyViolation], locator: Locator, config: PolicyConfig
) -> list[Finding]:
    """The engine's policy events as findings. The pack writes "<ID>: <description>", then one
    "[<ID>] <what is wrong>" line per finding; a violation of no known rule is an error, never
    dropped."""
    known = {r.id for r in load().rules}
    findings = []
    for v in violations:
        found = [(m[1], m[2].strip()) for m in _TAGGED.finditer(v.message) if m[1] in known]
        if not found:
            lead = v.message.split(":", 1)[0].strip()
            if lead not in known:
                raise RuntimeError(f"the engine reported a violation of no known rule: {v}")
            found = [(lead, v.message.split("\n", 1)[0])]
        findings += [_finding(rid, text, v.urn or "", locator, config) for rid, text in found]
    return findings


def _finding(
    rule_id: str, message: str, resource: str, locator: Locator, config: PolicyConfig
) -> Finding:
    rule = load()[rule_id]
    level: Level = "mandatory" if config.level(rule_id) == "mandatory" else "advisory"
    where: Location = locator.locate(rule_id, f"{message} {resource.rsplit('::', 1)[-1]}")
    return Finding("policy", rule_id, rule.name, level, rule.severity, message, where, resource)
