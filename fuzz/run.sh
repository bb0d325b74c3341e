#!/usr/bin/env bash
# Run every cargo-fuzz target for a bounded time (default 30 s each), seeded from the corpus.
#   fuzz/run.sh [SECONDS]
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Crashes land in
# fuzz/artifacts/<target>/ and fail the run. FUZZ_TARGET_DIR keeps the instrumented build
# outside the clone (CI caches it between runs).
set -euo pipefail
SECS="${1:-30}"
cd "$(dirname "$0")"
SHARED="../../shared/corpus"
seed() { # target, files...
  local dir="corpus/$1"; shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp -f "$f" "$dir/" ; done
}
seed detect "$SHARED"/pdf/*.pdf "$SHARED"/img/*.png "$SHARED"/xml/*.xml ../tests/fixtures/*.pdf
seed einvoice_xml "$SHARED"/xml/*.xml
seed pdf_attachments "$SHARED"/pdf/*.pdf ../tests/fixtures/*.pdf
seed office
seed field_rules
TARGETS="detect einvoice_xml pdf_attachments office field_rules"
# Build first: a build error is reported as one, not as a crash of the first target.
if ! cargo +nightly fuzz build --sanitizer none ${FUZZ_TARGET_DIR:+--target-dir "$FUZZ_TARGET_DIR"} 2>&1 | tail -30; then
  echo "fuzz: the targets do not build"; exit 2
fi
for t in $TARGETS; do
  echo "fuzzing $t for ${SECS}s"
  cargo +nightly fuzz run --sanitizer none ${FUZZ_TARGET_DIR:+--target-dir "$FUZZ_TARGET_DIR"} "$t" "corpus/$t" -- \
      -max_total_time="$SECS" -rss_limit_mb=4096 -max_len=1048576 -print_final_stats=1 2>&1 | tail -4
done
