#!/usr/bin/env bash
# Quick start on a fresh Debian machine with the .NET 10 SDK: builds Promoter, starts a local Prometheus
# and Alertmanager with a demo rule (installing them from Debian if missing, skipping any already
# listening on 9090/9093), then runs Promoter with its embedded default: SQLite state and chart images
# under ./data, images served at http://localhost:8080/images/, every notification written to the log
# and to ./data/notifications.jsonl. Within a minute the demo alert arrives with its chart. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
dpkg -s librsvg2-2 >/dev/null 2>&1 || need+=(librsvg2-2)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "== Installing ${need[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  for svc in prometheus prometheus-alertmanager; do $sudo_cmd service "$svc" stop >/dev/null 2>&1 || true; done
fi

echo "== Building Promoter (artifacts/promoter)"
dotnet publish src/Host -c Release -o artifacts/promoter -nologo -v quiet -clp:ErrorsOnly

mkdir -p data/demo
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if listening 9090; then
  echo "== Something already listens on :9090; using it as Prometheus"
else
  echo "== Starting Prometheus on :9090 with the demo rule"
  cp examples/demo/prometheus.yml examples/demo/rules.yml data/demo/
  prometheus --config.file=data/demo/prometheus.yml --storage.tsdb.path=data/demo/prometheus \
    --web.listen-address=127.0.0.1:9090 >data/demo/prometheus.log 2>&1 &
  pids+=($!)
fi
if listening 9093; then
  echo "== Something already listens on :9093; using it as Alertmanager"
else
  echo "== Starting Alertmanager on :9093 (sends to http://127.0.0.1:8080/webhook/demo)"
  prometheus-alertmanager --config.file=examples/demo/alertmanager.yml --storage.path=data/demo/alertmanager \
    --web.listen-address=127.0.0.1:9093 --cluster.listen-address= >data/demo/alertmanager.log 2>&1 &
  pids+=($!)
fi

echo "== Starting Promoter on :8080 (embedded default). Watch for the demo alert; charts at http://localhost:8080/images/"
artifacts/promoter/promoter --data "$root/data" "$@" &
pids+=($!)
wait "${pids[-1]}"
