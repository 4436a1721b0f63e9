#!/usr/bin/env bash
# E-mail channel tests: a real SMTP server (Debian's python3-aiosmtpd, driven by
# tests/Promoter.Channel.Email.Tests/smtp_server.py) and openssl for its throwaway TLS certificate.
set -euo pipefail
need=()
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3 python3-aiosmtpd)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "${#need[@]}" -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
