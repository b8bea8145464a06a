"""Downloads of a solved model: the program itself, and LP/MPS files where the target can
write them.

The LP/MPS files come from running the program once more in the sandbox with a write hook
around it: a prefix that records each model object the program creates (also inside
functions), and a suffix that writes the last one with the modeling library's own writer
and prints the files (base64) on one marked line. The program is not changed, so the file
is the model that was solved. Only targets whose library writes LP/MPS get them (Pyomo,
PuLP, PySCIPOpt); CP models (CPMpy, CP-SAT, MiniZinc) have no LP form.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from optagent.agent.answer import Answer
    from optagent.solvers.runner import ProgramRunner

MARK = "OPTAGENT-EXPORT "
FORMATS = ("lp", "mps")

_RECORD = {
    "pyomo": (
        "import pyomo.environ as _oa_lib\n"
        "_oa_models = []\n"
        "_oa_init = _oa_lib.ConcreteModel.__init__\n"
        "def _oa_record(self, *args, **kwargs):\n"
        "    _oa_init(self, *args, **kwargs)\n"
        "    _oa_models.append(self)\n"
        "_oa_lib.ConcreteModel.__init__ = _oa_record\n"
    ),
    "pulp": (
        "import pulp as _oa_lib\n"
        "_oa_models = []\n"
        "_oa_init = _oa_lib.LpProblem.__init__\n"
        "def _oa_record(self, *args, **kwargs):\n"
        "    _oa_init(self, *args, **kwargs)\n"
        "    _oa_models.append(self)\n"
        "_oa_lib.LpProblem.__init__ = _oa_record\n"
    ),
    "pyscipopt": (
        "import pyscipopt as _oa_lib\n"
        "_oa_models = []\n"
        "class _OaModel(_oa_lib.Model):\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        super().__init__(*args, **kwargs)\n"
        "        _oa_models.append(self)\n"
        "_oa_lib.Model = _OaModel\n"
    ),
}
_WRITE = {
    "pyomo": 'model.write(path, io_options={"symbolic_solver_labels": True})',
    "pulp": 'model.writeLP(path) if fmt == "lp" else model.writeMPS(path)',
    "pyscipopt": "model.writeProblem(path)",
}
_SUFFIX = """
def _oa_export():
    import base64, json
    files = {{}}
    if not _oa_models:
        files["error"] = "the program created no model object"
    for fmt in {formats!r}:
        if not _oa_models:
            break
        model, path = _oa_models[-1], "model." + fmt
        try:
            {write}
            with open(path, "rb") as handle:
                files[fmt] = base64.b64encode(handle.read()).decode()
        except Exception as error:
            files["error"] = f"{{fmt}}: {{type(error).__name__}}: {{error}}"
    print({mark!r} + json.dumps(files))
_oa_export()
"""


class Exports(BaseModel):
    """Files written for download, and one line on what could not be written."""

    files: list[Path] = []
    note: str = ""


def can_write_lp(target: str | None) -> bool:
    return target in _RECORD


def export_program(code: str, target: str | None) -> str:
    """The program wrapped with the write hook for `target` (which must write LP/MPS)."""
    assert target in _RECORD, f"{target} cannot write LP/MPS"
    suffix = _SUFFIX.format(formats=FORMATS, write=_WRITE[target], mark=MARK)
    return f"{_RECORD[target]}\n{code}\n{suffix}"


async def export_files(answer: Answer, sandbox: ProgramRunner, folder: Path, stem: str = "model") -> Exports:
    """The program file, plus LP and MPS files when the target can write them."""
    from optagent.core.types import Language, Limits
    from optagent.solvers.targets import program_language

    exports = Exports()
    if not answer.code:
        return exports
    folder.mkdir(parents=True, exist_ok=True)
    suffix = program_language(answer.language or Language.PYTHON).suffix
    program = folder / f"{stem}{suffix}"
    program.write_text(answer.code + "\n", encoding="utf-8")
    exports.files.append(program)
    if not can_write_lp(answer.target):
        exports.note = f"{answer.target} models have no LP/MPS form; the program is the model"
        return exports
    result = await sandbox.run(
        export_program(answer.code, answer.target), Language.PYTHON, Limits(timeout_s=60.0, output_bytes=8_000_000)
    )
    line = next((line for line in reversed(result.stdout.splitlines()) if line.startswith(MARK)), None)
    if line is None:
        why = result.error or (
            "the output was too large" if result.output_truncated else "the program did not reach its end"
        )
        exports.note = f"no LP/MPS file: {why}"
        return exports
    written = json.loads(line[len(MARK) :])
    for fmt in FORMATS:
        if fmt in written:
            path = folder / f"{stem}.{fmt}"
            path.write_bytes(base64.b64decode(written[fmt]))
            exports.files.append(path)
    if "error" in written:
        exports.note = f"no LP/MPS file: {written['error']}"
    return exports
