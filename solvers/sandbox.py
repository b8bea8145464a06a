"""Run untrusted solver programs fast and safely, and say exactly what happened.

`Sandbox` owns a zygote process (`_zygote.py`) that imported and warmed every solver once;
each run is a fresh process tree forked from it (`_monitor.py`, `_tree.py`), so a run
costs milliseconds instead of a cold Python start, yet still gets its own namespaces, uid,
limits and temporary directory. What crosses between the processes is typed (`wire.py`). Concurrency is bounded by a queue of `workers` slots; each slot has
its own unprivileged uid, so the process cap (RLIMIT_NPROC) applies per run.

`run` never raises for anything the program does; only a sandbox that cannot start at all
raises (OptagentError).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Self

from pydantic import ValidationError

from optagent.core.errors import OptagentError
from optagent.core.types import ExecResult, Language, Limits, SolutionStatus, Termination, Timings
from optagent.solvers.wire import (
    MONITOR_END,
    HandOver,
    MonitorStarted,
    RunRecord,
    RunRequest,
    SandboxFailure,
    ZygoteReady,
    json_line,
)

_START_TIMEOUT_S = 120.0
_BACKSTOP_S = 10.0
_MEMORY_MARKERS = ("bad_alloc", "out of memory", "cannot allocate memory", "memoryerror")


class Sandbox:
    """A pool of isolated runs on top of one pre-forked zygote; use as `async with`."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._slots: asyncio.Queue[int] | None = None
        self._zygote: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._starting: asyncio.Lock | None = None
        self._last_target: str | None = None
        self._waiting = 0
        self._zygote_log = tempfile.TemporaryFile()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        if self._slots is None:
            self._slots = asyncio.Queue()
            for slot in range(self.workers):
                self._slots.put_nowait(slot)
            self._starting = asyncio.Lock()
        async with self._starting:  # type: ignore[union-attr]
            if self._zygote is None or self._zygote.poll() is not None:
                await self._spawn_zygote()

    @property
    def zygote_pid(self) -> int | None:
        return self._zygote.pid if self._zygote else None

    async def _spawn_zygote(self) -> None:
        self._shutdown_zygote()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {key: value for key, value in os.environ.items() if not _is_secret(key)}
        env["MALLOC_ARENA_MAX"] = "2"  # fewer 64 MB arena reservations under RLIMIT_AS
        self._zygote = subprocess.Popen(
            [sys.executable, "-m", "optagent.solvers._zygote", str(theirs.fileno()), str(self.workers)],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._zygote_log,
            env=env,
            start_new_session=True,
        )
        theirs.close()
        ours.setblocking(False)
        loop = asyncio.get_running_loop()
        try:
            ZygoteReady.model_validate_json(await asyncio.wait_for(loop.sock_recv(ours, 4096), _START_TIMEOUT_S))
            ready = True
        except (TimeoutError, OSError, ValidationError):
            ready = False
        if not ready:
            stderr = self._shutdown_zygote(ours)
            raise OptagentError(
                f"the sandbox could not start its worker: {stderr or 'no reply'}; check the solver installation"
            )
        self._control = ours

    def _shutdown_zygote(self, control: socket.socket | None = None) -> str:
        control = control or self._control
        if control is not None:
            control.close()
        self._control = None
        stderr = ""
        if self._zygote is not None:
            if self._zygote.poll() is None:
                self._zygote.kill()
            self._zygote.wait()
            self._zygote = None
            self._zygote_log.seek(0)
            lines = self._zygote_log.read().decode("utf-8", "replace").strip().splitlines()
            stderr = lines[-1] if lines else ""
            self._zygote_log.seek(0)
            self._zygote_log.truncate()
        return stderr

    async def close(self) -> None:
        self._shutdown_zygote()

    async def run(
        self,
        code: str | bytes,
        language: Language = Language.PYTHON,
        limits: Limits | None = None,
        files: dict[str, bytes] | None = None,
    ) -> ExecResult:
        limits = limits or Limits()
        checked = _check_input(code, files)
        if isinstance(checked, ExecResult):
            return checked
        code = checked
        await self.start()
        assert self._slots is not None
        queued = time.monotonic()
        self._waiting += 1
        try:
            slot = await self._slots.get()
        finally:
            self._waiting -= 1
        try:
            queued_s = time.monotonic() - queued
            request = RunRequest(code=code, language=language, limits=limits, files=files or {}, slot=slot)
            record = await self._exchange(request)
        finally:
            self._slots.put_nowait(slot)
        target = record.report.target if isinstance(record, RunRecord) and record.report else None
        if target is not None and target.isidentifier():
            self._last_target = target
        result = build_result(record, limits)
        result.timings.queued_s = queued_s
        return result

    async def _exchange(self, request: RunRequest) -> RunRecord | SandboxFailure:
        for _ in range(2):
            record = await self._exchange_once(request)
            if record is not None:
                return record
            if self._zygote is None or self._zygote.poll() is not None:
                self._shutdown_zygote()  # the zygote died holding our run: restart and resend
            # else a parked monitor died holding it; the zygote has replaced it: resend
        return SandboxFailure(error="the sandbox worker died twice before starting the run")

    async def _exchange_once(self, request: RunRequest) -> RunRecord | SandboxFailure | None:
        """The monitor's record, or None when no monitor ever picked the run up."""
        ours, theirs = socket.socketpair()
        try:
            await self._hand_over(theirs, request.slot, request.limits.network)
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours, limit=1 << 30)
        monitor_pid = None
        died = SandboxFailure(error="the run's monitor process died before reporting")
        try:
            writer.write(json_line(request))
            await writer.drain()
            async with asyncio.timeout(request.limits.timeout_s + _BACKSTOP_S):
                first = await reader.readline()
                if not first:
                    return None
                monitor_pid = _monitor_pid(first)
                last = await reader.readline()
                if last:
                    return MONITOR_END.validate_json(last)
            return died
        except ConnectionError:
            if monitor_pid is None:
                return None
            return died
        except TimeoutError:
            if monitor_pid:
                _kill(monitor_pid)
            return SandboxFailure(error="the run's monitor did not report in time and was killed")
        finally:
            writer.close()

    def _warm_for(self) -> str | None:
        """The target the next parked tree should warm up for, or None.

        Only when no run waits for a slot: a warm-up takes a run's first-solve cost off its
        critical path but adds a few ms of CPU, which a saturated pool (an eval on two
        cores) cannot spare, while an idle moment (a chat, one run at a time) hides it.
        """
        return self._last_target if self._waiting == 0 else None

    async def _hand_over(self, run_socket: socket.socket, slot: int, network: bool) -> None:
        """Give the zygote one run's socket; restart the zygote once if it died."""
        for attempt in range(2):
            if self._control is None or self._zygote is None or self._zygote.poll() is not None:
                await self.start()
            assert self._control is not None
            try:
                message = HandOver(slot=slot, network=network, warm=self._warm_for())
                socket.send_fds(self._control, [message.model_dump_json().encode()], [run_socket.fileno()])
                return
            except OSError:
                if attempt:
                    raise OptagentError("the sandbox worker keeps dying; see the solver installation") from None
                self._shutdown_zygote()


