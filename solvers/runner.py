"""`ProgramRunner`: what the agent, the benchmarks and the jobs need of a sandbox.

The local `Sandbox` is one; `ClusterSandbox` (evals/cluster), which spreads the runs over
a Ray cluster, is another. Code that only runs programs takes a `ProgramRunner`, so either
can be handed to it.
"""

from __future__ import annotations

from typing import Protocol

from optagent.core.types import ExecResult, Language, Limits


class ProgramRunner(Protocol):
    async def run(
        self,
        code: str | bytes,
        language: Language = Language.PYTHON,
        limits: Limits | None = None,
        files: dict[str, bytes] | None = None,
    ) -> ExecResult:
        """Run one program in isolation; every failure is in the result, never raised."""
        ...
