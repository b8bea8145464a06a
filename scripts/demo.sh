#!/usr/bin/env bash
# The main job, end to end: run a hand-written model in the sandbox, let the agent solve a
# sample problem, and evaluate a handful of benchmark problems. With no model configured
# (--model / OPTAGENT_MODEL), optagent starts its embedded llama.cpp server with the
# packaged SmolLM2-135M: it proves the path works, not that the answers are right.
set -euo pipefail
cd "$(dirname "$0")/.."
optagent=".venv/bin/optagent"
# Caps sized so the embedded model finishes in minutes on a laptop; drop them with a real model.
caps=(--max-tokens 768 --max-repairs 1)

echo "== 1. A hand-written Pyomo model, run in the sandbox"
"$optagent" exec examples/production_pyomo.py

echo
echo "== 2. The agent solves a problem written in plain language"
"$optagent" solve --file examples/production.txt --strategy direct "${caps[@]}" ||
    echo "(not solved: exit status 1 means the agent ended honestly without a solution)"

echo
echo "== 3. A few OptiBench problems, scored by the published rule and the strict one"
if ! "$optagent" data inspect optibench >/dev/null 2>&1; then
    "$optagent" data pull optibench || {
        echo "could not download OptiBench; set OPTAGENT_DATA to a folder holding optibench/OptiBench.json" >&2
        exit 1
    }
fi
out="runs/demo-optibench"
"$optagent" eval optibench --limit 5 --strategy direct "${caps[@]}" --out "$out"
"$optagent" report "$out"
