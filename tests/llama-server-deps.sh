#!/usr/bin/env bash
# llama.cpp's OpenAI-compatible server, as llama-cpp-python[server] from PyPI (built from its
# source package: a C++ compiler and CMake, a few minutes on 2 cores the first time), in a venv
# cached under ~/.cache/zopilot/llama-venv, for the tests that send model calls to a real
# inference server (tests/e2e_engine_server.rs). Set ZOPILOT_LLAMA_PYTHON to use another one.
set -euo pipefail
VERSION=0.3.36
VENV="${ZOPILOT_LLAMA_VENV:-$HOME/.cache/zopilot/llama-venv}"
if "$VENV/bin/python" -c "import llama_cpp, llama_cpp.server, sys; sys.exit(llama_cpp.__version__ != '$VERSION')" 2>/dev/null; then
  echo "llama-cpp-python $VERSION: $VENV"
  exit 0
fi
if ! command -v cmake >/dev/null || ! command -v c++ >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cmake g++ >/dev/null
  else
    echo "llama-cpp-python needs cmake and a C++ compiler: sudo apt-get install cmake g++" >&2
    exit 1
  fi
fi
python3 -m venv "$VENV"
# Portable build (no -march=native), so a cached venv runs on any x86_64 machine.
CMAKE_ARGS="-DGGML_NATIVE=OFF" "$VENV/bin/pip" install --quiet "llama-cpp-python[server]==$VERSION"
echo "llama-cpp-python $VERSION: $VENV"
