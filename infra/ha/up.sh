#!/usr/bin/env bash
# infra/ha/up.sh: the highly available PostgreSQL topology on 127.0.0.1, natively, no Docker.
#
#   etcd (v3 API)            127.0.0.1:HA_ETCD_PORT (2479; peer 2480)        - Patroni's DCS
#   Patroni + PostgreSQL 15  pg1..pgN on HA_PG_PORT.. (5441..), REST on HA_REST_PORT.. (8011..),
#                            run as the postgres user, data in .run/ha/<node>/data
#   HAProxy                  :HA_WRITE_PORT (5000) -> leader, :HA_READ_PORT (5001) -> replicas,
#                            :HA_STATS_PORT (7000) stats page
#
# then waits until the leader is writable through the write port and every replica streams,
# and creates HA_DATABASE (ingest) through the write port. Prints the URLs at the end.
#
#   up.sh            idempotent: starts what is not running (from existing data if any),
#                    re-renders the configuration, re-applies the replication settings
#   up.sh --fresh    down.sh --purge first: a brand-new cluster (what the HA tests use)
#
# Missing Debian packages (patroni, etcd-server, etcd-client, haproxy, postgresql-15) are
# installed with apt-get (root). Everything this script starts is recorded in .run/ha/pids/ and
# stopped by infra/ha/down.sh, which stops nothing else. Settings: see infra/ha/lib.sh.
set -euo pipefail

LOG_TAG=ha-up
# shellcheck source=infra/ha/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec </dev/null
ha_settings

if [[ ${1:-} == --fresh ]]; then
  bash "$HA_HOME/down.sh" --purge
elif [[ -n ${1:-} ]]; then
  die "usage: up.sh [--fresh]"
fi

[[ $EUID -eq 0 ]] || die "infra/ha/up.sh runs as root (it starts PostgreSQL as the postgres user)"
mkdir -p "$HA_DIR" "$HA_PID_DIR" "$HA_LOG_DIR"
exec 9>"$HA_DIR/ha.lock"
flock -w 300 9 || die "another infra/ha/up.sh or down.sh holds $HA_DIR/ha.lock"

ha_ensure_packages
id postgres >/dev/null 2>&1 || die "no postgres user (the postgresql-common package creates it)"

T0=$SECONDS
NODES=$(ha_node_names)

# A port taken by something that is not ours would make a node fail in confusing ways.
check_port_free() { # port owner-name
  if port_open 127.0.0.1 "$1"; then
    die "port $1 (for $2) is taken by pid $(port_owner_pid "$1" || echo '?'); stop it or change the HA_* port settings"
  fi
}

# ---------------------------------------------------------------- etcd

if ha_running etcd; then
  log "etcd: running (pid $(ha_pid_get etcd pid))"
else
  check_port_free "$HA_ETCD_PORT" etcd
  check_port_free "$HA_ETCD_PEER_PORT" "etcd peer"
  mkdir -p "$HA_DIR/etcd"
  chmod 700 "$HA_DIR/etcd"
  log "etcd: starting on 127.0.0.1:$HA_ETCD_PORT (data $HA_DIR/etcd)"
  spawn_detached "$HA_LOG_DIR/etcd.log" etcd \
    --name "ha-$HA_SCOPE" \
    --data-dir "$HA_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$HA_ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$HA_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$HA_ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$HA_ETCD_PEER_PORT" \
    --initial-cluster "ha-$HA_SCOPE=http://127.0.0.1:$HA_ETCD_PEER_PORT" \
    --initial-cluster-token "ha-$HA_SCOPE" \
    --initial-cluster-state new \
    --listen-metrics-urls '' \
    --logger zap --log-outputs stderr
  ha_write_pid etcd "pid=$SPAWNED_PID" "match=$HA_DIR/etcd" kind=etcd
  wait_for "etcd on 127.0.0.1:$HA_ETCD_PORT" 30 etcd_healthy || {
    tail -n 20 "$HA_LOG_DIR/etcd.log" >&2
    die "etcd did not become healthy (log: $HA_LOG_DIR/etcd.log)"
  }
