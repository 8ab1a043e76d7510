#!/bin/bash
# make bench: installs the peer (bpftrace) if missing, then runs tools/bench.py.
set -euo pipefail
build=${1:-build}
if ! command -v bpftrace >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bpftrace >/dev/null
fi
exec python3 "$(dirname "$0")/bench.py" "$build"
