#!/usr/bin/env bash
# PostgreSQL's server programs for the store contract suite and the several-daemons tests (they
# start a throwaway server themselves: initdb + postgres on a free loopback port). Debian's
# package; nothing is started or enabled system-wide.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  echo "postgresql: $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "PostgreSQL's server is missing: sudo apt-get install -y postgresql" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# Debian's package creates and starts a cluster of its own; the tests do not use it.
(command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | while read -r v c _; do pg_ctlcluster "$v" "$c" stop || true; done) || true
ls -d /usr/lib/postgresql/*/bin
