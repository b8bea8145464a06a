"""The private /tmp keeps code that lives under /tmp (a CI clone, a scratch venv) visible.

Run in a child process: it makes its own mount namespace, so nothing here touches the
test machine's /tmp.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

CHILD = """
import os, sys
from pathlib import Path
from optagent.solvers import _linux, _process

code, secret = Path(sys.argv[1]), Path(sys.argv[2])
_process.code_paths = lambda: (code,)
_linux.unshare(_linux.CLONE_NEWNS)
_linux.mount(None, "/", None, _linux.MS_REC | _linux.MS_PRIVATE)
assert _process._mount_private_tmp(64) and _process._resize_private_tmp(128)
print((code / "module.py").read_text(), secret.exists(), sorted(os.listdir("/tmp")))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="mount namespaces need root here")
def test_code_under_tmp_stays_visible_and_the_rest_is_hidden():
    with tempfile.TemporaryDirectory(dir="/tmp") as scratch:
        code = Path(scratch) / "checkout" / ".venv"
        code.mkdir(parents=True)
        (code / "module.py").write_text("visible")
        secret = Path(scratch) / "secret.txt"
        secret.write_text("hidden")
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(code), str(secret)], capture_output=True, text=True, check=False
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["visible", "False"]
    assert done.stdout.strip().endswith(f"['{Path(scratch).name}']")
