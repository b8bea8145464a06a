"""`optagent serve`: start a model server (vLLM on a GPU, llama.cpp on a laptop) and say how
to use it."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from optagent.core.errors import OptagentError

if TYPE_CHECKING:
    from optagent.app.serve import VllmOptions


def _announce(base_url: str, spec: str) -> None:
    typer.echo(f"serving at {base_url}")
    typer.echo(f"use: --model {spec} --base-url {base_url}")


def _serve_llamacpp(
    model: str | None, gguf: Path | None, host: str, port: int, max_model_len: int | None, dry_run: bool
) -> None:
    from optagent.app.serve import check_port_free
    from optagent.models.llamacpp_server import LlamaCppServer, smollm2_gguf

    if gguf is not None and not gguf.is_file():
        raise OptagentError(f"--gguf {gguf} does not exist; pass the path of a .gguf model file")
    path = gguf or smollm2_gguf()
    alias = model or path.stem
    server = LlamaCppServer(
        path, alias=alias, host=host, port=port, n_ctx=max_model_len or 4096, startup_timeout_s=300.0
    )
    if dry_run:
        typer.echo(shlex.join(server.command()))
        return
    check_port_free(host, port)
    server.start()
    _announce(server.base_url, f"llamacpp/{alias}")
    # SIGTERM (a job scheduler, `kill`) goes through `finally` too: the server child would
    # otherwise wait out its open requests (uvicorn's graceful shutdown) after this process died.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _serve_vllm(options: VllmOptions, dry_run: bool, startup_timeout: float) -> None:
    import os

    from optagent.app.serve import check_port_free, check_vllm_runnable, replicas, wait_healthy

    planned = replicas(options)
    urls = ",".join(replica.base_url(options.host) for replica in planned)
    if dry_run:
        for replica in planned:
            prefix = f"CUDA_VISIBLE_DEVICES={replica.gpus} " if replica.gpus is not None else ""
            typer.echo(prefix + shlex.join(replica.command))
        if len(planned) > 1:
            typer.echo(f"use: --model vllm/{options.model} --base-url {urls}")
        return
    check_vllm_runnable()
    for replica in planned:
        check_port_free(options.host, replica.port)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for replica in planned:
            env = {**os.environ, "CUDA_VISIBLE_DEVICES": replica.gpus} if replica.gpus is not None else None
            processes.append(subprocess.Popen(replica.command, env=env))
        for replica, process in zip(planned, processes, strict=True):
            wait_healthy(process, f"http://{options.host}:{replica.port}", startup_timeout)
        _announce(urls, f"vllm/{options.model}")
        processes[0].wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def serve_command(
    model: Annotated[
        str | None,
        typer.Argument(help="Hugging Face model id for vLLM (e.g. Qwen/Qwen3-8B); for llama.cpp, the served name"),
    ] = None,
    backend: Annotated[str, typer.Option(help="vllm (CUDA GPU) or llamacpp (CPU, a GGUF file)")] = "vllm",
    gguf: Annotated[
        Path | None, typer.Option(help="llamacpp: the .gguf model file (default: the packaged SmolLM2-135M)")
    ] = None,
    host: Annotated[str, typer.Option(help="address to serve on")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="port (default: 8000 for vLLM, 8080 for llama.cpp)")] = None,
    tensor_parallel_size: Annotated[int | None, typer.Option(help="vllm: GPUs to shard the model over")] = None,
    data_parallel_size: Annotated[
        int,
        typer.Option(help="vllm: replicas of the model, each on its own port and GPUs; prints the --base-url list"),
    ] = 1,
    gpu_memory_utilization: Annotated[float | None, typer.Option(help="vllm: share of GPU memory to use, 0-1")] = None,
    max_model_len: Annotated[int | None, typer.Option(help="context length in tokens")] = None,
    chat_template: Annotated[
        str | None, typer.Option(help="vllm: a chat template file, for models without one")
    ] = None,
    startup_timeout: Annotated[
        float, typer.Option(help="vllm: seconds to wait for health (includes the download)")
    ] = 1800.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the server command and exit")] = False,
) -> None:
    """Start a model server and print the base URL and the --model spec to use with it."""
    if backend not in ("vllm", "llamacpp"):
        raise OptagentError(f"unknown --backend '{backend}'; choose vllm or llamacpp")
    if port is not None and not 1 <= port <= 65535:
        raise OptagentError(f"--port {port} is not a port number; use 1-65535")
    if gpu_memory_utilization is not None and not 0 < gpu_memory_utilization <= 1:
        raise OptagentError(f"--gpu-memory-utilization {gpu_memory_utilization} is not a share; use a number in (0, 1]")
    if tensor_parallel_size is not None and tensor_parallel_size < 1:
        raise OptagentError(f"--tensor-parallel-size {tensor_parallel_size} must be 1 or more")
    if data_parallel_size < 1:
        raise OptagentError(f"--data-parallel-size {data_parallel_size} must be 1 or more")
    if max_model_len is not None and max_model_len < 256:
        raise OptagentError(f"--max-model-len {max_model_len} is too short for a modeling prompt; use 4096 or more")
    if backend == "llamacpp":
        _serve_llamacpp(model, gguf, host, port or 8080, max_model_len, dry_run)
        return
    if gguf is not None:
        raise OptagentError("--gguf is for --backend llamacpp; vLLM takes a Hugging Face model id")
    if not model:
        raise OptagentError("no model given; pass a Hugging Face model id, e.g. optagent serve Qwen/Qwen3-8B")
    from optagent.app.serve import VllmOptions

    options = VllmOptions(
        model=model,
        host=host,
        port=port or 8000,
        tensor_parallel_size=tensor_parallel_size,
        data_parallel_size=data_parallel_size,
        gpu_memory_utilization=gpu_memory_utilization,
        max_model_len=max_model_len,
        chat_template=chat_template,
    )
    _serve_vllm(options, dry_run, startup_timeout)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
