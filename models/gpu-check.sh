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
# 4. vLLM on CUDA as the inference server (issue 25): a second venv (~/.cache/zopilot/vllm-venv,
#    `pip install vllm`, or PIP_FIND_LINKS as above) serves the same Qwen GGUF (`vllm serve FILE
#    --tokenizer <the imported model folder>`: tokenizer.json and tokenizer_config.json), and
#    `zopilot bench pipeline --corpus ../shared/corpus` runs twice — local CUDA engine, then every
#    model call through vLLM (`--engine-url`) — and the two runs' PRIMARY actions and fields are
#    compared row by row. Skipped with a note (not failed) when vLLM cannot be installed.
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

vllm_step() { # the pipeline through vLLM beside the local engine, same model, same corpus
  local venv=${ZOPILOT_VLLM_VENV:-$HOME/.cache/zopilot/vllm-venv} port=18123 model=$ZOPILOT_DATA_DIR/models/qwen05-cuda
  step "vLLM on CUDA serving Qwen2.5-Coder-0.5B; bench pipeline local vs --engine-url"
  if [ ! -x "$venv/bin/vllm" ]; then
    python3 -m venv "$venv" && "$venv/bin/pip" install -q vllm \
      || { echo "vLLM not installable here: step skipped"; return; }
  fi
  "$venv/bin/vllm" serve "$GGUF" --tokenizer "$model" --served-model-name qwen05 \
    --host 127.0.0.1 --port $port --max-model-len 8192 --gpu-memory-utilization 0.5 \
    >"$WORK/vllm.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 180); do curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null && break; sleep 2; done
  if ! curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null; then
    tail -20 "$WORK/vllm.log"; kill $pid 2>/dev/null; failed+=("vllm serve"); return
  fi
  "$ZOP" doctor --engine-url "http://127.0.0.1:$port" 2>&1 | grep -i engine
  timeout 600 "$ZOP" bench pipeline --corpus "$SHARED/corpus" --model-dir "$model" \
    --json "$WORK/local.json" | tail -8 || failed+=("bench pipeline local")
  timeout 900 "$ZOP" bench pipeline --corpus "$SHARED/corpus" --model-dir "$model" \
    --engine-url "http://127.0.0.1:$port" --json "$WORK/vllm.json" | tail -8 || failed+=("bench pipeline vllm")
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
  python3 - "$WORK/local.json" "$WORK/vllm.json" <<'PY' || failed+=("vllm same outputs")
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["invoice_number", "issue_date", "due_date", "total", "subtotal", "tax", "currency"]
diff = 0
for x, y in zip(a, b):
    fx = [x["result"].get("primary_action")] + [(x.get("extracted") or {}).get(k) for k in keys]
    fy = [y["result"].get("primary_action")] + [(y.get("extracted") or {}).get(k) for k in keys]
    if fx != fy:
        diff += 1
        print("differs:", x["file_name"], fx, fy)
print(f"vLLM vs local: {len(a) - diff}/{len(a)} rows with the same PRIMARY and fields")
sys.exit(1 if diff else 0)
PY
}
[ -n "${GGUF:-}" ] && [ -d "$ZOPILOT_DATA_DIR/models/qwen05-cuda" ] && vllm_step

step "tiny Mixtral, --target cuda, through the CLI"
if "$ZOP" models import "$SHARED/reference/tiny-mixtral/tiny-mixtral-q8_0.gguf" --target cuda --name tiny-mixtral-cuda; then
  timeout 120 "$ZOP" bench engine --model "$ZOPILOT_DATA_DIR/models/tiny-mixtral-cuda" \
    --context 64,256 --rest 32 --decode 32 --rounds 3 || failed+=("tiny mixtral bench")
else
  failed+=("tiny mixtral import"); fi

echo
if [ ${#failed[@]} -eq 0 ]; then echo "GPU check: all steps passed"; else echo "GPU check: FAILED: ${failed[*]}"; exit 1; fi
