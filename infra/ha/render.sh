#!/usr/bin/env bash
# infra/ha/render.sh: prints or writes the HA configuration from the one renderer in lib.sh.
#
#   render.sh compose          (re)writes infra/ha/compose/ for docker-compose.yml:
#                              patroni1.yml..patroni3.yml, haproxy.cfg, gateway-lb.cfg
#   render.sh compose --stdout the same files concatenated on stdout (what the test compares)
#
# The compose files use the default HA_* settings (not the caller's environment), so they are
# reproducible; change a running compose cluster with `patronictl edit-config` instead.
# The native files are rendered by infra/ha/up.sh into .run/ha/.
set -euo pipefail
# Defaults only: drop every HA_* setting of the caller.
while IFS= read -r v; do unset "$v"; done < <(compgen -v | grep '^HA_' || true)
LOG_TAG=ha-render
# shellcheck source=infra/ha/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HA_DIR=$(mktemp -d)
trap 'rm -rf "$HA_DIR"' EXIT
export HA_DIR
load_dotenv() { :; } # compose files must not depend on a developer's .env
ha_settings

[[ ${1:-} == compose ]] || die "usage: render.sh compose [--stdout]"
out=$ROOT/infra/ha/compose
stdout=0
[[ ${2:-} == --stdout ]] && stdout=1

emit() { # file: write stdin to infra/ha/compose/<file> or, with --stdout, print it with a marker
  if ((stdout)); then
    echo "#### $1"
    cat
  else
    mkdir -p "$out"
    cat >"$out/$1"
  fi
}

nodes=()
for ((i = 1; i <= HA_NODES; i++)); do
  n=patroni$i
  nodes+=("$n $n 5432 8008")
  render_patroni "$n" 0.0.0.0:5432 "$n:5432" 0.0.0.0:8008 "$n:8008" etcd:2379 \
    /var/lib/postgresql/patroni/data /usr/lib/postgresql/15/bin /var/run/postgresql \
    /tmp/pgpass password | emit "$n.yml"
done
# Inside the compose network HAProxy listens on the same ports as natively (5000, 5001, 7000).
HA_HAPROXY_RESOLVERS=docker render_haproxy_pg 0.0.0.0 "${nodes[@]}" | emit haproxy.cfg
HA_HAPROXY_RESOLVERS=docker render_haproxy_gateways 0.0.0.0 8080 "template 2 gateway:8080" |
  emit gateway-lb.cfg
((stdout)) || log "wrote infra/ha/compose/: patroni1..${HA_NODES}.yml haproxy.cfg gateway-lb.cfg"
