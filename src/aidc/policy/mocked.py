"""A program's registrations under Pulumi's mocks, handed to the rules as each place that
judges them sees them:

- `up`: the provider's outputs (the mocks' state), ids known, property dependencies (the pack
  during `pulumi up`, and a preview of resources that already exist);
- `preview`: inputs only, ids unknown, every value computed from another resource's outputs
  unknown (`UNKNOWN`), property dependencies (the pack during the first `pulumi preview`);
- `audit`: outputs and ids, no dependencies (the runtime audit, which reads AWS).

The corpus tests judge all three; `aidc check` judges `preview`, what the pack sees when the
engine previews a new stack. The recording monitor of `aidc.mocks` keeps inputs only; `record`
adds each registration's id, property dependencies and provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aidc import mocks
from aidc.policy.registry import UNKNOWN, Res

View = Literal["up", "preview", "audit"]
VIEWS: tuple[View, ...] = ("up", "preview", "audit")
EMBEDDED = 8


@dataclass(frozen=True)
class Recorded:
    type: str
    name: str
    urn: str
    id: str
    inputs: dict[str, Any]
    deps: dict[str, tuple[str, ...]] = field(default_factory=dict)
    provider: str = ""

    @property
    def outputs(self) -> dict[str, Any]:
        return mocks.fake_state(self.type, self.name, self.inputs)


def record(
    program: Callable[[], None], config: dict[str, str] | None = None, stack: str = "test"
) -> list[Recorded]:
    extra: dict[str, tuple[str, dict[str, tuple[str, ...]], str]] = {}

    class Capturing(mocks.RecordingMonitor):
        def RegisterResource(self, request: Any) -> Any:
            response = super().RegisterResource(request)
            deps = {k: tuple(v.urns) for k, v in request.propertyDependencies.items() if v.urns}
            provider = str(request.provider or "").rsplit("::", 1)[0]
            extra[response.urn] = (str(response.id or ""), deps, provider)
            return response

    run = mocks.run_program(program, config=config, stack=stack, monitor_type=Capturing)
    out = []
    for r in run.resources:
        rid, deps, provider = extra.get(r.urn, ("", {}, ""))
        out.append(Recorded(r.type, r.name, r.urn, rid, dict(r.inputs), deps, provider))
    return out


def _computed(r: Recorded) -> set[str]:
    """What only exists once the resource does: its id and the outputs it was not given."""
    found = {r.id} if r.id else set()
    found.update(v for k, v in r.outputs.items() if k not in r.inputs and isinstance(v, str) and v)
    return found


def _mask(value: Any, computed: set[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _mask(v, computed) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v, computed) for v in value]
    # Ids and ARNs may be embedded (a policy document, "arn/*"); short names only as a whole.
    if isinstance(value, str) and any(
        value == c or (len(c) >= EMBEDDED and c in value) for c in computed
    ):
        return UNKNOWN
    return value


SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")


def unsecret(value: Any) -> Any:
    """Secrets as the policy SDK hands them to policies: plain values."""
    if isinstance(value, Mapping):
        if value.get(SECRET_SIG[0]) == SECRET_SIG[1]:
            return unsecret(value.get("value"))
        return {k: unsecret(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unsecret(v) for v in value]
    return value


def view(recorded: list[Recorded], how: View) -> list[Res]:
    """The registrations as rules see them in one place (see the module's docstring)."""
    recorded = [
        Recorded(r.type, r.name, r.urn, r.id, unsecret(r.inputs), r.deps, r.provider)
        for r in recorded
    ]
    by_urn = {r.urn: r for r in recorded}
    out = []
    for r in recorded:
        if how == "preview":
            props: dict[str, Any] = {}
            for key, value in r.inputs.items():
                computed = set().union(
                    *(_computed(by_urn[u]) for u in r.deps.get(key, ()) if u in by_urn)
                )
                props[key] = _mask(value, computed) if computed else value
            out.append(Res(r.type, r.name, props, r.urn, "", r.deps, r.provider))
        elif how == "up":
            out.append(Res(r.type, r.name, r.outputs, r.urn, r.id, r.deps, r.provider))
        else:
            out.append(Res(r.type, r.name, r.outputs, r.urn, r.id, {}, r.provider))
    return out


def with_spec(spec: Mapping[str, Any] | None, policy_config: Mapping[str, Any]) -> dict[str, Any]:
    """Policy settings as the pack builds them: the stack's spec (declared egress, Ceph pools)
    over the policy config."""
    cfg = dict(policy_config)
    if spec is not None:
        cfg["aidc:cluster"] = dict(spec)
        cfg["declared_egress_cidrs"] = list(cfg.get("declared_egress_cidrs", [])) + [
            str(c) for c in (spec.get("firewall") or {}).get("egress_cidrs") or []
        ]
    return cfg
