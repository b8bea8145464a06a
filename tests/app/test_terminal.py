"""`optagent chat --terminal` driven through a pseudo-terminal: the real CLI, rich output."""

from __future__ import annotations

from tests.app.conftest import ANSI, Terminal, optagent
from tests.app.workshop import CHANGE, PROBLEM


def test_terminal_chat_problem_follow_up_save_and_resume(fake_server, tmp_path, output_dir):
    store = tmp_path / "chat.sqlite"
    base = [
        "chat",
        "--terminal",
        "--model",
        "vllm/fake-model",
        "--base-url",
        fake_server.base_url,
        "--store",
        str(store),
    ]
    terminal = Terminal(optagent(*base, "--conversation", "pty"))
    try:
        terminal.expect("you>")
        terminal.send(PROBLEM)
        terminal.expect("Objective (maximize): 4,100")
        shown = terminal.expect("you>")  # the whole answer is printed once the prompt is back
        for part in ("Formulation", "Program (pyomo)", "SolverFactory", "4t + 3c \\le 240", "tables", "Make 30 tables"):
            assert part in shown, part
        terminal.send(CHANGE)
        terminal.expect("Objective (maximize): 4,060")
        terminal.send("write me a poem")
        terminal.expect("I model and solve optimization problems")
        terminal.send(f"/save {tmp_path / 'model'}")
        terminal.expect("model.mps")
        terminal.send("/data /no/such/file.csv")
        terminal.expect("cannot read the upload file.csv")
        terminal.send("/quit")
        assert terminal.process.wait(timeout=20) == 0
    finally:
        (output_dir / "terminal.txt").write_text(ANSI.sub("", terminal.transcript + terminal.seen))
        terminal.close()
    assert sorted(path.name for path in (tmp_path / "model").iterdir()) == ["model.lp", "model.mps", "model.py"]

    resumed = Terminal(optagent(*base, "--conversation", "pty"))
    try:
        shown = resumed.expect("conversation pty · model")
        assert "4,100" in shown and "4,060" in shown, "the conversation comes back"
    finally:
        resumed.close()
