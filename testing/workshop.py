"""A scripted model for graph tests: replies per step, recognised from the step's template.

Each step (understand, formulate, write_code, repair, judge, vote, explain) has its own
queue of replies, so concurrent samples and retries consume them in call order per step.
`calls[step]` counts what the graph asked for.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Iterable

from optagent.core.types import Message
from optagent.models import ModelRoles, get_model

STEP_MARKERS = {
    "understand": "Read this optimization problem as an expert would",
    "formulate": "five-element formulation",
    "write_code": "Write a complete",
    "orthought": "as an operations research expert would, in",
    "verify": "Check your own solution.",
    "repair": "did not work. Fix it.",
    "judge": "Review a solution attempt",
    "vote": "disagree, with equal support",
    "explain": "Explain this solution",
}

UNDERSTANDING = {
    "objective": "total weekly profit",
    "sense": "maximize",
    "decisions": [
        {"name": "tables", "meaning": "tables made per week", "domain": "integer"},
        {"name": "chairs", "meaning": "chairs made per week", "domain": "integer"},
    ],
    "constraints": ["carpentry hours", "finishing hours", "chair demand"],
    "data": ["4 h carpentry per table"],
    "notes": ["counts are integers"],
    "kind": "milp",
}

FORMULATION = {
    "sets": [],
    "parameters": [{"name": "carpentry_hours", "value": 240, "latex": "C", "text": "carpentry hours"}],
    "variables": [
        {"name": "tables", "domain": "integer", "lower": 0, "latex": "t", "text": "tables"},
        {"name": "chairs", "domain": "integer", "lower": 0, "latex": "c", "text": "chairs"},
    ],
    "objective": {"sense": "maximize", "latex": "\\max 70t + 50c", "text": "profit"},
    "constraints": [
        {"name": "carpentry", "latex": "4t + 3c \\le 240", "text": "carpentry"},
        {"name": "finishing", "latex": "2t + c \\le 100", "text": "finishing"},
        {"name": "demand", "latex": "c \\le 60", "text": "chair demand"},
    ],
    "kind": "milp",
}


def pyomo_program(chair_profit: int = 50, extra: str = "", crash: bool = False) -> str:
    """The workshop problem in Pyomo+HiGHS; optimum 4100 at 30 tables, 40 chairs."""
    return f"""```python
import json
import pyomo.environ as pyo

m = pyo.ConcreteModel()
m.tables = pyo.Var(domain=pyo.NonNegativeIntegers)
m.chairs = pyo.Var(domain=pyo.NonNegativeIntegers)
m.profit = pyo.Objective(expr=70 * m.tables + {chair_profit} * m.chairs, sense=pyo.maximize)
m.carpentry = pyo.Constraint(expr=4 * m.tables + 3 * m.chairs <= 240)
m.finishing = pyo.Constraint(expr=2 * m.tables + m.chairs <= 100)
m.demand = pyo.Constraint(expr=m.chairs <= 60)
{extra}
{"undefined_name + 1" if crash else ""}
result = pyo.SolverFactory("appsi_highs").solve(m, load_solutions=False)
if result.solver.termination_condition == pyo.TerminationCondition.infeasible:
    print(json.dumps({{"status": "infeasible"}}))
else:
    m.solutions.load_from(result)
    print(json.dumps({{"objective": pyo.value(m.profit), "tables": pyo.value(m.tables), "chairs": pyo.value(m.chairs)}}))
```"""


def crashing(n: int) -> list[str]:
    """`n` different programs, each crashing with its own error (no two rounds alike)."""
    return [pyomo_program(extra=f"broken_{i} = undefined_name_{i} + 1") for i in range(n)]


ACCEPT = {"blame": "accept", "reason": "the model matches the problem"}
GOOD = pyomo_program()
WRONG = pyomo_program(chair_profit=40)  # optimum 3700
CRASH = pyomo_program(crash=True)
INFEASIBLE = pyomo_program(extra="m.too_many = pyo.Constraint(expr=m.tables + m.chairs >= 1000)")


class Scripted:
    """Replies by step; a step with no replies left repeats its last reply."""

    def __init__(self, **replies: str | dict | Iterable[str | dict]) -> None:
        self.queues: dict[str, deque] = {}
        self.last: dict[str, object] = {}
        for step, value in replies.items():
            if step not in STEP_MARKERS:
                raise ValueError(f"unknown step {step}")
            self.queues[step] = deque(value if isinstance(value, (list, tuple)) else [value])
        self.calls: Counter[str] = Counter()
        self.prompts: dict[str, list[str]] = {}

    def step_of(self, messages: list[Message]) -> str:
        text = next(m.content for m in messages if m.role == "user")
        for step, marker in STEP_MARKERS.items():
            if marker in text:
                return step
        raise AssertionError(f"no step recognised in prompt: {text[:200]!r}")

    def __call__(self, messages: list[Message]) -> str:
        step = self.step_of(messages)
        self.calls[step] += 1
        self.prompts.setdefault(step, []).append(next(m.content for m in messages if m.role == "user"))
        queue = self.queues.get(step)
        if queue:
            self.last[step] = queue.popleft()
        if step not in self.last:
            raise AssertionError(f"the graph asked for an unscripted step: {step}")
        reply = self.last[step]
        return json.dumps(reply) if isinstance(reply, dict) else reply  # type: ignore[return-value]

    def roles(self) -> ModelRoles:
        return ModelRoles(get_model("mock", replies=self))


# The problem most graph tests solve, and the scripted modelling steps that answer it.
WORKSHOP = (
    "A workshop makes tables (4 h carpentry, 2 h finishing, $70 profit) and chairs (3 h carpentry, "
    "1 h finishing, $50 profit). 240 h of carpentry and 100 h of finishing are available; at most "
    "60 chairs sell. How many tables and chairs maximize profit?"
)
MODELING = {"understand": UNDERSTANDING, "formulate": FORMULATION, "explain": "Make 30 tables and 40 chairs."}
