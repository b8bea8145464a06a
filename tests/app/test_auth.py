"""The web chat beyond loopback (issue 12, section 3): credentials are required, checked by
Gradio's own login page in a real browser, and every bad input is one line with exit 2."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from optagent.app.chat_auth import is_loopback
from optagent.models.llamacpp_server import free_port
from tests.app.conftest import ChatServer, optagent

SECRET = "wonder-land-7"


def chat_fails(tmp_path, *args: str) -> str:
    """The one stderr line of an `optagent chat` that must refuse to start."""
    command = optagent("chat", "--store", str(tmp_path / "chat.sqlite"), "--port", str(free_port()), *args)
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("optagent: error: "), done.stderr
    assert SECRET not in done.stderr, "a password is never echoed"
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--host", "0.0.0.0"), "give --auth USER:PASSWORD or --auth-file FILE"),
        (("--host", "0.0.0.0"), "or pass --no-auth"),
        (("--host", "0.0.0.0", "--auth", SECRET), "--auth is not USER:PASSWORD"),
        (("--host", "0.0.0.0", "--auth", f":{SECRET}"), "--auth is not USER:PASSWORD"),
        (("--host", "0.0.0.0", "--auth", "alice:"), "--auth is not USER:PASSWORD"),
        (("--host", "0.0.0.0", "--auth", f"alice:{SECRET}", "--no-auth"), "--no-auth contradicts --auth"),
        (("--host", "0.0.0.0", "--auth-file", "/no/such/users"), "--auth-file /no/such/users: no such file"),
        (("--host", "0.0.0.0", "--auth-file", "/"), "--auth-file / cannot be read (Is a directory)"),
        (("--terminal", "--no-auth", "--model", "mock"), "are for the web page; leave them out with --terminal"),
    ],
)
def test_bad_auth_inputs_are_one_line_and_exit_2(tmp_path, args: tuple[str, ...], says: str) -> None:
    assert says in chat_fails(tmp_path, *args)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("# only a comment\n\n", "holds no USER:PASSWORD line"),
        (f"alice:{SECRET}\nbob\n", "line 2 is not USER:PASSWORD"),
        (b"\xff\xfe\x00", "cannot be read (not a UTF-8 text file)"),
    ],
)
def test_bad_auth_files_are_one_line_and_exit_2(tmp_path, content: str | bytes, says: str) -> None:
    users = tmp_path / "users"
    users.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert says in chat_fails(tmp_path, "--host", "0.0.0.0", "--auth-file", str(users))


def test_loopback_addresses() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "::", "192.168.1.20", "no-such-host.invalid"))


@pytest.mark.chat
@pytest.mark.browser
def test_the_login_page_refuses_a_wrong_password_and_admits_the_right_one(
    browser, fake_server, tmp_path, output_dir
) -> None:
    from playwright.sync_api import expect

    users = tmp_path / "users"
    users.write_text(f"# who may use the chat\nalice:{SECRET}\nbob:builder\n", encoding="utf-8")
    args = ("--host", "0.0.0.0", "--auth-file", str(users))
    server = ChatServer(fake_server.base_url, tmp_path / "chat.sqlite", free_port(), args=args).start()
    try:
        assert "optagent chat: login required (2 user(s): alice, bob)" in server.log.read_text()
        assert httpx.get(server.url + "config", timeout=10).status_code == 401, "the app answers no one logged out"
        page = browser.new_context().new_page()
        page.goto(server.url)
        username, password = page.locator("input").first, page.locator("input[type=password]")
        expect(password).to_be_visible(timeout=20_000)
        username.fill("alice")
        password.fill("not-the-password")
        page.get_by_role("button", name="Login").click()
        expect(page.get_by_text("Incorrect Credentials")).to_be_visible(timeout=10_000)
        expect(page.locator("#optagent-chat")).to_have_count(0)
        page.screenshot(path=output_dir / "login-refused.png", full_page=True)

        username.fill("alice")  # the page clears the form after a refusal
        password.fill(SECRET)
        page.get_by_role("button", name="Login").click()
        expect(page.locator("#optagent-model input")).to_have_value("vllm/fake-model", timeout=30_000)
        expect(page.locator("#optagent-chat")).to_contain_text("Describe an optimization problem")
        page.screenshot(path=output_dir / "logged-in.png", full_page=True)
        page.context.close()
    finally:
        server.stop()
