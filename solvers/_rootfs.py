"""What a run can see of the file system: a root holding a read-only allowlist.

The zygote builds this root once, in its own mount namespace, and enters it with
`pivot_root`, detaching the old root:

    /usr, /bin, /lib*, /sbin       system binaries and libraries, solver binaries and data
                                   (MiniZinc's share folder, Gecode), read-only
    /etc/ld.so.*, localtime, ...   the few files the loader and the libraries read, and a
                                   passwd/group naming only root and the runs' uids
    /dev/null, zero, urandom       bound from the host; /dev/fd and stdio links into /proc
    the interpreter, its packages  bound at their own paths, wherever they live (a venv in a
    and optagent's folders         checkout, pyenv under /root, a CI clone under /tmp), read-only
    /tmp, /var/tmp, /dev/shm       tmpfs; each run lays its own private tmpfs over them
    /proc                          the zygote's; each run's program mounts its PID namespace's own

Nothing else exists there: not the caller's working directory, /home, /root, /mnt, /srv,
/opt, nor any other tree, so a program cannot read a `.env` or a key file by walking the
file system, whatever its permissions. Every run's mount namespace is a copy of this small
tree (cheaper to copy and to tear down than the host's), to which its monitor adds the
private tmpfs mounts (`mount_private_tmp`). Whatever the kernel refuses leaves the zygote
where it was, and every run reports `fs-allowlist` as missing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import site
import sys
from pathlib import Path

from optagent.solvers import _linux

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "alternatives")
DEVICES = ("null", "zero", "urandom")
DEVICE_LINKS = {
    "fd": "/proc/self/fd",
    "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1",
    "stderr": "/proc/self/fd/2",
}
TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
_STAGING = "/tmp"  # where the new root is assembled in the namespace, before pivot_root
_READ_ONLY = _linux.MS_REMOUNT | _linux.MS_BIND | _linux.MS_RDONLY | _linux.MS_NOSUID | _linux.MS_NODEV


@functools.cache
def code_paths() -> tuple[Path, ...]:
    """The outermost folders holding the interpreter, its packages and optagent's modules."""
    found = {sys.prefix, sys.base_prefix, os.path.dirname(sys.executable), *site.getsitepackages()}
    found |= {
        os.path.dirname(file)
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] == "optagent" and (file := getattr(module, "__file__", None))
    }
    paths = sorted({Path(p).resolve() for p in found if p and os.path.isdir(p)})
    return tuple(p for p in paths if not any(p != q and p.is_relative_to(q) for q in paths))


def allowlist() -> dict[str, str]:
    """Every host path the run's root holds, mapped to how it is placed there:
    `link` (a symbolic link with the host's target), `dir` or `file` (bound read-only),
    `device` (bound as is)."""
    entries: dict[str, str] = {}

    def add(path: str, kind_if_real: str) -> None:
        if os.path.islink(path):
            entries[path] = "link"
        elif os.path.isdir(path):
            entries[path] = "dir"
        elif os.path.exists(path):
            entries[path] = kind_if_real

    for path in SYSTEM_DIRS:
        add(path, "dir")
    for name in ETC_ENTRIES:
        add(f"/etc/{name}", "file")
    for name in DEVICES:
        add(f"/dev/{name}", "device")
    system = [Path(path) for path, kind in entries.items() if kind == "dir"]
    for code in code_paths():
        if not any(code.is_relative_to(parent) for parent in system):
            entries[str(code)] = "dir"
    return entries


def tmp_size_mb(file_size_mb: int | None) -> int:
    return max(64, 4 * (file_size_mb or 64))


