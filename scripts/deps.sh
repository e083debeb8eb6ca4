#!/usr/bin/env bash
# Installs what Berth needs on a Debian 12 machine with Node 20: the Debian packages the daemon
# runs (containerd, runc, iptables, iproute2, tini) and the tests use (busybox-static, openssl,
# docker-compose; debootstrap makes the Debian image of test/e2e/chapter7, with procps inside it
# through --include), then the npm packages, then builds. Idempotent and quiet when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

want_debs=(containerd runc iptables iproute2 tini busybox-static openssl)
if [ "${BERTH_TEST_DEPS:-0}" = 1 ]; then want_debs+=(docker-compose debootstrap skopeo docker-registry); fi
missing=()
for p in "${want_debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "berth: these Debian packages are missing: ${missing[*]}" >&2
    echo "berth: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "berth: installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || [ ! -f node_modules/.package-lock.json ]; then
  echo "berth: installing npm packages" >&2
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2; else npm install --no-audit --no-fund >&2; fi
fi

npm run --silent build
