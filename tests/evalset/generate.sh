#!/usr/bin/env bash
# Re-render the labelled evaluation set (tests/evalset/): a venv with the pinned renderer wheels
# (requirements.txt, hashes checked) and the pinned invoice2data sdist for the real documents.
# Linux x86_64, Python 3.11. The rendered files are committed; this is only needed to change them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zopilot/evalset"
mkdir -p "$cache"
[ -x "$cache/venv/bin/python" ] || python3 -m venv "$cache/venv"
"$cache/venv/bin/pip" install --quiet --require-hashes --only-binary=:all: -r "$here/requirements.txt"
sdist="$cache/invoice2data-0.4.0.tar.gz"
if [ ! -f "$sdist" ]; then
  printf 'invoice2data==0.4.0 --hash=sha256:d84f2384903ff38e3ba9fb38104d4dbc9016b6559a848b8134691e0d3796c2c8\n' > "$cache/real.txt"
  "$cache/venv/bin/pip" download --quiet --no-deps --no-binary :all: --require-hashes -r "$cache/real.txt" -d "$cache"
fi
rm -rf "$here/pdf" "$here/scan" "$here/photo"
"$cache/venv/bin/python" "$here/generate.py" "$sdist"
