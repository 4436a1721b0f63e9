#!/bin/sh
# Templating conformance: `amtool template render` from Alertmanager 0.25 is the oracle, and the package's
# default.tmpl (/usr/share/prometheus/alertmanager/default.tmpl) is what amtool renders the built-in names with.
# tzdata gives the zone abbreviations (CST…) the tz/dateInZone cases print.
set -e
need=""
command -v amtool >/dev/null 2>&1 && [ -f /usr/share/prometheus/alertmanager/default.tmpl ] || need="$need prometheus-alertmanager"
[ -f /usr/share/zoneinfo/Asia/Shanghai ] || need="$need tzdata"
if [ -n "$need" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
