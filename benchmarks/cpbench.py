"""CP-Bench / DCP-Bench-Open: constraint problems graded by checking the printed solution.

Two layouts load. A DCP-Bench-Open checkout, `cpbench/dataset/<id>/<id>.cpmpy.py` (with
`<id>.json` instances), grades: the published rule takes the JSON object between the first
`{` and the last `}` of the program's output, pins each printed key to its value in the
reference model, and re-solves it with CPMpy (OR-Tools); the program passes when that is
satisfiable and, for optimization, the objective equals the reference optimum. A missing or
extra key fails. The check runs in the sandbox (`cpcheck.py`). `cpbench/problems.jsonl`
holds statements only: enough to run the agent, not to grade (Score.graded is False).

The problem text is what the CP-Bench paper's prompt gives the model: the description and
the default instance (template `benchmarks/cpbench_problem`), from the reference's block
between `# Data` and `# End of data`, or from the first of a statement's `instances`.

`cpbench-v1` is the subset of the 101 problems of the CP-Bench paper (`in_cpbench_v1`).
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from pathlib import Path
from typing import Any

from optagent.benchmarks.base import Benchmark, BenchmarkInfo, ScoringContext
from optagent.benchmarks.records import SkippedRecord, read_records
from optagent.benchmarks.scoring import execution_outcome
from optagent.core.errors import OptagentError
from optagent.core.types import Language, Outcome, Prediction, Problem, ProblemKind, Score, Targets, Termination
from optagent.prompts.loader import render

STATEMENTS_FILE = "problems.jsonl"
_CATEGORY = re.compile(r"^#\s*Category:\s*(\S+)", re.MULTILINE)
_UNWRAP_CALLS = frozenset({"int", "bool", "list", "float"})
_UNWRAP_METHODS = frozenset({"value", "tolist"})
_OBJECTIVE_NAMES = frozenset({"minimize", "maximize"})
_DATA_START, _DATA_END = "# data", "# end of data"
_INSTANCE_METADATA = frozenset({"name", "note"})
"""Keys of an instance that describe it rather than hold data (DCP-Bench-Open ignores them too)."""


class CPBench(Benchmark):
    name = "cpbench"
    info = BenchmarkInfo(
        name="cpbench",
        title="CP-Bench / DCP-Bench-Open v0.1.0",
        source="https://github.com/DCP-Bench/DCP-Bench-Open (dataset/, tag v0.1.0)",
        license="Apache-2.0",
        native_rule="solution checking: pin each printed key to its value in the reference CPMpy model and "
        "re-solve; pass when satisfiable and, for optimization, the objective equals the reference optimum; "
        "a missing or extra key fails",
    )
    options = ("subset",)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if options.get("subset") not in (None, "v1"):
            raise OptagentError(f"unknown cpbench subset {options['subset']!r}; the one subset is 'v1'")
        if options.get("subset") == "v1":
            self.name = "cpbench-v1"

    def locate(self, data_dir: Path) -> Path:
        return data_dir / "cpbench"

    def read(self, path: Path) -> tuple[list[Problem], list[SkippedRecord]]:
        folder = path if path.is_dir() else path.parent
        dataset = path if path.name == "dataset" else folder / "dataset"
        statements = path if path.is_file() else folder / STATEMENTS_FILE
        if path.is_dir() and dataset.is_dir():
            problems, skipped = _read_folders(dataset)
            if statements.is_file():
                flags = {problem.id: problem.metadata for problem in _read_statements(statements)[0]}
                for problem in problems:
                    for key in ("in_cpbench_v1", "cpbench_v1_id"):
                        if problem.id in flags:
                            problem.metadata[key] = flags[problem.id].get(key)
        elif statements.is_file():
            problems, skipped = _read_statements(statements)
        else:
            raise OptagentError(
                f"no CP-Bench data in {folder} (neither dataset/ nor {STATEMENTS_FILE}); run `optagent data pull cpbench`"
            )
        if self.settings.get("subset") == "v1":
            if not any("in_cpbench_v1" in problem.metadata for problem in problems):
                raise OptagentError(
                    f"cpbench-v1 needs the in_cpbench_v1 flags of {folder / STATEMENTS_FILE}; put that file beside dataset/"
                )
            problems = [problem for problem in problems if problem.metadata.get("in_cpbench_v1")]
        return problems, skipped

    async def score(self, problem: Problem, prediction: Prediction, context: ScoringContext) -> Score:
        outcome = execution_outcome(prediction)
        reference = problem.targets.reference_model
        if reference is None:
            return Score(
                correct=False,
                graded=False,
                outcome=outcome or Outcome.UNGRADED,
                detail="not gradable: statements only (problems.jsonl) have no reference model; "
                "get the DCP-Bench-Open dataset/ folders to grade",
            )
        solution = printed_solution(prediction)
        ended_cleanly = prediction.result is not None and prediction.result.termination == Termination.OK
        if outcome in (Outcome.INFEASIBLE, Outcome.UNBOUNDED) and ended_cleanly and solution is not None:
            outcome = None  # whatever a solver said on the way, the published grading checks what was printed
        if outcome is not None:
            return Score(correct=False, strict=False, outcome=outcome, detail="the program did not produce a solution")
        if solution is None:
            return Score(correct=False, strict=False, outcome=Outcome.NO_ANSWER, detail="no JSON object in the output")
        if context.sandbox is None:
            raise OptagentError(
                "CP-Bench grading runs the reference model in the sandbox; pass one in the scoring context"
            )
        code = checking_program(reference, solution)
        result = await context.sandbox.run(code, Language.PYTHON, context.limits)
        verdict = _read_verdict(result.stdout)
        if verdict is None:
            why = "timed out" if result.termination == Termination.TIMEOUT else result.error or "gave no verdict"
            return Score(correct=False, strict=False, outcome=Outcome.WRONG, detail=f"the solution check {why}")
        passed = bool(verdict["passed"])
        detail = verdict["reason"] + "".join(
            f"; {name}: {verdict[name]}" for name in ("missing", "extra") if verdict.get(name)
        )
        return Score(
            correct=passed,
            strict=passed,
            outcome=Outcome.CORRECT if passed else Outcome.WRONG,
            predicted_objective=verdict.get("objective"),
            expected_objective=verdict.get("reference_objective"),
            detail=detail,
        )


def _parse(source: str) -> ast.Module:
    """A reference file's syntax tree; its own invalid escape sequences ("\\(" in
    docstrings, a DeprecationWarning per file) are the release's style, not a fault."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(source)


