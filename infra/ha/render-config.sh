# shellcheck shell=bash
# The renderers of infra/ha: Patroni, the write/read HAProxy and the gateways' HAProxy
# configurations. Sourced by infra/ha/lib.sh (settings and helpers come from there).

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