fi

# ---------------------------------------------------------------- Patroni nodes

mkdir -p "$HA_SOCK_DIR"
chown postgres:postgres "$HA_SOCK_DIR"
for n in $NODES; do
  dir=$HA_DIR/$n
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  render_patroni "$n" \
    "127.0.0.1:$(ha_pg_port "$n")" "127.0.0.1:$(ha_pg_port "$n")" \
    "127.0.0.1:$(ha_rest_port "$n")" "127.0.0.1:$(ha_rest_port "$n")" \
    "127.0.0.1:$HA_ETCD_PORT" "$dir/data" "$HA_PG_BIN" "$HA_SOCK_DIR" "$dir/pgpass" native \
    >"$dir/patroni.yml.new"
  chown postgres:postgres "$dir/patroni.yml.new"
  chmod 600 "$dir/patroni.yml.new"
  mv "$dir/patroni.yml.new" "$dir/patroni.yml"
  if ha_running "patroni-$n"; then
    # Patroni re-reads its file on SIGHUP (local settings; DCS settings are applied below).
    kill -HUP "$(ha_pid_get "patroni-$n" pid)"
    log "$n: running (patroni pid $(ha_pid_get "patroni-$n" pid))"
    continue
  fi
  pm=$(ha_postmaster_pid "$n")
  [[ -z $pm ]] || {
    # A postmaster without its Patroni (Patroni was killed): Patroni adopts a running postmaster.
    log "$n: postmaster $pm runs without Patroni; the new Patroni takes it over"
  }
  if [[ -z $pm ]]; then
    check_port_free "$(ha_pg_port "$n")" "$n postgres"
  fi
  check_port_free "$(ha_rest_port "$n")" "$n Patroni REST"
  log "$n: starting Patroni (postgres :$(ha_pg_port "$n"), REST :$(ha_rest_port "$n"))"
  printf '\n==== %s: started by infra/ha/up.sh ====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    >>"$HA_LOG_DIR/patroni-$n.log"
  # setpriv execs (no fork), so the recorded pid is Patroni's own.
  HOME=/var/lib/postgresql spawn_detached "$HA_LOG_DIR/patroni-$n.log" \
    setpriv --reuid=postgres --regid=postgres --init-groups \
    env HOME=/var/lib/postgresql LC_ALL=C.UTF-8 LANG=C.UTF-8 patroni "$dir/patroni.yml"
  ha_write_pid "patroni-$n" "pid=$SPAWNED_PID" "match=$dir/patroni.yml" kind=patroni "node=$n"
done

# ---------------------------------------------------------------- HAProxy

args=()
for n in $NODES; do args+=("$n 127.0.0.1 $(ha_pg_port "$n") $(ha_rest_port "$n")"); done
render_haproxy_pg 127.0.0.1 "${args[@]}" >"$HA_DIR/haproxy.cfg.new"
haproxy -c -q -f "$HA_DIR/haproxy.cfg.new" >>"$HA_LOG_DIR/haproxy.log" 2>&1 ||
  die "the rendered HAProxy configuration is invalid: $HA_DIR/haproxy.cfg.new (haproxy -c -f it)"
sum=$(sha256sum <"$HA_DIR/haproxy.cfg.new" | cut -c1-16)
if ha_running haproxy && [[ $(ha_pid_get haproxy config) == "$sum" ]]; then
  rm -f "$HA_DIR/haproxy.cfg.new"
  log "haproxy: running (pid $(ha_pid_get haproxy pid))"
else
  if ha_running haproxy; then
    log "haproxy: configuration changed, restarting"
    pid=$(ha_pid_get haproxy pid)
    kill -TERM "$pid" 2>/dev/null || true
    wait_for "haproxy pid $pid to exit" 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" || true
  fi
  mv "$HA_DIR/haproxy.cfg.new" "$HA_DIR/haproxy.cfg"
  check_port_free "$HA_WRITE_PORT" "haproxy write port"
  check_port_free "$HA_READ_PORT" "haproxy read port"
  check_port_free "$HA_STATS_PORT" "haproxy stats"
  log "haproxy: starting (write :$HA_WRITE_PORT, read :$HA_READ_PORT, stats :$HA_STATS_PORT)"
  # -db: stay in the foreground (spawn_detached gives it its own session).
  spawn_detached "$HA_LOG_DIR/haproxy.log" haproxy -db -f "$HA_DIR/haproxy.cfg"
  ha_write_pid haproxy "pid=$SPAWNED_PID" "match=$HA_DIR/haproxy.cfg" kind=haproxy "config=$sum"
