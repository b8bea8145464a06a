"""`ClusterSandbox`: a `ProgramRunner` (the `Sandbox` interface) over one `SandboxNode` actor per Ray node.

A run waits at the driver for a free slot, then goes to the live node with the most free
slots (a node has one per CPU, or `--workers` each). A node whose actor dies (its machine or
its raylet is gone) is dropped and the runs it had in flight start again on another node;
the run's caller sees one result, so its sample is committed once. Only when every node is
gone does the run stop, with one line, keeping the log for a resume.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from optagent.core.errors import OptagentError
from optagent.core.types import ExecResult, Language, Limits
from optagent.evals.cluster.connect import Node, connect, live_nodes, ray_module


@dataclass
class NodeSlots:
    node: Node
    actor: Any
    slots: int
    name: str = ""
    busy: int = 0
    runs: int = 0
    exec_s: float = 0.0
    lost: str | None = None
    started: float = field(default_factory=time.monotonic)

    def rate(self) -> float:
        return self.runs / max(time.monotonic() - self.started, 1e-9)


class ClusterSandbox:
    def __init__(self, address: str, workers: int | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.address = address
        self.per_node = workers
        self.warn = warn or (lambda line: None)
        self.nodes: list[NodeSlots] = []
        self.resent = 0
        self._started_local = False
        self._changed: asyncio.Condition | None = None
        self._starting: asyncio.Lock | None = None

    @property
    def workers(self) -> int:
        return sum(n.slots for n in self.nodes if n.lost is None)

    async def start(self) -> None:
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:
            if self.nodes:
                return
            self._changed = asyncio.Condition()
            self._started_local = await asyncio.to_thread(connect, self.address)
            await self._place(await asyncio.to_thread(live_nodes))

    async def _place(self, nodes: list[Node]) -> None:
        ray = ray_module()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from optagent.evals.cluster.node import SandboxNode

        remote = ray.remote(SandboxNode)
        for node in nodes:
            count = self.per_node or node.cpus
            actor = remote.options(
                num_cpus=0,
                max_concurrency=4 * count + 4,
                max_restarts=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(node.id, soft=False),
            ).remote(count)
            self.nodes.append(NodeSlots(node=node, actor=actor, slots=count))
        names = await asyncio.gather(*(n.actor.start.remote() for n in self.nodes), return_exceptions=True)
        for slots, name in zip(self.nodes, names, strict=True):
            if isinstance(name, BaseException):
                self._lose(slots, f"its sandbox did not start ({type(name).__name__}: {str(name).splitlines()[0]})")
            else:
                slots.name = f"{name}-{slots.node.id[:6]}"  # several nodes may share a host and an address
                slots.started = time.monotonic()
        if not any(n.lost is None for n in self.nodes):
            raise OptagentError(f"no Ray node could start a sandbox at {self.address}; see the warnings above")

    def _lose(self, slots: NodeSlots, why: str) -> None:
        if slots.lost is not None:
            return
        slots.lost = why
        self.warn(
            f"Ray node {slots.name or slots.node.id[:6]} is gone ({why}); its {slots.busy} runs in flight "
            "run again on the other nodes"
        )
        ray_module().kill(slots.actor, no_restart=True)

    async def _acquire(self) -> NodeSlots:
        assert self._changed is not None
        async with self._changed:
            while True:
                live = [n for n in self.nodes if n.lost is None]
                if not live:
                    raise OptagentError(
                        f"every node of the Ray cluster at {self.address} is gone; what was committed is kept: "
                        "run the same command again to resume"
                    )
                best = max(live, key=lambda n: n.slots - n.busy)
                if best.busy < best.slots:
                    best.busy += 1
                    return best
                await self._changed.wait()

    async def _release(self, slots: NodeSlots) -> None:
        assert self._changed is not None
        slots.busy -= 1
        async with self._changed:
            self._changed.notify_all()

    async def run(
        self,
        code: str | bytes,
        language: Language = Language.PYTHON,
        limits: Limits | None = None,
        files: dict[str, bytes] | None = None,
    ) -> ExecResult:
        await self.start()
        ray = ray_module()
        queued = time.monotonic()
        while True:
            slots = await self._acquire()
            waited = time.monotonic() - queued
            try:
                result: ExecResult = await slots.actor.run.remote(code, language, limits, files)
            except ray.exceptions.RayActorError as error:
                self._lose(slots, type(error).__name__)
                self.resent += 1
                continue
            finally:
                await self._release(slots)
            slots.runs += 1
            slots.exec_s += result.timings.wall_s
            result.timings.queued_s += waited
            return result

    def display(self) -> str:
        """Per node: runs per second, or why it is gone; for the live progress line."""
        return "  ".join(
            f"{n.name or n.node.id[:6]} " + (f"{n.rate():.1f}/s" if n.lost is None else "gone") for n in self.nodes
        )

    def summary(self) -> dict[str, Any]:
        """What each node did, for the run directory's cluster.json."""
        return {
            "address": self.address,
            "resent_runs": self.resent,
            "nodes": [
                {"node": n.name or n.node.id[:6], "address": n.node.address, "slots": n.slots, "runs": n.runs, "exec_s": round(n.exec_s, 3),
                 "runs_per_s": round(n.rate(), 3), "lost": n.lost}
                for n in self.nodes
            ],
        }  # fmt: skip

    async def close(self) -> None:
        if not self.nodes:
            return
        ray = ray_module()
        live = [n for n in self.nodes if n.lost is None]
        await asyncio.gather(*(n.actor.close.remote() for n in live), return_exceptions=True)
        for n in live:
            ray.kill(n.actor, no_restart=True)
        if self._started_local:
            ray.shutdown()
