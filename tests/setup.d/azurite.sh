#!/usr/bin/env bash
# Storage.AzureBlob tests: Azurite from npm (Microsoft's Azure Storage emulator; the tests start its Blob service on
# a free loopback port with the well-known development account). Idempotent and quiet when present.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing: nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# Pinned by tests/tools/package-lock.json (azurite 3.37.0); installed only when missing or the lock file changed.
tools="$root/tests/tools"
stamp="$tools/node_modules/.package-lock.json"
if [ ! -f "$tools/node_modules/azurite/dist/src/blob/main.js" ] || [ "$tools/package-lock.json" -nt "$stamp" ]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >/dev/null
fi