fi

# ---------------------------------------------------------------- wait for the cluster

patronictl_() { patronictl -c "$HA_DIR/pg1/patroni.yml" "$@"; }

show_failure() {
  local n
  patronictl_ list >&2 2>&1 || true
  for n in $NODES; do
    echo "---- $HA_LOG_DIR/patroni-$n.log (last lines)" >&2
    tail -n 8 "$HA_LOG_DIR/patroni-$n.log" >&2 || true
  done
}

deadline=$((SECONDS + HA_UP_TIMEOUT))
left() { echo $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)); }
wait_for "a writable leader on :$HA_WRITE_PORT" "$(left)" write_port_ready || {
  show_failure
  die "no writable leader through HAProxy after ${HA_UP_TIMEOUT}s"
}
log "leader writable through :$HA_WRITE_PORT after $((SECONDS - T0))s"

# Re-apply the replication settings: bootstrap.dcs only counts when the cluster is created.
want=$(mktemp)
{
  echo "ttl=$HA_TTL"
  echo "loop_wait=$HA_LOOP_WAIT"
  echo "retry_timeout=$HA_RETRY_TIMEOUT"
  echo "maximum_lag_on_failover=$HA_MAX_LAG_ON_FAILOVER"
  echo "failsafe_mode=true"
  ha_sync_yaml '' | sed 's/: /=/'
  echo "postgresql.parameters.synchronous_commit=$(ha_sync_commit)"
} >"$want"
set_args=()
while IFS= read -r kv; do set_args+=(--set "$kv"); done <"$want"
rm -f "$want"
if ! out=$(patronictl_ edit-config --force --quiet "${set_args[@]}" 2>&1); then
  # patronictl exits non-zero when nothing changed in some versions; only a real error matters.
  [[ $out == *"Not changed"* ]] || die "patronictl edit-config failed: $out"
fi

wait_for "$((HA_NODES - 1)) streaming replicas ($HA_REPLICATION)" "$(left)" replicas_streaming || {
  show_failure
  die "replicas not streaming after ${HA_UP_TIMEOUT}s"
}
wait_for "a replica on the read port :$HA_READ_PORT" "$(left)" read_port_ready || {
  show_failure
  die "no replica behind the read port after ${HA_UP_TIMEOUT}s"
}
log "replicas streaming, read port serving after $((SECONDS - T0))s"

exists=$(psql_at "$HA_WRITE_PORT" postgres -v db="$HA_DATABASE" -f - <<<"select 1 from pg_database where datname = :'db';")
if [[ $exists != 1 ]]; then
  log "creating database '$HA_DATABASE' through the write port"
  out=$(psql_at "$HA_WRITE_PORT" postgres -v ON_ERROR_STOP=1 -v db="$HA_DATABASE" -f - <<<'create database :"db";' 2>&1) ||
    [[ $out == *"already exists"* ]] || die "could not create database '$HA_DATABASE': $out"
fi

patronictl_ list 2>/dev/null | sed 's/^/[ha-up]   /' || true
log "ready in $((SECONDS - T0))s (replication: $HA_REPLICATION, synchronous_commit $(ha_sync_commit)):"
log "  write  postgres://postgres@127.0.0.1:$HA_WRITE_PORT/$HA_DATABASE   (leader)"
log "  read   postgres://postgres@127.0.0.1:$HA_READ_PORT/$HA_DATABASE   (replicas)"
log "  stats  http://127.0.0.1:$HA_STATS_PORT/    patronictl: infra/ha/ctl.sh list"
