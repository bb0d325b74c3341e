#!/usr/bin/env bash
# Python clients the end-to-end tests drive the daemon with, from PyPI, pinned, in a venv outside
# the clone: the official `openai` client (tests/e2e_openai.rs) and selenium, which drives Debian's
# Chromium through its ChromeDriver for the review page (tests/e2e_review.rs), and schemathesis
# (tests/e2e_openapi.rs).
#   tests/python-deps.sh            → $ZOPILOT_TEST_VENV (default ~/.cache/zopilot/test-venv)
set -euo pipefail
VENV="${ZOPILOT_TEST_VENV:-$HOME/.cache/zopilot/test-venv}"
REQS=(openai==3.57.0 selenium==4.51.0 schemathesis==4.32.5)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || { apt-get install -y -q python3-venv >/dev/null && python3 -m venv "$VENV"; }
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "${REQS[@]}"
"$VENV/bin/python" -c "import openai, selenium, schemathesis; print('openai', openai.__version__, 'selenium', selenium.__version__, 'schemathesis', schemathesis.__version__)"
