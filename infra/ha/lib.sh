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

# ---------------------------------------------------------------- configuration rendering
#
# One renderer for the native topology and for docker-compose.yml (infra/ha/render.sh compose
# writes infra/ha/compose/; tests/ha/compose-config.test.ts checks those files are current).

# Patroni's dynamic configuration for HA_REPLICATION: synchronous_mode, _strict, node count
# and synchronous_commit, as "key: value" YAML lines at the given indent.
ha_sync_yaml() { # indent
  local pad=$1 mode=false strict=false
  case $HA_REPLICATION in
    sync) mode=true ;;
    strict) mode=true strict=true ;;
    async) ;;
  esac
  printf '%ssynchronous_mode: %s\n' "$pad" "$mode"
  printf '%ssynchronous_mode_strict: %s\n' "$pad" "$strict"
  # Every replica is synchronous: a commit is on all of them before it is acknowledged, so
  # whichever replica is promoted (or serves a read) has it.
  printf '%ssynchronous_node_count: %s\n' "$pad" "$((HA_NODES - 1))"
}

# synchronous_commit for HA_REPLICATION (async: plain local durability).
ha_sync_commit() { if [[ $HA_REPLICATION == async ]]; then echo on; else echo "$HA_SYNC_COMMIT"; fi; }

# render_patroni NAME LISTEN_PG CONNECT_PG LISTEN_REST CONNECT_REST ETCD_HOSTS DATA_DIR BIN_DIR
#                SOCK_DIR PGPASS TRUST(native|password)
render_patroni() {
  local name=$1 listen_pg=$2 connect_pg=$3 listen_rest=$4 connect_rest=$5 etcd=$6 data=$7 \
    bin=$8 sock=$9 pgpass=${10} auth=${11} sync commit hba
  sync=$(ha_sync_yaml '    ')
  commit=$(ha_sync_commit)
  if [[ $auth == native ]]; then
    # Local development only: every TCP login from this host is trusted (DATABASE_URL carries no
    # password); the passwords below are still set for the replication and superuser roles.
    hba="    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust"
  else
    hba="    - local all all trust
    - host replication replicator all scram-sha-256
    - host all all all scram-sha-256"
  fi
  cat <<EOF
# Rendered by infra/ha (lib.sh render_patroni); edit the renderer, not this file.
scope: $HA_SCOPE
namespace: /service/
name: $name

log:
  level: INFO
  format: '%(asctime)s %(levelname)s: %(message)s'

restapi:
  listen: $listen_rest
  connect_address: $connect_rest

etcd3:
  hosts: $etcd
  protocol: http

bootstrap:
  # Written to etcd when the cluster is first initialised (afterwards: patronictl edit-config;
  # infra/ha/up.sh re-applies these keys on every run).
  dcs:
    ttl: $HA_TTL
    loop_wait: $HA_LOOP_WAIT
    retry_timeout: $HA_RETRY_TIMEOUT
    maximum_lag_on_failover: $HA_MAX_LAG_ON_FAILOVER
    # One etcd member is a single point of failure for the DCS: with failsafe_mode the leader
    # stays writable while etcd is down as long as it reaches every member's REST API.
    failsafe_mode: true
$sync
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        synchronous_commit: $commit
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        max_wal_size: 1GB
        hot_standby_feedback: 'on'
        max_connections: 200
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums

postgresql:
  listen: $listen_pg
  connect_address: $connect_pg
  data_dir: $data
  bin_dir: $bin
  pgpass: $pgpass
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
  parameters:
    unix_socket_directories: '$sock'
    logging_collector: 'on'
    log_directory: log
    log_filename: postgresql.log
    log_line_prefix: '%m [%p] %q%u@%d '
    log_min_messages: warning
    log_connections: 'off'
  pg_hba:
$hba

tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
EOF
}

# render_haproxy_pg BIND NODES... where each node is "name host pg_port rest_port".
# With HA_HAPROXY_RESOLVERS=docker the servers are resolved through Docker's DNS.
render_haproxy_pg() {
  local bind=$1 n name host pgp restp read_check res='' init=''
  shift
  if [[ $HA_REPLICATION == async ]]; then
    read_check="/replica?lag=$HA_READ_MAX_LAG"
  else
    # Synchronous replicas only: with remote_apply every acknowledged commit is visible there.
    read_check="/sync?lag=$HA_READ_MAX_LAG"
  fi
  if [[ ${HA_HAPROXY_RESOLVERS:-} == docker ]]; then
    res=' resolvers docker resolve-prefer ipv4'
    init=' init-addr last,libc,none'
  fi
  cat <<EOF
# Rendered by infra/ha (lib.sh render_haproxy_pg); edit the renderer, not this file.
# :$HA_WRITE_PORT -> the Patroni leader (writes), :$HA_READ_PORT -> healthy replicas (reads that
# may lag; the leader only when no replica is healthy). Health: Patroni's REST API.
global
  maxconn 2000
  log stdout format raw local0 info

defaults
  mode tcp
  log global
  # Abnormal ends only (cut sessions at a failover), not every connection.
  option tcplog
  option dontlognull
  option dontlog-normal
  timeout connect 2s
  # A COPY of one chunk or a long report may be silent for minutes; idle pooled
  # connections are closed by the clients long before this.
  timeout client 1h
  timeout server 1h
  timeout check 1s
EOF
  if [[ -n $res ]]; then
    cat <<EOF

resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 5s
EOF
  fi
  cat <<EOF

listen stats
  mode http
  bind $bind:$HA_STATS_PORT
  stats enable
  stats uri /
  stats refresh 2s

# Writes: only the node whose Patroni answers 200 on /primary (the leader). A demoted or dead
# leader is marked down within ~1 s and its sessions are cut (shutdown-sessions), so no client
# keeps writing to a former leader.
listen pg_write
  bind $bind:$HA_WRITE_PORT
  option httpchk OPTIONS /primary
  http-check expect status 200
  default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1 on-marked-down shutdown-sessions$init
EOF
  for n in "$@"; do
    read -r name host pgp restp <<<"$n"
    echo "  server $name $host:$pgp maxconn 500 check port $restp$res"
  done
  cat <<EOF

# Reads: replicas whose Patroni answers 200 on $read_check (round robin); the leader is a
# backup, used only while no replica qualifies.
listen pg_read
  bind $bind:$HA_READ_PORT
  balance roundrobin
  option httpchk OPTIONS $read_check
  http-check expect status 200
  default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1 on-marked-down shutdown-sessions$init
EOF
  for n in "$@"; do
    read -r name host pgp restp <<<"$n"
    echo "  server $name $host:$pgp maxconn 500 check port $restp$res"
  done
  for n in "$@"; do
    read -r name host pgp restp <<<"$n"
    echo "  server $name-leader $host:$pgp maxconn 500 backup track pg_write/$name$res"
  done
}

