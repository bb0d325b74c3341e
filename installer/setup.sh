#!/usr/bin/env bash
# Zopilot Local set-up: build the daemon, fetch the native libraries it loads at run time and the
# default model, all from package registries (cargo, pip), verified by pinned SHA-256 sums.
#
#   installer/setup.sh [--data-dir DIR] [--model ALIAS] [--no-build]
#
# Installs (idempotent: what is already there and verified is kept):
#   target/release/zopilot               the daemon (cargo build --release)
#   target/release/zopilot-tray          the tray menu (needs GTK 3 + libayatana-appindicator3;
#                                        their -dev packages are installed with apt-get when
#                                        running as root, else the tray is skipped with a hint)
#   $DATA/lib/libonnxruntime.so.1.31.1   ONNX Runtime 1.31.1, CPU build (PyPI onnxruntime==1.31.1)
#   $DATA/lib/libpdfium.so               PDFium (PyPI pypdfium2==5.15.2, pypdfium2_raw/)
#   $DATA/ocr/*.onnx                     OCR models: PP-OCRv6 small det/rec + direction classifier
#                                        (PyPI rapidocr==3.10.0, rapidocr/models/, Apache-2.0)
#   $DATA/models/<alias>, models/default the default model, imported from its GGUF
#                                        (zopilot models pull; default alias below)
# DATA defaults to ${XDG_DATA_HOME:-~/.local/share}/zopilot (what the daemon uses by default) or
# $ZOPILOT_DATA_DIR. Downloads are cached in ${XDG_CACHE_HOME:-~/.cache}/zopilot/wheels.
set -euo pipefail

DATA="${ZOPILOT_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/zopilot}"
MODEL="${ZOPILOT_DEFAULT_MODEL:-qwen2.5-coder-1.5b-instruct}"
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) DATA="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/zopilot/wheels"
LIB="$DATA/lib"
mkdir -p "$CACHE" "$LIB"

arch="$(uname -m)"
case "$(uname -s)-$arch" in
  Linux-x86_64) ;;
  *) echo "setup.sh: only Linux x86_64 wheels are pinned so far (this is $(uname -s) $arch)" >&2; exit 1 ;;
esac

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || { echo "setup.sh: python3 with pip is needed to fetch the wheels" >&2; exit 1; }

# name==version  platform-tag  wheel-file  sha256
WHEELS=(
  "onnxruntime==1.31.1 manylinux_2_28_x86_64 onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl 5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f"
  "pypdfium2==5.15.2 manylinux_2_17_x86_64 pypdfium2-5.15.2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl dc31aea5b0fb9fefc9b537a65f4113980b2c40798445736a7e6565bc85161e37"
  "rapidocr==3.10.0 manylinux_2_17_x86_64 rapidocr-3.10.0-py3-none-any.whl 2fc34e26cd0f48514804a94f8832283039c7334076bff60768b1fed9ad068050"
)

fetch_wheel() { # spec platform file sha
  local spec="$1" platform="$2" file="$3" sha="$4"
  if [ -f "$CACHE/$file" ] && echo "$sha  $CACHE/$file" | sha256sum -c --status; then
    return 0
  fi
  echo "fetching $spec from PyPI"
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform "$platform" -d "$CACHE" "$spec"
  echo "$sha  $CACHE/$file" | sha256sum -c --status \
    || { echo "setup.sh: SHA-256 mismatch for $file — refusing to install it" >&2; rm -f "$CACHE/$file"; exit 1; }
}

install_member() { # wheel member target
  local wheel="$1" member="$2" target="$3" tmp
  tmp="$(mktemp -d)"
  "$PY" - "$wheel" "$member" "$tmp" <<'PYEOF'
import sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    z.extract(member, out)
PYEOF
  install -m 0755 "$tmp/$member" "$target.new"
  mv -f "$target.new" "$target"
  rm -rf "$tmp"
}

for w in "${WHEELS[@]}"; do
  set -- $w
  fetch_wheel "$1" "$2" "$3" "$4"
done

ORT_WHEEL="$CACHE/onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl"
PDFIUM_WHEEL="$CACHE/pypdfium2-5.15.2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
[ -f "$LIB/libonnxruntime.so.1.31.1" ] || install_member "$ORT_WHEEL" onnxruntime/capi/libonnxruntime.so.1.31.1 "$LIB/libonnxruntime.so.1.31.1"
[ -f "$LIB/libonnxruntime_providers_shared.so" ] || install_member "$ORT_WHEEL" onnxruntime/capi/libonnxruntime_providers_shared.so "$LIB/libonnxruntime_providers_shared.so"
[ -f "$LIB/libpdfium.so" ] || install_member "$PDFIUM_WHEEL" pypdfium2_raw/libpdfium.so "$LIB/libpdfium.so"

OCR_WHEEL="$CACHE/rapidocr-3.10.0-py3-none-any.whl"
mkdir -p "$DATA/ocr"
for m in PP-OCRv6_det_small.onnx PP-OCRv6_rec_small.onnx ch_ppocr_mobile_v2.0_cls_mobile.onnx; do
  [ -f "$DATA/ocr/$m" ] || install_member "$OCR_WHEEL" "rapidocr/models/$m" "$DATA/ocr/$m"
done

echo "ONNX Runtime: $LIB/libonnxruntime.so.1.31.1"
echo "OCR models:   $DATA/ocr"
echo "PDFium:       $LIB/libpdfium.so"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/zopilot"
TRAY_DEV="libgtk-3-dev libayatana-appindicator3-dev"
have_tray_libs() { pkg-config --exists gtk+-3.0 ayatana-appindicator3-0.1 2>/dev/null; }
if [ "$BUILD" = 1 ]; then
  if ! have_tray_libs && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing the tray's build libraries ($TRAY_DEV)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pkg-config $TRAY_DEV >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pkg-config $TRAY_DEV >/dev/null; }
  fi
  if have_tray_libs; then
    echo "building zopilot and zopilot-tray (release)"
    (cd "$ROOT" && cargo build --release --locked -p zopilot -p zopilot-tray)
  else
    echo "setup.sh: GTK 3 / appindicator development files missing: building the daemon only" >&2
    echo "          (sudo apt-get install $TRAY_DEV, then run setup.sh again for the tray)" >&2
    (cd "$ROOT" && cargo build --release --locked -p zopilot)
  fi
fi
if [ -x "$BIN" ]; then
  ZOPILOT_DATA_DIR="$DATA" "$BIN" models pull "$MODEL"
  echo "zopilot:      $BIN"
else
  echo "setup.sh: $BIN not built; skipping the model (run without --no-build)" >&2
fi
