"""The per-node actor: a started `Sandbox` with one slot per CPU of its node.

Each run is the sandbox's own (its isolation, limits and result); only the program text,
its limits and files go to the node, and the `ExecResult` comes back.
"""

from __future__ import annotations

import socket

from optagent.core.types import ExecResult, Language, Limits
from optagent.solvers.sandbox import Sandbox


class SandboxNode:
    def __init__(self, workers: int) -> None:
        self.sandbox = Sandbox(workers=workers)

    async def start(self) -> str:
        await self.sandbox.start()
        return socket.gethostname()

    async def run(
        self, code: str | bytes, language: Language, limits: Limits | None, files: dict[str, bytes] | None
    ) -> ExecResult:
        return await self.sandbox.run(code, language, limits, files)

    async def close(self) -> None:
        await self.sandbox.close()
