#!/usr/bin/env bash
# The whole test suite: unit tests next to the code, then end-to-end tests that start real
# berthd daemons (own data-root, socket, containerd) and drive them with berth and the real
# docker CLI. Installs what it needs first. Ends with one summary line over both runs.
set -uo pipefail
cd "$(dirname "$0")/.."
BERTH_TEST_DEPS=1 bash scripts/deps.sh || exit 1
if [ "$(id -u)" != 0 ]; then
  echo "berth: the test suite runs containers and must run as root" >&2
  exit 1
fi
# The CLI goldens print times in UTC, as recorded.
export TZ=UTC
log=$(mktemp)
trap 'rm -f "$log"' EXIT
node --test --test-reporter=tap dist/src 2>&1 | tee "$log"
unit=${PIPESTATUS[0]}
node --test --test-concurrency=1 --test-reporter=tap dist/test/e2e 2>&1 | tee -a "$log"
e2e=${PIPESTATUS[0]}
pass=$(awk '/^# pass /{s+=$3} END{print s+0}' "$log")
fail=$(awk '/^# fail /{s+=$3} END{print s+0}' "$log")
skip=$(awk '/^# skipped /{s+=$3} END{print s+0}' "$log")
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$unit" = 0 ] && [ "$e2e" = 0 ]
