#!/usr/bin/env bash
# Channel tests (DingTalk, Slack, Webhook, Teams, Telegram, Discord): amtool renders the shipped default templates (the reference
# Go template engine), openssl is the independent oracle for DingTalk's HMAC-SHA256 signature.
set -euo pipefail
need=()
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "${#need[@]}" -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