# render_haproxy_gateways BIND PORT SERVERS...   each server "name host:port"; or, with
# HA_HAPROXY_RESOLVERS=docker, one "template <count> <host:port>" line for Docker DNS.
render_haproxy_gateways() {
  local bind=$1 port=$2
  shift 2
  cat <<EOF
# Rendered by infra/ha (lib.sh render_haproxy_gateways); edit the renderer, not this file.
# :$port -> the gateways, round robin. A gateway is in rotation while GET /readyz answers 200.
# When none is ready (a shared dependency such as Postgres is down), requests still go to the
# live ones (GET /healthz) so clients get the gateway's own error, not HAProxy's.
global
  maxconn 4000
  log stdout format raw local0 info

defaults
  mode http
  log global
  # Errors and abnormal ends only (a killed gateway, a 5xx, a retry), not every request.
  option httplog
  option dontlognull
  option dontlog-normal
  option http-server-close
  timeout connect 2s
  # Headers must come within 30 s, as the gateway asks; a multi-GB upload body may take hours.
  timeout http-request 30s
  # The gateway gives up first on a client (GATEWAY_IDLE_TIMEOUT_MS, 60 s of silence; the
  # minimum upload pace) and answers it; HAProxy outlasts it on both sides, so it never cuts
  # a request the gateway is still working on (storing an upload's last part can take
  # minutes): a 502 then would hide a job that goes on. See docs/architecture.md.
  timeout client 6h
  timeout server 6h
  timeout check 3s
  # A connection refused by a dead gateway is retried on another one (nothing was sent yet).
  # A request a gateway received but never answered is replayed only when that is safe
  # (see disable-l7-retry in the frontend).
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response
  # What HAProxy answers itself is in the API's shape too: {"error":{"code","message"}}, JSON.
  # (Not a request it cannot parse, or whose headers time out: HAProxy 2.6 answers those in its
  # connection layer with a built-in page, before any of this applies.)
  http-error status 500 content-type application/json string '{"error":{"code":"INTERNAL","message":"internal error"}}'
  http-error status 502 content-type application/json string '{"error":{"code":"BAD_GATEWAY","message":"the gateway closed the connection or answered invalid HTTP; retry"}}'
  http-error status 503 content-type application/json string '{"error":{"code":"GATEWAY_UNAVAILABLE","message":"no gateway is available; retry shortly"}}' hdr Retry-After 5
  http-error status 504 content-type application/json string '{"error":{"code":"GATEWAY_TIMEOUT","message":"the gateway did not answer in time"}}'
EOF
  if [[ ${HA_HAPROXY_RESOLVERS:-} == docker ]]; then
    cat <<EOF

resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 5s
EOF
  fi
  cat <<EOF

frontend api
  bind $bind:$port
  # A gateway may have created a job before it died without answering: replaying an upload
  # then loads the file twice, unless it carries an Idempotency-Key (the replay returns the
  # same job). Reads are always safe to replay, and so is a resumable upload's PATCH: it names
  # its Upload-Offset, so a replay either continues there or is refused (409), never stored twice.
  # tus needs nothing else here: PATCH, HEAD, OPTIONS and DELETE and the Tus-Resumable, Upload-*
  # headers pass as they are (tests/e2e/resumable-uploads.test.ts goes through this HAProxy).
  acl replay_safe method GET HEAD OPTIONS
  acl replay_safe req.hdr(idempotency-key) -m found
  acl tus_patch method PATCH
  acl names_offset req.hdr(upload-offset) -m found
  http-request disable-l7-retry unless replay_safe || tus_patch names_offset
  use_backend gateways_live if { nbsrv(gateways) lt 1 }
  default_backend gateways

backend gateways
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  http-response set-header X-Served-By %s
  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2
EOF
  ha_gateway_servers "$@"
  cat <<EOF

backend gateways_live
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  http-response set-header X-Served-By %s
  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 1
EOF
  ha_gateway_servers "$@"
}

ha_gateway_servers() {
  local s a b c
  for s in "$@"; do
    read -r a b c <<<"$s"
    if [[ $a == template ]]; then
      # "template <count> <host:port>": one server per address Docker's DNS returns.
      echo "  server-template gw $b $c check resolvers docker resolve-prefer ipv4 init-addr none"
    else
      echo "  server $a $b check"
    fi
  done
}
