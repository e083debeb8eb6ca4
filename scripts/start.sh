#!/usr/bin/env bash
# Starts berthd with its embedded defaults (data-root /var/lib/berth, exec-root /run/berth,
# socket unix:///run/berth/berth.sock, its own containerd). Extra arguments go to berthd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec node dist/src/cmd/berthd.js "$@"
