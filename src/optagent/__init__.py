"""optagent: optimization problems in plain language to verified models and solutions.

The code lives in the top-level folders `agent/`, `app/`, `benchmarks/`, `evals/`,
`prompts/` and `solvers/`, mapped into this namespace by `pyproject.toml`.
"""

__version__ = "0.1.0"
