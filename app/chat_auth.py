"""Who may open the web chat.

On a loopback address only this machine reaches the page, so no login is needed. On any
other address anyone who reaches it could spend the model and run programs, so the chat
asks for credentials (Gradio's own login page) unless `--no-auth` says, explicitly, that
the network is trusted. Credentials come from `--auth USER:PASSWORD` and/or
`--auth-file FILE` (one USER:PASSWORD per line; blank lines and `#` comments skipped).
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

from pydantic import BaseModel

from optagent.core.errors import OptagentError

HOW = "give --auth USER:PASSWORD or --auth-file FILE (one USER:PASSWORD per line)"


class Access(BaseModel):
    """The chat's login: the credentials Gradio checks (None: no login) and the line saying so."""

    credentials: list[tuple[str, str]] | None = None
    line: str


def is_loopback(host: str) -> bool:
    """True when every address the host names is a loopback address."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)


def _pair(text: str, where: str) -> tuple[str, str]:
    user, colon, password = text.partition(":")
    if not colon or not user.strip() or not password:
        raise OptagentError(f"{where} is not USER:PASSWORD (a user name, ':', then a non-empty password); {HOW}")
    return user.strip(), password


def _read_file(path: Path) -> list[tuple[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OptagentError(f"--auth-file {path}: no such file; {HOW}") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a UTF-8 text file"
        raise OptagentError(f"--auth-file {path} cannot be read ({reason}); {HOW}") from None
    pairs = [
        _pair(line.strip(), f"--auth-file {path} line {number}")
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not pairs:
        raise OptagentError(f"--auth-file {path} holds no USER:PASSWORD line; {HOW}")
    return pairs


def access(host: str, port: int, *, auth: str | None, auth_file: Path | None, no_auth: bool) -> Access:
    """The login the page needs, or one clear error for contradictory or malformed options."""
    given = auth is not None or auth_file is not None
    if no_auth and given:
        raise OptagentError("--no-auth contradicts --auth/--auth-file; give credentials or --no-auth, not both")
    pairs = ([_pair(auth, "--auth")] if auth is not None else []) + (_read_file(auth_file) if auth_file else [])
    if pairs:
        users = sorted({user for user, _ in pairs})
        return Access(credentials=pairs, line=f"login required ({len(users)} user(s): {', '.join(users)})")
    if is_loopback(host):
        return Access(line=f"no login: {host} is a loopback address, only this machine reaches the page")
    if no_auth:
        return Access(line=f"no login (--no-auth): anyone who reaches {host}:{port} can use the model and run programs")
    raise OptagentError(
        f"--host {host} serves the chat beyond this machine, where anyone reaching it could use the model "
        f"and run programs; {HOW}, or pass --no-auth to serve it without a login"
    )
