#!/usr/bin/env bash
# End-to-end tests (tests/Promoter.EndToEnd.Tests): a real Prometheus and Alertmanager (amtool checks
# deploy/alertmanager), nginx in front of the local image store, librsvg and fonts for the charts, and
# s3rver (npm, pinned in tests/tools) as the S3 server. Idempotent: installs only what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

packages=(prometheus prometheus-alertmanager nginx-light librsvg2-2 fonts-noto-cjk fonts-dejavu-core nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node may come from elsewhere than Debian (as on machines with Node 20 preinstalled).
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -v '^$' || true)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The tests start their own instances on free loopback ports.
  for svc in prometheus prometheus-alertmanager nginx; do
    $sudo_cmd service "$svc" stop >/dev/null 2>&1 || true
  done
fi

tools="$root/tests/tools"
if [ ! -f "$tools/node_modules/s3rver/bin/s3rver.js" ]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >/dev/null
fi
