"""Which model does which job: one model for every role, with per-role overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from optagent.core.errors import OptagentError
from optagent.core.types import Role
from optagent.models.base import Model
from optagent.models.registry import NAMELESS, get_model, split_spec


def parse_role_options(values: Iterable[str]) -> dict[Role, str]:
    """CLI `--role judge=openai/gpt-4o-mini` strings to `{Role.JUDGE: "openai/gpt-4o-mini"}`."""
    overrides: dict[Role, str] = {}
    names = ", ".join(r.value for r in Role)
    for value in values:
        role_name, sep, spec = value.partition("=")
        if not sep or not spec.strip():
            raise OptagentError(f"--role '{value}' is not ROLE=SPEC; write e.g. --role judge=openai/gpt-4o-mini")
        try:
            overrides[Role(role_name.strip().lower())] = spec.strip()
        except ValueError:
            raise OptagentError(f"unknown role '{role_name}' in --role {value}; roles are {names}") from None
    return overrides


def model_for(spec: str, base_url: str | list[str] | None = None, **options: Any) -> Model:
    """`get_model(spec, **options)`, pointed at `base_url` (one URL or several replicas) when
    the provider talks to a server; `mock` and `replay` need none."""
    if base_url and split_spec(spec)[0] not in NAMELESS:
        options["base_url"] = base_url
    return get_model(spec, **options)


class ModelRoles:
    """`roles[Role.JUDGE]` is the judge's model; roles without an override use the default.

    Each role gets a view of the model recording that role in its `CallRecord`s; views of
    one spec share connections (and, for `mock`, the scripted replies).
    """

    def __init__(self, default: Model, overrides: Mapping[Role, Model] | Mapping[str, Model] | None = None) -> None:
        self.default = default
        self._models = {role: default.with_role(role) for role in Role}
        for role, model in (overrides or {}).items():
            self._models[Role(role)] = model.with_role(Role(role))

    @classmethod
    def from_specs(
        cls,
        model: str,
        overrides: Mapping[Role, str] | Mapping[str, str] | None = None,
        *,
        base_url: str | list[str] | None = None,
        **options: Any,
    ) -> ModelRoles:
        """Build from specs; one model per distinct spec, `options` passed to each and
        `base_url` (one URL or several replicas) to those talking to a server."""
        made: dict[str, Model] = {}

        def build(spec: str) -> Model:
            if spec not in made:
                made[spec] = model_for(spec, base_url, **options)
            return made[spec]

        try:
            role_overrides = {Role(role): spec for role, spec in (overrides or {}).items()}
        except ValueError as error:
            raise OptagentError(f"{error}; roles are {', '.join(r.value for r in Role)}") from None
        return cls(build(model), {role: build(spec) for role, spec in role_overrides.items()})

    def __getitem__(self, role: Role | str) -> Model:
        return self._models[Role(role)]

    def specs(self) -> dict[str, str]:
        """Role name -> spec, for the run header."""
        return {role.value: model.spec for role, model in self._models.items()}

    def for_sample(self, problem_id: str, sample: int = 0) -> ModelRoles:
        """Every role's model bound to one (problem, sample), as `replay` needs."""
        bound = ModelRoles(self.default.for_sample(problem_id, sample))
        bound._models = {role: model.for_sample(problem_id, sample) for role, model in self._models.items()}
        return bound
