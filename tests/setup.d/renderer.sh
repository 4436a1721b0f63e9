#!/bin/sh
# Renderer.Prometheus and Renderer.Grafana tests (and bench/Renderer, bench/GrafanaPanel): a real Prometheus (prometheus, promtool), librsvg for in-process rasterising,
# fonts for Latin and CJK text, time zones; rsvg-convert and chromium for the benchmark comparison.
set -eu
need=""
command -v prometheus >/dev/null 2>&1 || need="$need prometheus"
command -v rsvg-convert >/dev/null 2>&1 || need="$need librsvg2-bin"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
ldconfig -p 2>/dev/null | grep -q 'librsvg-2.so.2' || need="$need librsvg2-2"
[ -f /usr/share/zoneinfo/Asia/Shanghai ] || need="$need tzdata"
fc-list 2>/dev/null | grep -q 'Noto Sans CJK' || need="$need fonts-noto-cjk"
fc-list 2>/dev/null | grep -q 'DejaVu Sans' || need="$need fonts-dejavu-core"
if [ -n "$need" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $need fontconfig >/dev/null
fi
