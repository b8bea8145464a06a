"""Pure parts: code extraction, diagnosis, named outputs, the prediction the runner scores."""

from __future__ import annotations

from optagent.agent.answer import Answer, AnswerOutcome, named_outputs
from optagent.agent.formulation import Domain, Formulation, Objective, Variable
from optagent.agent.llm import extract_code
from optagent.agent.nodes.diagnose import diagnosis_of
from optagent.agent.state import AttemptState
from optagent.core.types import ExecResult, Language, Problem, ProblemKind, SolutionStatus, Targets, Termination


def test_extract_code_prefers_the_tagged_longest_block() -> None:
    reply = "Plan:\n```text\nnot code\n```\n```python\nimport x\nprint(1)\n```\n```python\nimport y\n```"
    assert extract_code(reply, Language.PYTHON) == "import x\nprint(1)"


def test_extract_code_tolerates_untagged_unclosed_and_bare_replies() -> None:
    assert extract_code("```\nimport math\n```", Language.PYTHON) == "import math"
    assert extract_code("Sure!\n```python\nimport math\nprint(", Language.PYTHON) == "import math\nprint("
    assert extract_code("import math\nprint(math.pi)", Language.PYTHON) == "import math\nprint(math.pi)"
    assert extract_code("I cannot help with that.", Language.PYTHON) == ""
    assert extract_code("```mzn\nvar 1..3: x;\nsolve satisfy;\n```", Language.MINIZINC).startswith("var 1..3")


def _state(result: ExecResult, problem: Problem | None = None, formulation: Formulation | None = None) -> AttemptState:
    state = AttemptState(problem=problem or Problem(id="p", text="t"), code="import x", formulation=formulation)
    state.result = result
    return state


def test_diagnosis_findings() -> None:
    ok = ExecResult(termination=Termination.OK, solution_status=SolutionStatus.OPTIMAL, objective=5.0, values={"x": 1})
    assert diagnosis_of(_state(ok)).finding == "ok"
    zero = ok.model_copy(update={"objective": 0.0})
    assert diagnosis_of(_state(zero)).finding == "suspicious"
    feasibility = Formulation(objective=Objective(sense="none"))
    assert diagnosis_of(_state(zero.model_copy(update={"values": {"x": 2}}), formulation=feasibility)).finding == "ok"
    all_zero = ok.model_copy(update={"values": {"x": 0, "y": 0.0}})
    assert diagnosis_of(_state(all_zero)).detail == "every variable is 0"
    crash = ExecResult(
        termination=Termination.ERROR, error="NameError: name 'z' is not defined", traceback="Traceback ..."
    )
    assert diagnosis_of(_state(crash)).finding == "crash"
    after_proof = crash.model_copy(update={"solution_status": SolutionStatus.INFEASIBLE})
    assert diagnosis_of(_state(after_proof)).finding == "infeasible"
    timeout = ExecResult(termination=Termination.TIMEOUT, error="wall time limit")
    assert diagnosis_of(_state(timeout)).finding == "timeout"
    silent = ExecResult(termination=Termination.OK)
    assert diagnosis_of(_state(silent)).finding == "no_result"
    printed = ExecResult(termination=Termination.OK, printed_json={"status": "unbounded"})
    assert diagnosis_of(_state(printed)).finding == "unbounded"
    asked = Problem(id="p", text="t", targets=Targets(decision_variables=["x", "y"]))
    assert "['y']" in diagnosis_of(_state(ok.model_copy(update={"printed_json": {"x": 1}}), asked)).detail


