"""The CP-Bench solution check, run inside the sandbox: pin the printed values, re-solve the reference.

This file is sent to the sandbox as source with a `check(...)` call appended; it imports
nothing from optagent. It runs the reference CPMpy model (capturing what it prints), keeps
its optimum, then adds `expression == value` for every printed key and solves again. The
solution passes when that is satisfiable and, for an optimization problem, the objective is
still the reference optimum. It prints one line: `CPBENCH_VERDICT {json}`.
"""

import contextlib
import io
import json
from typing import Any

VERDICT_MARKER = "CPBENCH_VERDICT"


def _verdict(passed: bool, reason: str, **extra: Any) -> None:
    print(VERDICT_MARKER, json.dumps({"passed": passed, "reason": reason, **extra}, default=str), flush=True)


def _json_between_braces(text: str) -> Any:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        return json.loads(text[start : end + 1])
    except ValueError:
        return None


def _integer(value: Any, key: str) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"{key}: {value!r} is not an integer")


def _pins(expression: Any, value: Any, key: str) -> list[Any]:
    import numpy as np
    from cpmpy.expressions.variables import NDVarArray, cpm_array

    if isinstance(expression, list | tuple):
        expression = cpm_array(expression)
    if isinstance(expression, NDVarArray | np.ndarray):
        values = np.array(value, dtype=object)
        if values.shape != expression.shape:
            raise ValueError(f"{key}: printed shape {values.shape} but the reference has {expression.shape}")
        return [e == _integer(v, key) for e, v in zip(expression.flat, values.flat, strict=True)]
    if isinstance(value, list | dict):
        raise ValueError(f"{key}: printed a {type(value).__name__} but the reference has a single value")
    return [expression == _integer(value, key)]


def check(payload_json: str) -> None:
    payload = json.loads(payload_json)
    namespace: dict[str, Any] = {"__name__": "__reference__"}
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        exec(compile(payload["reference"], payload["filename"], "exec"), namespace)
    model = namespace.get("model")
    if model is None:
        return _verdict(False, "the reference program defines no `model`")
    outputs = payload["outputs"] or dict.fromkeys(_json_between_braces(captured.getvalue()) or {})
    solution = payload["solution"]
    missing = sorted(set(outputs) - set(solution))
    extra = sorted(set(solution) - set(outputs))
    if missing or extra:
        return _verdict(False, "printed keys differ from the reference's", missing=missing, extra=extra)
    optimizing = model.has_objective()
    reference_objective = model.objective_value() if optimizing else None
    constraints: list[Any] = []
    try:
        for key, value in solution.items():
            constraints += _pins(eval(outputs[key] or key, namespace), value, key)
    except Exception as error:  # a wrong shape or type in the candidate's output is a failed check
        return _verdict(False, f"cannot pin the printed values: {error}")
    model += constraints
    if not model.solve():
        return _verdict(
            False, "the printed solution violates the reference model", reference_objective=reference_objective
        )
    objective = model.objective_value() if optimizing else None
    if optimizing and objective != reference_objective:
        return _verdict(
            False,
            f"objective {objective} is not the reference optimum {reference_objective}",
            objective=objective,
            reference_objective=reference_objective,
        )
    return _verdict(
        True,
        "satisfies the reference model" + (" at its optimum" if optimizing else ""),
        objective=objective,
        reference_objective=reference_objective,
    )
