#!/usr/bin/env bash
# infra/ha/gateway-lb.sh: HAProxy in front of several gateway instances (HTTP, round robin,
# health check GET /readyz; infra/ha/lib.sh render_haproxy_gateways has the details).
#
#   gateway-lb.sh [--check] PORT NAME=HOST:PORT...
#       e.g. gateway-lb.sh 8080 gw1=127.0.0.1:8081 gw2=127.0.0.1:8082
#
# Renders $HA_DIR/gateway-lb-PORT.cfg, validates it, then execs HAProxy in the foreground (the
# caller's child PID is HAProxy's; SIGTERM stops it). --check: render and validate only.
# Each response carries `X-Served-By: <NAME>`. Listens on 127.0.0.1 (GATEWAY_LB_HOST to change).
set -euo pipefail
LOG_TAG=gateway-lb
# shellcheck source=infra/ha/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ha_settings

check=0
if [[ ${1:-} == --check ]]; then
  check=1
  shift
fi
(($# >= 2)) || die "usage: gateway-lb.sh [--check] PORT NAME=HOST:PORT..."
port=$1
shift
[[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number (got '$port')"
servers=()
for s in "$@"; do
  [[ $s =~ ^([A-Za-z0-9_-]+)=([^:]+:[0-9]+)$ ]] || die "expected NAME=HOST:PORT, got '$s'"
  servers+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]}")
done

command -v haproxy >/dev/null || ha_ensure_packages
mkdir -p "$HA_DIR"
cfg=$HA_DIR/gateway-lb-$port.cfg
render_haproxy_gateways "${GATEWAY_LB_HOST:-127.0.0.1}" "$port" "${servers[@]}" >"$cfg.new"
haproxy -c -q -f "$cfg.new" || die "invalid HAProxy configuration rendered: $cfg.new"
mv "$cfg.new" "$cfg"
((check == 0)) || exit 0
exec haproxy -db -f "$cfg"
