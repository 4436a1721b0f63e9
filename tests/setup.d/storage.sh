#!/usr/bin/env bash
# Storage tests: nginx (Storage.LocalNginx serves the image folder through deploy/nginx/promoter-images.conf)
# and s3rver from npm (Storage.S3 talks to a real S3-protocol server). Idempotent and quiet when present.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The tests start their own nginx on a free loopback port; the packaged service is not needed.
  $sudo_cmd service nginx stop >/dev/null 2>&1 || true
fi

# s3rver, pinned by tests/tools/package-lock.json; reinstalled only when the lock file changed.
tools="$root/tests/tools"
stamp="$tools/node_modules/.package-lock.json"
if [ ! -f "$tools/node_modules/s3rver/bin/s3rver.js" ] || [ "$tools/package-lock.json" -nt "$stamp" ]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >/dev/null
fi