def printed_solution(prediction: Prediction) -> dict[str, Any] | None:
    """The candidate's solution as the published grading reads it: the JSON object between the
    first `{` and the last `}` of stdout (two objects printed, or a brace in a log line around
    it, make that text no JSON: no solution)."""
    result = prediction.result
    if result is None:
        return None
    start, end = result.stdout.find("{"), result.stdout.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        value = json.loads(result.stdout[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def checking_program(reference: Path, solution: dict[str, Any]) -> str:
    """A self-contained program that checks `solution` against the reference model file."""
    from optagent.benchmarks import cpcheck

    source = reference.read_text(encoding="utf-8")
    payload = {
        "reference": source,
        "filename": str(reference),
        "outputs": output_expressions(source),
        "solution": solution,
    }
    return Path(cpcheck.__file__).read_text(encoding="utf-8") + f"\ncheck({json.dumps(json.dumps(payload))})\n"


def _read_verdict(stdout: str) -> dict[str, Any] | None:
    from optagent.benchmarks.cpcheck import VERDICT_MARKER

    for line in reversed(stdout.splitlines()):
        if line.startswith(VERDICT_MARKER):
            return json.loads(line[len(VERDICT_MARKER) :])
    return None


def output_expressions(source: str) -> dict[str, str | None]:
    """The keys the reference prints, each with the reference expression behind it when it can be read.

    The reference ends with `print(json.dumps(solution))` where `solution` is a dict literal
    such as `{"marks": marks.value().tolist(), "length": length.value()}`; each value is
    unwrapped to the expression it reads (`marks`, `length`). A value that cannot be
    unwrapped maps to None and the check looks the key up as a name, as the published
    script does. An empty result means the printed keys are read from the reference's output.
    """
    tree = _parse(source)
    dicts = {
        target.id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    printed: ast.Dict | None = None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "dumps"
            and node.args
        ):
            argument = node.args[0]
            printed = argument if isinstance(argument, ast.Dict) else dicts.get(getattr(argument, "id", ""), printed)
    if printed is None:
        return {}
    keys = [key.value for key in printed.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)]
    if len(keys) != len(printed.keys):
        return {}
    return {key: _unwrap(value) for key, value in zip(keys, printed.values, strict=True)}


def _unwrap(node: ast.expr) -> str | None:
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _UNWRAP_METHODS:
            node = node.func.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _UNWRAP_CALLS
            and len(node.args) == 1
        ):
            node = node.args[0]
        elif (
            isinstance(node, ast.ListComp)
            and len(node.generators) == 1
            and isinstance(node.generators[0].target, ast.Name)
        ):
            element = _unwrap(node.elt)
            if element != node.generators[0].target.id:
                return None
            node = node.generators[0].iter
        else:
            break
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        return ast.unparse(node)
    return None


