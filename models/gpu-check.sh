#!/usr/bin/env bash
# The CUDA check, ready for a machine with an NVIDIA GPU (driver for CUDA 13) — about 5–10 minutes.
#
#   models/gpu-check.sh            # from the repository root, with ../shared beside it
#
# 1. A venv (~/.cache/zopilot/gpu-venv) with onnxruntime-gpu==1.31.1 and the NVIDIA runtime
#    wheels it names as extras (CUDA 13, cuDNN 9). Without internet, point pip at a folder of
#    wheels fetched elsewhere: PIP_FIND_LINKS=/path PIP_NO_INDEX=1 models/gpu-check.sh
#    (`pip download 'onnxruntime-gpu[cuda,cudnn]==1.31.1' -d /path` on a connected machine).
# 2. The reference checks on the CUDA execution provider (ZOPILOT_EXECUTION_PROVIDER=cuda):
#    the tiny Mixtral imported with --target cuda (float16, QMoE) and the SmolLM2/Qwen imports
#    against the fp32 reference logits (tests import_mixtral, import_reference), and the KV-cache
#    tests on the oracle export (kv_cache, llm_reference: in-place KV, rewinding, prefix copies
#    through ONNX Runtime's device copy).
# 3. `zopilot bench engine` on Qwen2.5-Coder-0.5B imported with --target cuda: prefill and decode
#    tokens/s at 512 / 2,048 / 6,000 tokens, cold and with the prefix cached.
#
# Binaries: uses $CARGO_TARGET_DIR (default target)/release/zopilot and the test binaries in its deps when they
# are there (built beforehand with `cargo build --release && cargo test --release --no-run`), else
# builds them with cargo. Prints each step's result and a summary; exits non-zero if any failed.
#
# What only a GPU shows (untested on the CPU-only machines this project is built on): the KV
# buffers allocated in CUDA memory and bound as past and present at once, prefix copies between
# device buffers (ONNX Runtime identity runs on views), and the float16 graphs' speed. The prefix
# store on disk is host-memory only (the CUDA engine keeps prefixes in device memory only).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${ZOPILOT_SHARED:-$ROOT/../shared}
VENV=${ZOPILOT_GPU_VENV:-$HOME/.cache/zopilot/gpu-venv}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failed=()
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader \
  || { echo "no nvidia-smi: this check needs an NVIDIA GPU"; exit 2; }

step "onnxruntime-gpu 1.31.1 with CUDA 13 / cuDNN 9 wheels"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV" || exit 2; fi
"$VENV/bin/pip" install -q 'onnxruntime-gpu[cuda,cudnn]==1.31.1' || { echo "pip install failed"; exit 2; }
SITE=$("$VENV/bin/python" -c 'import site; print(site.getsitepackages()[0])')
ORT=$(ls "$SITE"/onnxruntime/capi/libonnxruntime.so.1.31.1 2>/dev/null) || { echo "no libonnxruntime.so.1.31.1 in the wheel"; exit 2; }
# The provider library and the NVIDIA wheels' libraries must be on the loader path.
NV=$(find "$SITE/nvidia" -maxdepth 2 -type d -name lib 2>/dev/null | tr '\n' ':')
export LD_LIBRARY_PATH="$SITE/onnxruntime/capi:${NV}${LD_LIBRARY_PATH:-}"
export ZOPILOT_ORT_LIBRARY=$ORT ZOPILOT_EXECUTION_PROVIDER=cuda ZOPILOT_LOG=warn
export ZOPILOT_DATA_DIR=$WORK/data ZOPILOT_CONFIG=$WORK/config.toml ZOPILOT_SHARED=$SHARED
"$VENV/bin/python" -c 'import onnxruntime as o; p=o.get_available_providers(); print(p); assert "CUDAExecutionProvider" in p'

step "binaries"
if [ ! -x "$TARGET/release/zopilot" ] || [ -z "$(ls "$TARGET"/release/deps/import_mixtral-* 2>/dev/null)" ]; then
  command -v cargo >/dev/null || { echo "no prebuilt binaries and no cargo"; exit 2; }
  cargo build --release --locked -p zopilot && cargo test --release --locked -p zopilot --no-run \
    --test import_mixtral --test import_reference --test kv_cache --test llm_reference || exit 2
fi
ZOP=$TARGET/release/zopilot

run_test() { # the newest test binary of that name, run from the crate folder as cargo would
  local bin; bin=$(ls -t "$TARGET"/release/deps/"$1"-* 2>/dev/null | grep -v '\.d$' | head -1)
  step "test $1 on CUDA"
  if [ -z "$bin" ]; then echo "missing test binary $1"; failed+=("$1"); return; fi
  (cd daemon && timeout 300 "$bin" --test-threads 1 "${@:2}") || failed+=("$1")
}
run_test import_mixtral
run_test import_reference
run_test kv_cache
run_test llm_reference

step "import Qwen2.5-Coder-0.5B with --target cuda"
GGUF=$("$ZOP" models fetch qwen2.5-coder-0.5b-instruct | tail -1)
if [ -f "$GGUF" ] && "$ZOP" models import "$GGUF" --target cuda --name qwen05-cuda; then
  step "bench engine on CUDA (Qwen2.5-Coder-0.5B, float16)"
  timeout 300 "$ZOP" bench engine --model "$ZOPILOT_DATA_DIR/models/qwen05-cuda" \
    --context 512,2048,6000 --rounds 3 || failed+=("bench engine")
else
  failed+=("qwen import"); fi

step "tiny Mixtral, --target cuda, through the CLI"
if "$ZOP" models import "$SHARED/reference/tiny-mixtral/tiny-mixtral-q8_0.gguf" --target cuda --name tiny-mixtral-cuda; then
  timeout 120 "$ZOP" bench engine --model "$ZOPILOT_DATA_DIR/models/tiny-mixtral-cuda" \
    --context 64,256 --rest 32 --decode 32 --rounds 3 || failed+=("tiny mixtral bench")
else
  failed+=("tiny mixtral import"); fi

echo
if [ ${#failed[@]} -eq 0 ]; then echo "GPU check: all steps passed"; else echo "GPU check: FAILED: ${failed[*]}"; exit 1; fi
