#!/usr/bin/env bash
# Debian packages the tests run against: a real Prometheus and Alertmanager (amtool is the template oracle),
# nginx for the local image store, librsvg for charts (and rsvg-convert for the benchmark), CJK fonts for
# chart text, Chromium for the web page and the rendering benchmark. Installs only what is missing.
set -euo pipefail
packages=(prometheus prometheus-alertmanager nginx-light librsvg2-2 librsvg2-bin fonts-noto-cjk fonts-dejavu-core chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages start services on systems with an init; the tests start their own instances on free ports.
for svc in prometheus prometheus-alertmanager nginx; do
  $sudo_cmd service "$svc" stop >/dev/null 2>&1 || true
done