def enter_allowlist_root(uids: list[int]) -> bool:
    """Unshare the mount namespace, build the root and `pivot_root` into it; False if refused.

    Sources are opened first and bound through `/proc/self/fd`, since the staging tmpfs
    lies over /tmp, where code may live."""
    try:
        _linux.unshare(_linux.CLONE_NEWNS)
        _linux.mount(None, "/", None, _linux.MS_REC | _linux.MS_PRIVATE)
    except OSError:
        return False
    entries = allowlist()
    handles = {path: os.open(path, os.O_PATH) for path, kind in entries.items() if kind != "link"}
    pivoted = False
    try:
        _linux.mount("tmpfs", _STAGING, "tmpfs", _linux.MS_NOSUID, "size=1m,mode=0755")
        root = Path(_STAGING)
        for name in ("proc", "dev", "etc"):
            (root / name).mkdir(mode=0o755)
        _linux.mount("proc", str(root / "proc"), "proc", _linux.MS_NOSUID | _linux.MS_NODEV | _linux.MS_NOEXEC)
        for directory in TMP_DIRS:
            place = root / directory.lstrip("/")
            place.mkdir(mode=0o755, parents=True, exist_ok=True)
            _linux.mount("tmpfs", str(place), "tmpfs", _linux.MS_NOSUID | _linux.MS_NODEV, "size=64m,mode=1777")
        for name, target in DEVICE_LINKS.items():
            (root / "dev" / name).symlink_to(target)
        _write_accounts(root / "etc", uids)
        for path, kind in sorted(entries.items()):  # parents before children
            _place(root / path.lstrip("/"), path, kind, handles.get(path))
        os.chdir(root)
        _linux.pivot_root(".", ".")
        pivoted = True
        _linux.umount(".")  # the old root, stacked on top of the new one by pivot_root
        os.chdir("/")
        _linux.mount(None, "/", None, _READ_ONLY)
    except OSError as error:
        if pivoted:  # half a root is no root: never go on with it
            raise RuntimeError(f"the sandbox root was entered but not completed ({error})") from error
        os.chdir("/")
        with contextlib.suppress(OSError):
            _linux.umount(_STAGING)  # the namespace is the zygote's own: the host is untouched
        return False
    finally:
        for handle in handles.values():
            os.close(handle)
    return True


def _place(place: Path, source: str, kind: str, handle: int | None) -> None:
    place.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    if kind == "link":
        place.symlink_to(os.readlink(source))
        return
    if kind == "dir":
        place.mkdir(mode=0o755, exist_ok=True)
    else:
        place.touch(mode=0o644)
    _linux.mount(f"/proc/self/fd/{handle}", str(place), None, _linux.MS_BIND | _linux.MS_REC)
    if kind != "device":
        _linux.mount(None, str(place), None, _READ_ONLY)


def _write_accounts(etc: Path, uids: list[int]) -> None:
    """Only root and the runs' uids exist: no host user names or home folders."""
    users = ["root:x:0:0:root:/:/usr/sbin/nologin"]
    groups = ["root:x:0:"]
    for uid in uids:
        users.append(f"run{uid}:x:{uid}:{uid}:optagent run:/tmp/run:/usr/sbin/nologin")
        groups.append(f"run{uid}:x:{uid}:")
    (etc / "passwd").write_text("\n".join(users) + "\n")
    (etc / "group").write_text("\n".join(groups) + "\n")


def mount_private_tmp(size_mb: int) -> bool:
    """A run's own small tmpfs on /tmp, /var/tmp and /dev/shm, with the code under them
    (a CI clone, a scratch venv) bound back. Done when the tree is parked, while
    `/proc/self` is still the monitor's (the program mounts its PID namespace's own /proc)."""
    try:
        for target in TMP_DIRS:
            if not os.path.isdir(target):
                continue  # a host root without the allowlist may lack /dev/shm or /var/tmp
            keep = [path for path in code_paths() if path.is_relative_to(target) and path != Path(target)]
            handles = [os.open(path, os.O_PATH) for path in keep]
            _linux.mount("tmpfs", target, "tmpfs", _linux.MS_NOSUID | _linux.MS_NODEV, f"size={size_mb}m,mode=1777")
            for path, handle in zip(keep, handles, strict=True):
                _place(path, str(path), "dir", handle)
                os.close(handle)
    except OSError:
        return False
    return True


def resize_private_tmp(size_mb: int) -> bool:
    try:
        for target in filter(os.path.isdir, TMP_DIRS):
            flags = _linux.MS_REMOUNT | _linux.MS_NOSUID | _linux.MS_NODEV
            _linux.mount(None, target, None, flags, f"size={size_mb}m")
    except OSError:
        return False
    return True