def test_diagnosis_suspects_huge_values_and_unbound_resources() -> None:
    ok = ExecResult(termination=Termination.OK, solution_status=SolutionStatus.OPTIMAL, objective=5.0)
    huge = ok.model_copy(update={"values": {"x": 3.0, "y": 1e12}})
    assert "y = 1e+12" in diagnosis_of(_state(huge)).detail
    capped = Formulation(
        objective=Objective(sense="maximize"),
        variables=[
            Variable(name="make", upper=40, indexed_by=["products"]),
            Variable(name="open", domain=Domain.BINARY, upper=1),
            Variable(name="spare"),
        ],
    )
    all_at_cap = ok.model_copy(update={"values": {"make[a]": 40.0, "make[b]": 40, "open": 1, "spare": 7.5}})
    assert "upper bound" in diagnosis_of(_state(all_at_cap, formulation=capped)).detail
    one_below = ok.model_copy(update={"values": {"make[a]": 40.0, "make[b]": 12.0, "open": 1}})
    assert diagnosis_of(_state(one_below, formulation=capped)).finding == "ok"
    binaries_only = ok.model_copy(update={"values": {"open": 1, "spare": 2.0}})
    assert diagnosis_of(_state(binaries_only, formulation=capped)).finding == "ok"
    single = ok.model_copy(update={"values": {"make[a]": 40.0, "spare": 2.0}})
    assert diagnosis_of(_state(single, formulation=capped)).finding == "ok"


def test_diagnosis_suspects_fractional_counts() -> None:
    ok = ExecResult(termination=Termination.OK, solution_status=SolutionStatus.OPTIMAL, objective=29.0)
    formulation = Formulation(
        objective=Objective(sense="minimize"),
        variables=[
            Variable(name="limo", text="number of limousines to use"),
            Variable(name="hours", text="number of hours worked", unit="hours"),
            Variable(name="trucks", domain=Domain.INTEGER, indexed_by=["depots"], text="trucks sent"),
        ],
    )
    counted = ok.model_copy(update={"values": {"limo": 20.289855, "hours": 3.5, "trucks[a]": 2.0}})
    assert diagnosis_of(_state(counted, formulation=formulation)).detail == (
        'limo = 20.2899, but "number of limousines to use" counts whole things: a count is integer'
    )
    undeclared = ok.model_copy(update={"values": {"limo": 20.0, "hours": 3.5, "trucks[b]": 1.5}})
    assert diagnosis_of(_state(undeclared, formulation=formulation)).detail == (
        "trucks[b] = 1.5, but the formulation makes it integer: the program must too"
    )
    measured = ok.model_copy(update={"values": {"limo": 20.0, "hours": 3.5, "trucks[a]": 1.9999999999}})
    assert diagnosis_of(_state(measured, formulation=formulation)).finding == "ok", "hours have a unit; ints pass"
    acres = formulation.model_copy(update={"variables": [Variable(name="acres", text="The number of acres planted")]})
    planted = ok.model_copy(update={"values": {"acres": 12.5}})
    assert diagnosis_of(_state(planted, formulation=acres)).finding == "ok", "a measure, not a count"
    stated_lp = Problem(id="p", text="t", kind=ProblemKind.LP)
    assert diagnosis_of(_state(counted, stated_lp, formulation)).finding == "ok", "the problem states it is an LP"


def test_named_outputs_match_loosely() -> None:
    result = ExecResult(
        termination=Termination.OK, printed_json={"number_of_tables": 30, "Profit": 4100}, values={"z": 1}
    )
    found = named_outputs(result, ["Number of Tables", "Profit", "z", "missing"])
    assert found == {"Number of Tables": 30, "Profit": 4100, "z": 1}


def test_prediction_for_the_runner() -> None:
    result = ExecResult(termination=Termination.OK, solution_status=SolutionStatus.OPTIMAL, objective=3.0)
    answer = Answer(
        problem_id="p",
        strategy="full",
        outcome=AnswerOutcome.SOLVED,
        code="print(1)",
        language=Language.PYTHON,
        result=result,
        named={"a": "2.5", "b": [1, 2], "c": True},
    )
    prediction = answer.prediction
    assert prediction.result == result and prediction.code == "print(1)"
    assert prediction.named == {"a": 2.5, "b": None, "c": 1.0}
    assert Answer.model_validate_json(answer.model_dump_json()) == answer
