"""Serving a model for optagent: the `vllm serve` command a model family needs, and a wait
for its health endpoint.

The flags come from the family's profile (`models/profiles.py`: the reasoning parser
of reasoning models, a context length where the card asks for one), then the user's
options, which win over the profile. The model is served under its own name
(`--served-model-name`), so the spec to use is `vllm/<MODEL>`. llama.cpp is started by
`models/llamacpp_server.py`, the one launcher of that server.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
from collections.abc import Sequence

from pydantic import BaseModel, Field

from optagent.core.errors import OptagentError
from optagent.models.llamacpp_server import poll_until_answers

VLLM_HINT = "pip install 'optagent[vllm]' on a machine with a CUDA GPU, or use --backend llamacpp --gguf FILE"


class VllmOptions(BaseModel):
    model: str
    host: str = "127.0.0.1"
    port: int = 8000
    tensor_parallel_size: int | None = None
    data_parallel_size: int = 1
    gpu_memory_utilization: float | None = None
    max_model_len: int | None = None
    chat_template: str | None = None


def _without(flags: Sequence[str], names: set[str]) -> list[str]:
    """`flags` minus each `--name value` pair whose name is in `names`."""
    kept: list[str] = []
    skip = False
    for flag in flags:
        if skip:
            skip = False
            continue
        if flag in names:
            skip = True
            continue
        kept.append(flag)
    return kept


def vllm_command(options: VllmOptions) -> list[str]:
    """`vllm serve MODEL ...` with the profile's flags and the user's options (which win)."""
    from optagent.models.profiles import find_profile

    profile = find_profile(options.model)
    mine: list[str] = []
    if options.tensor_parallel_size is not None:
        mine += ["--tensor-parallel-size", str(options.tensor_parallel_size)]
    if options.gpu_memory_utilization is not None:
        mine += ["--gpu-memory-utilization", f"{options.gpu_memory_utilization:g}"]
    if options.max_model_len is not None:
        mine += ["--max-model-len", str(options.max_model_len)]
    if options.chat_template is not None:
        mine += ["--chat-template", options.chat_template]
    overridden = {flag for flag in mine if flag.startswith("--")}
    profile_flags = _without(profile.serve_flags, overridden) if profile else []
    return [
        "vllm",
        "serve",
        options.model,
        "--host",
        options.host,
        "--port",
        str(options.port),
        "--served-model-name",
        options.model,
        *profile_flags,
        *mine,
    ]


class Replica(BaseModel):
    """One data-parallel replica: its own `vllm serve` on its own port and GPUs."""

    command: list[str]
    port: int
    gpus: str | None = Field(default=None, description="CUDA_VISIBLE_DEVICES; None: all (one replica)")

    def base_url(self, host: str) -> str:
        return f"http://{host}:{self.port}/v1"


def replicas(options: VllmOptions) -> list[Replica]:
    """`--data-parallel-size N`: N independent servers, replica r on port+r with GPUs
    r*tp ... r*tp+tp-1, each a whole copy of the model; optagent's client spreads the
    requests over them (`--base-url` with every replica's URL)."""
    if options.data_parallel_size == 1:
        return [Replica(command=vllm_command(options), port=options.port)]
    tp = options.tensor_parallel_size or 1
    made = []
    for rank in range(options.data_parallel_size):
        port = options.port + rank
        gpus = ",".join(str(gpu) for gpu in range(rank * tp, rank * tp + tp))
        made.append(Replica(command=vllm_command(options.model_copy(update={"port": port})), port=port, gpus=gpus))
    return made


def check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OptagentError(f"port {port} on {host} is busy ({error.strerror}); pass another --port") from None


def check_vllm_runnable() -> None:
    """vLLM installed and a CUDA GPU visible, or one line saying which is missing."""
    if importlib.util.find_spec("vllm") is None or shutil.which("vllm") is None:
        raise OptagentError(f"vLLM is not installed; {VLLM_HINT}")
    smi = shutil.which("nvidia-smi")
    listed = subprocess.run([smi, "-L"], capture_output=True, text=True, check=False).stdout if smi else ""
    if "GPU" not in listed:
        raise OptagentError(
            f"no CUDA GPU is visible (nvidia-smi lists none), and vLLM needs one; {VLLM_HINT.split(', or ')[1]}"
        )


def wait_healthy(process: subprocess.Popen[bytes], base: str, timeout_s: float) -> None:
    """Poll `GET /health` until it answers 200; one clear line if the server dies or is slow."""
    outcome = poll_until_answers(process, f"{base}/health", timeout_s, interval_s=1.0)
    if outcome == "answered":
        return
    if outcome == "exited":
        raise OptagentError(
            f"vllm serve exited with code {process.returncode} before it was healthy; its output above says why"
        )
    raise OptagentError(
        f"vllm serve did not become healthy at {base}/health within {timeout_s:g}s; raise --startup-timeout (downloads take long)"
    )
