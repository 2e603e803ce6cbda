# shellcheck shell=bash
# Shared settings and helpers of infra/ha/*.sh (the Patroni + etcd + HAProxy topology).
# Source it; do not run it. Builds on infra/local/lib.sh (log, die, wait_for, spawn_detached, ...).
#
# Layout (everything under HA_DIR, default .run/ha/):
#   pids/<name>.pid      one file per process WE started (pid=, match=, ...); down.sh reads them
#   logs/<name>.log      etcd, patroni-<node>, haproxy, apt
#   etcd/                etcd's data directory
#   <node>/patroni.yml   the node's Patroni configuration (rendered by up.sh)
#   <node>/data          the node's PostgreSQL data directory (owned by postgres, 0700)
#   sock/                the nodes' Unix sockets
#   haproxy.cfg          the write/read HAProxy configuration (rendered by up.sh)
#
# Settings (environment, then .env, then these defaults). The same names work for every script.
#   HA_REPLICATION      sync (default) | strict | async — see docs/ha.md
#                         async:  no synchronous standby; a failover may lose up to
#                                 HA_MAX_LAG_ON_FAILOVER bytes of acknowledged commits
#                         sync:   synchronous_mode: true — no acknowledged commit is lost; with
#                                 no replica left the leader keeps accepting writes unprotected
#                         strict: synchronous_mode_strict — no acknowledged commit is lost and
#                                 writes block while no synchronous replica is available
#   HA_SYNC_COMMIT      synchronous_commit in sync/strict (default remote_apply: a commit is
#                       acknowledged once every synchronous replica has applied it, so the read
#                       port shows it at once; `on` waits for the replicas' flush only)
#   HA_TTL=5 HA_LOOP_WAIT=1 HA_RETRY_TIMEOUT=2   Patroni timing (test-friendly; production
#                       defaults are 30/10/10 and make a failover take ~30 s)
#   HA_MAX_LAG_ON_FAILOVER=1048576   bytes a replica may lag and still be promoted (async)
#   HA_READ_MAX_LAG=16MB             replicas lagging more leave the read port
#   HA_NODES=3  HA_PG_PORT=5441 (5441..5443)  HA_REST_PORT=8011 (8011..8013)
#   HA_ETCD_PORT=2479  HA_ETCD_PEER_PORT=2480
#   HA_WRITE_PORT=5000 (leader)  HA_READ_PORT=5001 (replicas)  HA_STATS_PORT=7000 (HAProxy stats)
#   HA_SCOPE=ingest     Patroni cluster name (the etcd key prefix is /service/<scope>)
#   HA_DATABASE=ingest  database up.sh creates through the write port
#   HA_PG_BIN           PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   HA_UP_TIMEOUT=120   seconds up.sh waits for a writable leader and streaming replicas

if [[ -n ${_INGEST_HA_LIB_LOADED:-} ]]; then return 0; fi
_INGEST_HA_LIB_LOADED=1

# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
HA_HOME=$ROOT/infra/ha
export HA_HOME

ha_settings() {
  load_dotenv "$ROOT/.env"
  : "${HA_DIR:=$RUN_DIR/ha}"
  : "${HA_REPLICATION:=sync}"
  : "${HA_SYNC_COMMIT:=remote_apply}"
  : "${HA_TTL:=5}" "${HA_LOOP_WAIT:=1}" "${HA_RETRY_TIMEOUT:=2}"
  : "${HA_MAX_LAG_ON_FAILOVER:=1048576}"
  : "${HA_READ_MAX_LAG:=16MB}"
  : "${HA_NODES:=3}"
  : "${HA_PG_PORT:=5441}" "${HA_REST_PORT:=8011}"
  : "${HA_ETCD_PORT:=2479}" "${HA_ETCD_PEER_PORT:=2480}"
  : "${HA_WRITE_PORT:=5000}" "${HA_READ_PORT:=5001}" "${HA_STATS_PORT:=7000}"
  : "${HA_SCOPE:=ingest}"
  : "${HA_DATABASE:=ingest}"
  : "${HA_PG_BIN:=/usr/lib/postgresql/15/bin}"
  : "${HA_UP_TIMEOUT:=120}"
  case $HA_REPLICATION in async | sync | strict) ;; *)
    die "HA_REPLICATION must be async, sync or strict (got '$HA_REPLICATION')"
    ;;
  esac
  case $HA_SYNC_COMMIT in on | remote_apply | remote_write) ;; *)
    die "HA_SYNC_COMMIT must be on, remote_apply or remote_write (got '$HA_SYNC_COMMIT')"
    ;;
  esac
  ((HA_NODES >= 2 && HA_NODES <= 9)) || die "HA_NODES must be 2..9 (got '$HA_NODES')"
  ((HA_LOOP_WAIT + 2 * HA_RETRY_TIMEOUT <= HA_TTL)) ||
    die "Patroni needs HA_LOOP_WAIT + 2*HA_RETRY_TIMEOUT <= HA_TTL (got $HA_LOOP_WAIT/$HA_RETRY_TIMEOUT/$HA_TTL)"
  HA_DIR=$(realpath -m "$HA_DIR")
  HA_PID_DIR=$HA_DIR/pids
  HA_LOG_DIR=$HA_DIR/logs
  HA_SOCK_DIR=$HA_DIR/sock
  export HA_DIR HA_REPLICATION HA_SYNC_COMMIT HA_TTL HA_LOOP_WAIT HA_RETRY_TIMEOUT \
    HA_MAX_LAG_ON_FAILOVER HA_READ_MAX_LAG HA_NODES HA_PG_PORT HA_REST_PORT HA_ETCD_PORT \
    HA_ETCD_PEER_PORT HA_WRITE_PORT HA_READ_PORT HA_STATS_PORT HA_SCOPE HA_DATABASE HA_PG_BIN \
    HA_UP_TIMEOUT HA_PID_DIR HA_LOG_DIR HA_SOCK_DIR
}