def data_block(source: str) -> str:
    """A reference's default instance: its lines between `# Data` and `# End of data`, as written.

    Empty when the file has no such block (or an unterminated `# data` comment, which is
    no block: DCP-Bench-Open's loader rejects it as a data section).
    """
    lines = source.splitlines()
    marks = [line.strip().lower() for line in lines]
    if _DATA_START not in marks:
        return ""
    start = marks.index(_DATA_START)
    if _DATA_END not in marks[start + 1 :]:
        return ""
    end = marks.index(_DATA_END, start + 1)
    return "\n".join(lines[start + 1 : end]).strip("\n")


def instance_block(instance: Any) -> str:
    """An instance of `problems.jsonl` written as the data block would hold it: `name = value` lines."""
    if not isinstance(instance, dict):
        return ""
    return "\n".join(f"{name} = {value!r}" for name, value in instance.items() if name not in _INSTANCE_METADATA)


def problem_text(description: str, data: str) -> str:
    """The description followed by the input data, formatted as the CP-Bench paper's prompt does."""
    return render("benchmarks/cpbench_problem", description=description.strip(), data=data.strip()).strip()


def reference_problem_text(source: str, path: Path) -> str:
    """The problem a DCP-Bench-Open reference file poses (description and input data), as a benchmark run shows it."""
    try:
        description = ast.get_docstring(_parse(source))
    except SyntaxError as error:
        raise OptagentError(f"{path} is not a readable CP-Bench reference ({error.msg}, line {error.lineno})") from None
    if not description:
        raise OptagentError(f"{path} has no description docstring; pass the problem text itself")
    return problem_text(description, data_block(source))


def _read_folders(dataset: Path) -> tuple[list[Problem], list[SkippedRecord]]:
    problems: list[Problem] = []
    skipped: list[SkippedRecord] = []
    for folder in sorted(path for path in dataset.iterdir() if path.is_dir()):
        reference = folder / f"{folder.name}.cpmpy.py"
        if not reference.is_file():
            skipped.append(SkippedRecord(file=folder, id=folder.name, reason=f"no {reference.name}"))
            continue
        try:
            source = reference.read_text(encoding="utf-8")
            tree = _parse(source)
        except (SyntaxError, UnicodeDecodeError) as error:
            line = getattr(error, "lineno", None)
            skipped.append(
                SkippedRecord(file=reference, line=line, id=folder.name, reason=f"unreadable reference ({error})")
            )
            continue
        description = ast.get_docstring(tree)
        if not description:
            skipped.append(SkippedRecord(file=reference, id=folder.name, reason="no description docstring"))
            continue
        instances: list[Any] = []
        instance_file = folder / f"{folder.name}.json"
        if instance_file.is_file():
            try:
                instances = json.loads(instance_file.read_text(encoding="utf-8"))
            except ValueError as error:
                skipped.append(
                    SkippedRecord(file=instance_file, id=folder.name, reason=f"instances are not JSON ({error})")
                )
                continue
        outputs = output_expressions(source)
        optimizing = any(  # model.minimize(...) or Model(..., minimize=...)
            (isinstance(node, ast.Attribute) and node.attr in _OBJECTIVE_NAMES)
            or (isinstance(node, ast.keyword) and node.arg in _OBJECTIVE_NAMES)
            for node in ast.walk(tree)
        )
        category = _CATEGORY.search(source)
        problems.append(
            Problem(
                id=folder.name,
                text=problem_text(description, data_block(source)),
                targets=Targets(
                    decision_variables=sorted(outputs),
                    is_optimization=optimizing,
                    reference_model=reference,
                ),
                kind=ProblemKind.CP_OPTIMIZATION if optimizing else ProblemKind.CP_SATISFACTION,
                category=category.group(1) if category else None,
                metadata={"instances": instances},
            )
        )
    return problems, skipped


def _read_statements(path: Path) -> tuple[list[Problem], list[SkippedRecord]]:
    records, skipped = read_records(path)
    problems: list[Problem] = []
    for record in records:
        value = record.value
        record_id = str(value.get("id")) if isinstance(value, dict) and value.get("id") else str(record.line)
        if not isinstance(value, dict) or not str(value.get("description") or "").strip():
            skipped.append(SkippedRecord(file=path, line=record.line, id=record_id, reason="no `description`"))
            continue
        optimizing = value.get("is_optimization")
        instances = value.get("instances") if isinstance(value.get("instances"), list) else []
        problems.append(
            Problem(
                id=record_id,
                text=problem_text(value["description"], instance_block(instances[0]) if instances else ""),
                targets=Targets(
                    decision_variables=list(value.get("decision_variables") or []),
                    is_optimization=optimizing,
                ),
                kind=None
                if optimizing is None
                else ProblemKind.CP_OPTIMIZATION
                if optimizing
                else ProblemKind.CP_SATISFACTION,
                category=value.get("category"),
                metadata={
                    "instances": instances,
                    "in_cpbench_v1": bool(value.get("in_cpbench_v1")),
                    "cpbench_v1_id": value.get("cpbench_v1_id"),
                },
            )
        )
    return problems, skipped
