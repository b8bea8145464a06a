"""Joining a Ray cluster (`auto`, `ray://host:10001`, `HOST:PORT`) or starting one for the run
(`local`), and listing its live nodes; every failure is one line saying what to do."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

from optagent.core.errors import OptagentError

RAY_HINT = "pip install 'optagent[ray]' on the driver and on every node"
LOCAL = "local"


def ray_module() -> Any:
    try:
        import ray
    except ImportError:
        raise OptagentError(f"--ray needs Ray, which is not installed; {RAY_HINT}") from None
    return ray


def connect(address: str) -> bool:
    """Connect this process to the cluster; True when it started a local one for the run."""
    ray = ray_module()
    if ray.is_initialized():
        return False
    _check_reachable(address)
    options: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
    try:
        if address == LOCAL:
            ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, _node_ip_address="127.0.0.1", **options)
            return True
        if _on_loopback(address):  # a driver on the head's machine: keep Ray's traffic on loopback
            options["_node_ip_address"] = "127.0.0.1"
        ray.init(address=address, **options)
    except ImportError as error:
        raise OptagentError(
            f"--ray {address}: the Ray client is not installed ({error}); pip install 'ray[client]' or run the "
            "command on the head node with --ray auto"
        ) from None
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise OptagentError(
            f"cannot join the Ray cluster at {address} ({str(error).splitlines()[0] if str(error) else error!r}); "
            "start one with `ray start --head`, pass --ray auto on a node of it, or --ray local for one on this machine"
        ) from None
    return False


def _on_loopback(address: str) -> bool:
    host = address.removeprefix("ray://").rpartition(":")[0]
    return host == "localhost" or host.startswith("127.") or host == "[::1]"


def _check_reachable(address: str) -> None:
    """A HOST:PORT that nothing listens on is refused at once (Ray itself retries for minutes)."""
    host, sep, port = address.rpartition(":")
    if address.startswith("ray://") or not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as error:
        raise OptagentError(
            f"cannot join the Ray cluster at {address}: nothing answers there ({error.strerror or error}); start "
            "the head with `ray start --head`, or pass --ray auto on a node of it, or --ray local"
        ) from None


@dataclass(frozen=True)
class Node:
    id: str
    address: str
    cpus: int


def live_nodes() -> list[Node]:
    """The cluster's live nodes that have CPUs, head first."""
    ray = ray_module()
    nodes = [
        Node(id=n["NodeID"], address=n["NodeManagerAddress"], cpus=int(n["Resources"].get("CPU", 0)))
        for n in ray.nodes()
        if n.get("Alive") and n["Resources"].get("CPU", 0) >= 1
    ]
    if not nodes:
        raise OptagentError("the Ray cluster has no live node with a CPU; start workers with `ray start --address ...`")
    return nodes
