"""Downloading benchmarks into a data directory from their public sources (`optagent data pull`).

Each download goes to a temporary file beside its destination, is checked to parse as the
benchmark it claims to be, and only then replaces the destination with one rename, so a cut
connection or a wrong file never leaves a broken benchmark behind or destroys a good one.

`--source URL` (or `OPTAGENT_DATA_SOURCE`) replaces the public source: a base URL laid out
like a data directory (`<URL>/optibench/OptiBench.json`, `<URL>/cpbench/problems.jsonl`),
or the direct URL of one file or `.tar.gz` archive.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from optagent.benchmarks.records import read_records
from optagent.benchmarks.registry import REGISTRY, DataSource, get_benchmark
from optagent.core.errors import OptagentError

SOURCE_ENV = "OPTAGENT_DATA_SOURCE"
_ARCHIVES = (".tar.gz", ".tgz")


@dataclass(frozen=True)
class Pulled:
    benchmark: str
    url: str
    path: Path
    problems: int


def source_url(benchmark: str, override: str | None = None) -> str:
    source = _source(benchmark)
    base = override or os.environ.get(SOURCE_ENV)
    if not base:
        return source.upstream
    if base.endswith((".json", ".jsonl", *_ARCHIVES)):
        return base
    return f"{base.rstrip('/')}/{source.mirror_path}"


def pull(benchmark: str, data_dir: Path, override: str | None = None, console: Console | None = None) -> Pulled:
    """Download `benchmark` into `data_dir`, replacing what was there only when the new copy is good."""
    source = _source(benchmark)
    url = source_url(benchmark, override)
    console = console or Console(stderr=True)
    folder = data_dir / source.mirror_path.split("/")[0]
    folder.mkdir(parents=True, exist_ok=True)
    if url.endswith(_ARCHIVES):
        with tempfile.TemporaryDirectory(dir=folder, prefix=".pull-") as scratch:
            archive = Path(scratch) / "archive.tar.gz"
            _download(url, archive, console)
            dataset = _extract_dataset(archive, Path(scratch) / "extracted", url)
            count = _count(source.benchmark, dataset, url)
            destination = folder / "dataset"
            _replace(dataset, destination)
        return Pulled(source.benchmark, url, destination, count)
    destination = data_dir / source.mirror_path
    handle, name = tempfile.mkstemp(dir=folder, prefix=f".{destination.name}.", suffix=destination.suffix)
    os.close(handle)
    partial = Path(name)
    try:
        _download(url, partial, console)
        try:
            _, broken = read_records(partial)
        except OptagentError as error:
            raise OptagentError(
                f"the file from {url} is not a benchmark file ({error}); nothing was replaced"
            ) from None
        if broken:
            raise OptagentError(f"the file from {url} is damaged ({broken[0].reason}); nothing was replaced, try again")
        count = _count(source.benchmark, partial, url)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return Pulled(source.benchmark, url, destination, count)


def _source(benchmark: str) -> DataSource:
    entry = REGISTRY.get(benchmark)
    if entry is None or entry.source is None:
        pullable = sorted(name for name, known in REGISTRY.items() if known.source is not None)
        raise OptagentError(f"no download source for '{benchmark}'; pullable: {', '.join(pullable)}")
    return entry.source


def _download(url: str, destination: Path, console: Console) -> None:
    import httpx

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=True,
    )
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=httpx.Timeout(30.0)) as response:
            if response.status_code != 200:
                raise OptagentError(f"{url} answered HTTP {response.status_code}; check the URL or pass --source URL")
            total = int(response.headers.get("content-length") or 0) or None
            with progress, destination.open("wb") as out:
                task = progress.add_task(PurePosixPath(url).name, total=total)
                for chunk in response.iter_bytes(1 << 16):
                    out.write(chunk)
                    progress.advance(task, len(chunk))
    except httpx.HTTPError as error:
        raise OptagentError(f"could not download {url} ({error}); check the network or pass --source URL") from None


def _extract_dataset(archive: Path, target: Path, url: str) -> Path:
    """The `dataset/` folder of a DCP-Bench-Open archive, extracted with tarfile's safe `data` filter."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers() if "dataset" in PurePosixPath(m.name).parts[:2]]
            if not members:
                raise OptagentError(f"the archive from {url} has no dataset/ folder; is it DCP-Bench-Open?")
            tar.extractall(target, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise OptagentError(f"the archive from {url} is damaged ({error}); nothing was replaced, try again") from None
    return next(path for path in target.rglob("dataset") if path.is_dir())


def _count(benchmark: str, path: Path, url: str) -> int:
    try:
        problems, _ = get_benchmark(benchmark).read(path)
    except OptagentError as error:
        raise OptagentError(f"the data from {url} is not {benchmark} data ({error}); nothing was replaced") from None
    if not problems:
        raise OptagentError(f"the data from {url} holds no {benchmark} problems; nothing was replaced")
    return len(problems)


def _replace(new: Path, destination: Path) -> None:
    """Swap a folder in with renames, so `destination` is always either the old or the new copy."""
    if not destination.exists():
        new.rename(destination)
        return
    old = destination.with_name(f".{destination.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    destination.rename(old)
    new.rename(destination)
    shutil.rmtree(old, ignore_errors=True)