ha_node_names() { local i; for ((i = 1; i <= HA_NODES; i++)); do echo "pg$i"; done; }
ha_pg_port() { echo $((HA_PG_PORT + ${1#pg} - 1)); }
ha_rest_port() { echo $((HA_REST_PORT + ${1#pg} - 1)); }

# Every TCP port this cluster listens on, one a line.
ha_ports() {
  local n
  echo "$HA_ETCD_PORT"
  echo "$HA_ETCD_PEER_PORT"
  for n in $(ha_node_names); do
    ha_pg_port "$n"
    ha_rest_port "$n"
  done
  echo "$HA_WRITE_PORT"
  echo "$HA_READ_PORT"
  echo "$HA_STATS_PORT"
}

# ---------------------------------------------------------------- pid records (under HA_PID_DIR)

ha_write_pid() { # name key=value... (pid= and match= required)
  local name=$1
  shift
  mkdir -p "$HA_PID_DIR"
  printf '%s\n' "$@" "started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$HA_PID_DIR/$name.pid.tmp"
  mv "$HA_PID_DIR/$name.pid.tmp" "$HA_PID_DIR/$name.pid"
}
ha_pid_get() { # name key
  local f=$HA_PID_DIR/$1.pid
  [[ -f $f ]] || return 0
  sed -n "s/^$2=//p" "$f" | head -n1
}
# ha_running NAME: the recorded process is alive and still ours (command line matches).
ha_running() { pid_matches "$(ha_pid_get "$1" pid)" "$(ha_pid_get "$1" match)"; }

# PID of the postmaster of a node's data directory (empty when not running). The postmaster
# is double-forked away from Patroni: postmaster.pid is the only reliable handle.
ha_postmaster_pid() { # node
  local data=$HA_DIR/$1/data pid
  pid=$(head -n1 "$data/postmaster.pid" 2>/dev/null || true)
  [[ -n $pid ]] && pid_matches "$pid" "$data" && echo "$pid"
  return 0
}

# ---------------------------------------------------------------- probes

# psql_at PORT [DB] -- psql args...: psql as postgres over TCP to 127.0.0.1:PORT, no password.
psql_at() {
  local port=$1 db=${2:-postgres}
  shift 2
  PGCONNECT_TIMEOUT=2 psql -wXAtq -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}
etcd_healthy() { ETCDCTL_API=3 etcdctl --endpoints="http://127.0.0.1:$HA_ETCD_PORT" --dial-timeout=1s endpoint health >/dev/null 2>&1; }
write_port_ready() { [[ $(psql_at "$HA_WRITE_PORT" postgres -c 'select pg_is_in_recovery()' 2>/dev/null) == f ]]; }
read_port_ready() { [[ $(psql_at "$HA_READ_PORT" postgres -c 'select pg_is_in_recovery()' 2>/dev/null) == t ]]; }
# All replicas stream from the leader (and, in sync modes, all are synchronous).
replicas_streaming() {
  local want=$((HA_NODES - 1)) sql
  if [[ $HA_REPLICATION == async ]]; then
    sql="select count(*) from pg_stat_replication where state = 'streaming'"
  else
    sql="select count(*) from pg_stat_replication where state = 'streaming' and sync_state in ('sync', 'quorum')"
  fi
  [[ $(psql_at "$HA_WRITE_PORT" postgres -c "$sql" 2>/dev/null) == "$want" ]]
}

# ---------------------------------------------------------------- Debian packages

HA_APT_UPDATED=0
ha_apt_install() {
  [[ $EUID -eq 0 ]] || die "missing $*; install it (apt-get install -y $*) or run this script as root"
  command -v apt-get >/dev/null || die "missing $* and no apt-get on this machine"
  mkdir -p "$HA_LOG_DIR"
  if ((HA_APT_UPDATED == 0)); then
    log "apt-get update"
    timeout 600 apt-get update -qq >>"$HA_LOG_DIR/apt.log" 2>&1 || {
      tail -n 20 "$HA_LOG_DIR/apt.log" >&2
      die "apt-get update failed (log: $HA_LOG_DIR/apt.log)"
    }
    HA_APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" \
    >>"$HA_LOG_DIR/apt.log" 2>&1 </dev/null 8>&- 9>&- || {
    tail -n 20 "$HA_LOG_DIR/apt.log" >&2
    die "apt-get install $* failed (log: $HA_LOG_DIR/apt.log)"
  }
}

ha_ensure_packages() {
  local need=()
  command -v patroni >/dev/null && command -v patronictl >/dev/null || need+=(patroni)
  command -v etcd >/dev/null || need+=(etcd-server)
  command -v etcdctl >/dev/null || need+=(etcd-client)
  command -v haproxy >/dev/null || need+=(haproxy)
  command -v psql >/dev/null || need+=(postgresql-client)
  [[ -x $HA_PG_BIN/postgres ]] || {
    [[ $HA_PG_BIN == /usr/lib/postgresql/15/bin ]] ||
      die "HA_PG_BIN=$HA_PG_BIN has no postgres binary"
    need+=(postgresql-15)
  }
  ((${#need[@]} == 0)) || ha_apt_install "${need[@]}"
}

# The configuration renderers live beside this file.
# shellcheck source=infra/ha/render-config.sh
source "$HA_HOME/render-config.sh"