def run_sync(
    code: str | bytes,
    language: Language = Language.PYTHON,
    limits: Limits | None = None,
    files: dict[str, bytes] | None = None,
) -> ExecResult:
    """One run from synchronous code (the CLI): starts a one-slot sandbox and closes it."""

    async def once() -> ExecResult:
        async with Sandbox(workers=1) as sandbox:
            return await sandbox.run(code, language, limits, files)

    return asyncio.run(once())


def _is_secret(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")) or "PROXY" in upper


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _error(message: str) -> ExecResult:
    return ExecResult(termination=Termination.ERROR, error=message)


def _check_input(code: str | bytes, files: dict[str, bytes] | None) -> str | ExecResult:
    """The program text, or the error result for input that cannot be a program at all."""
    if isinstance(code, bytes):
        try:
            code = code.decode("utf-8")
        except UnicodeDecodeError as error:
            return _error(
                f"the program is not UTF-8 text (byte 0x{code[error.start]:02x} at offset {error.start}); save it as UTF-8"
            )
    if not code.strip():
        return _error("the program is empty; give it a model to run")
    for name in files or {}:
        if os.path.basename(name) != name or name in ("", ".", ".."):
            return _error(f"file name '{name}' must be a plain name without directories")
    return code


def _monitor_pid(first: bytes) -> int | None:
    """The pid a monitor's first line names; None when the line is something else."""
    try:
        return MonitorStarted.model_validate_json(first).pid
    except ValidationError:
        return None


def _signal_name(number: int) -> str:
    try:
        return f"{signal.Signals(number).name} ({signal.strsignal(number)})"
    except ValueError:
        return f"signal {number}"


def build_result(record: RunRecord | SandboxFailure, limits: Limits) -> ExecResult:
    """Turn the monitor's record into an ExecResult: termination first, then the solution."""
    if isinstance(record, SandboxFailure):
        return ExecResult(termination=Termination.KILLED, error=record.error)
    report = record.report
    stderr = record.stderr
    status = record.wait_status
    exit_code = os.waitstatus_to_exitcode(status)
    termination, error = Termination.OK, report.error if report else None
    if record.timed_out:
        termination, error = Termination.TIMEOUT, f"wall-clock limit of {limits.timeout_s:g} s exceeded"
    elif os.WIFSIGNALED(status):
        signal_number = os.WTERMSIG(status)
        if signal_number == signal.SIGXCPU or (limits.cpu_s and record.cpu_s >= limits.cpu_s):
            termination, error = Termination.TIMEOUT, f"CPU-time limit of {limits.cpu_s:g} s exceeded"
        elif any(marker in stderr.lower() for marker in _MEMORY_MARKERS):
            termination, error = Termination.MEMORY, f"out of memory (limit {limits.memory_mb} MB)"
        else:
            termination, error = Termination.KILLED, f"killed by {_signal_name(signal_number)}"
    elif report and report.error_type == "MemoryError":
        termination, error = Termination.MEMORY, f"MemoryError: out of memory (limit {limits.memory_mb} MB)"
    elif error or exit_code != 0:
        termination = Termination.ERROR
        if not report:
            error = f"the program ended with exit code {exit_code} before the sandbox could read it (os._exit or a native crash)"
    reading = report.reading if report else None
    stdout = record.stdout
    return ExecResult(
        termination=termination,
        solution_status=reading.status if reading else SolutionStatus.UNKNOWN,
        objective=reading.objective if reading else None,
        values=reading.values if reading else {},
        solver=reading.solver if reading else None,
        printed_json=parse_printed_json(stdout),
        stdout=stdout,
        stderr=stderr,
        output_truncated=record.output_truncated,
        error=error,
        error_line=report.error_line if report else None,
        traceback=report.traceback if report else None,
        exit_code=exit_code,
        isolation=record.isolation,
        isolation_missing=record.isolation_missing,
        timings=Timings(wall_s=record.wall_s, cpu_s=record.cpu_s),
    )


def parse_printed_json(stdout: str) -> dict[str, Any] | None:
    """The last stdout line that is a JSON object, else the text from the first `{` to the
    last `}` (CP-Bench's rule)."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    start, end = stdout.find("{"), stdout.rfind("}")
    if 0 <= start < end:
        try:
            value = json.loads(stdout[start : end + 1])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    return None
