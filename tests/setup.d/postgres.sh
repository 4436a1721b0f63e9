#!/usr/bin/env bash
# PostgreSQL for the state store's tests: the contract suite and the replica tests start their own server with
# initdb/pg_ctl on a free loopback port (as the postgres user when run as root). Installs only what is missing.
set -euo pipefail
if dpkg -s postgresql >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
echo "installing: postgresql"
export DEBIAN_FRONTEND=noninteractive
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The package starts a cluster on systems with an init; the tests run their own.
$sudo_cmd service postgresql stop >/dev/null 2>&1 || true
