"""The monitor of one run: a process the zygote forks, which reads the run's request from
the caller's socket, runs it in a process tree (`_tree.Tree`) and sends the record back.

    caller ── RunRequest ──▶ monitor
    caller ◀── MonitorStarted ── (pid, for the caller's backstop) ── RunRecord | SandboxFailure

`park` builds the tree of a worker slot before any request (the zygote keeps one parked per
slot); `serve_fresh` builds one for a request in hand (runs that want network, or a slot
whose parked tree is gone).
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
from collections.abc import Callable
from typing import NoReturn

from optagent.solvers._tree import Tree
from optagent.solvers.targets import RunScope
from optagent.solvers.wire import MonitorStarted, RunRequest, SandboxFailure, json_line


def _read_request(conn: socket.socket) -> RunRequest:
    chunks: list[bytes] = []
    while not chunks or not chunks[-1].endswith(b"\n"):
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    return RunRequest.model_validate_json(b"".join(chunks))


def _serve(conn: socket.socket, tree_for: Callable[[RunRequest], Tree]) -> NoReturn:
    """Monitor one run from its request on `conn` to the record sent back on it."""
    try:
        request = _read_request(conn)
        conn.sendall(json_line(MonitorStarted(pid=os.getpid())))
        tree = tree_for(request)
        conn.sendall(json_line(tree.run(request)))
        tree.finish()
    except BaseException as error:  # the parent turns this into a result
        try:
            conn.sendall(json_line(SandboxFailure(error=f"{type(error).__name__}: {error}")))
        except OSError:
            pass
    finally:
        os._exit(0)


def serve_fresh(conn: socket.socket, scope: RunScope, base_isolation: list[str]) -> NoReturn:
    """Build a tree for the request on `conn` and run it."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)

    def tree_for(request: RunRequest) -> Tree:
        return Tree(request.slot, request.limits.network, scope, base_isolation, [conn.fileno()])

    _serve(conn, tree_for)


def park(channel: socket.socket, slot: int, scope: RunScope, base_isolation: list[str], warm: str | None) -> NoReturn:
    """Build a tree for `slot` (no network), wait for one run's socket on `channel`, serve it.

    Exits without serving when the zygote goes away or a process of the tree dies while
    parked; the zygote sees the exit and parks a new tree."""
    conn = None
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        tree = Tree(slot, False, scope, base_isolation, [channel.fileno()], warm)
        selector = selectors.DefaultSelector()
        selector.register(channel, selectors.EVENT_READ)
        for pidfd in tree.watch():
            selector.register(pidfd, selectors.EVENT_READ)
        while conn is None:
            ready = [key.fileobj for key, _ in selector.select()]
            if channel not in ready:
                break  # a process of the tree died while parked
            message, fds, _, _ = socket.recv_fds(channel, 64, 1)
            if not message:
                break  # the zygote is gone
            if fds:
                conn = socket.socket(fileno=fds[0])
        if conn is None:
            tree.discard()
    except BaseException:  # a tree that cannot be made is simply not parked
        os._exit(1)
    if conn is None:
        os._exit(0)
    channel.close()
    _serve(conn, lambda request: tree)
