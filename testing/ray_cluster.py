"""A real Ray cluster on loopback for the `ray` tests and bench/scale.py: a head and (by default)
a second node, one CPU each, a 100 MB object store, fast failure detection, torn down by the
processes it started.

The cluster lives in a network namespace of its own that has only a loopback interface.
Ray replaces 127.0.0.1 by the machine's own interface address for much of its traffic
(`resolve_ip_for_localhost`), whatever `--node-ip-address` says; inside this namespace
there is no other address, so every byte stays on loopback. Whatever talks to the cluster
runs there too: commands through `command()`, in-process servers and Ray drivers inside
`entered()`."""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from optagent.models.llamacpp_server import free_port

RAY = Path(sys.executable).parent / "ray"
SMALL = ("--num-cpus=1", "--object-store-memory=100000000", "--node-ip-address=127.0.0.1", "--disable-usage-stats")
# A dead node is noticed in seconds instead of half a minute; not faster: on a busy 2-core
# machine a live node misses shorter health checks and is declared dead.
FAST = {
    "RAY_AUTH_MODE": "token",
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "2000",
    "RAY_health_check_failure_threshold": "4",
}


CLONE_NEWNET = 0x40000000


class LoopbackNetwork:
    """A network namespace with only `lo` up, held open by a sleeping process."""

    def __init__(self) -> None:
        script = "ip link set lo up && echo ready && exec sleep 86400"
        self.holder = subprocess.Popen(
            ["unshare", "--net", "--", "sh", "-c", script], stdout=subprocess.PIPE, text=True
        )
        assert self.holder.stdout is not None
        if self.holder.stdout.readline().strip() != "ready":
            raise RuntimeError("could not make a loopback-only network namespace (needs root and iproute2)")
        self.path = f"/proc/{self.holder.pid}/ns/net"

    def command(self, args: Sequence[str]) -> list[str]:
        return ["nsenter", f"--net={self.path}", "--", *map(str, args)]

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """The calling thread (and every thread or socket it creates meanwhile) in the namespace."""
        libc = ctypes.CDLL(None, use_errno=True)
        with open("/proc/thread-self/ns/net") as home, open(self.path) as inside:
            if libc.setns(inside.fileno(), CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the cluster's network namespace")
            try:
                yield
            finally:
                libc.setns(home.fileno(), CLONE_NEWNET)

    def close(self) -> None:
        if self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait()


class LocalCluster:
    def __init__(self, nodes: int = 2, cpus: int = 1) -> None:
        self.network = LoopbackNetwork()
        self.nodes = nodes
        self.small = (f"--num-cpus={cpus}", *SMALL[1:])
        self.port = free_port()
        self.second_manager_port = free_port()
        self.temp = Path(tempfile.mkdtemp(prefix="rayt", dir="/tmp"))  # short: Ray's socket paths have a limit
        # Its own token, never the user's ~/.ray, so it works on a fresh machine; one already named in
        # the environment is kept: Ray reads the path once per process (bench/scale.py starts several).
        token = Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or self.temp / "auth_token")
        if not token.exists():
            token.write_text(secrets.token_hex(32))
        self.env = {**os.environ, **FAST, "RAY_AUTH_TOKEN_PATH": str(token)}
        self.sessions: list[int] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> LocalCluster:
        head = [str(RAY), "start", "--head", f"--port={self.port}", "--include-dashboard=false", *self.small]
        second = [str(RAY), "start", f"--address={self.address}", f"--node-manager-port={self.second_manager_port}"]
        second += self.small
        for command in [head + [f"--temp-dir={self.temp}"], second][: self.nodes]:
            # Its own session: every process it leaves running (raylet, GCS, agents, workers) keeps
            # that session id, whatever title Ray gives it, so the teardown finds them all.
            starter = subprocess.Popen(
                self.network.command(command),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=self.env,
                start_new_session=True,
            )
            self.sessions.append(starter.pid)
            _, err = starter.communicate(timeout=120)
            if starter.returncode != 0:
                self.stop()
                raise RuntimeError(f"{' '.join(command)} failed: {err[-2000:]}")
        return self

    def pids(self) -> list[int]:
        """Every process of this cluster: those in the sessions of its `ray start` commands."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) in self.sessions and fields[0] != "Z":  # a zombie is gone, waiting to be reaped
                    found.append(int(entry.name))
        return found

    def second_raylet(self) -> int:
        for pid in self.pids():
            line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "raylet" in line.split(" ")[0] and f"--node_manager_port={self.second_manager_port}" in line:
                return pid
        raise RuntimeError("the second node's raylet is not running")

    def stop(self) -> None:
        for _ in range(20):
            pids = self.pids()
            if not pids:
                shutil.rmtree(self.temp, ignore_errors=True)
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        self.network.close()
