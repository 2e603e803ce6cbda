#!/usr/bin/env bash
# infra/local/up.sh (pnpm infra:up): brings up every server the system needs, natively, no Docker.
#
#   PostgreSQL  DATABASE_URL   (creates the database named in it, e.g. `ingest`)
#   Redis       REDIS_URL      (maxmemory-policy noeviction, which BullMQ needs)
#   RabbitMQ    RABBITMQ_URL
#   s3rver      S3_ENDPOINT    (infra/local/s3-server.mjs; creates S3_BUCKET)
#
# Idempotent. A server that already answers is used as it is and never recorded; a server that
# does not answer is started (local hosts only) and recorded in .run/pids/<name>.pid, so that
# down.sh stops exactly what this script started. Missing Debian packages are installed with
# apt-get (root only) only when a server must be started and its binaries are absent.
# Missing or stale node_modules: pnpm install --frozen-lockfile (skip with UP_SKIP_DEPS=1).
# Logs: .run/logs/. Needs no TTY and no stdin. Settings come from the environment, then .env,
# then the defaults in infra/local/lib.sh (the same as .env.example).
#
# UP_SKIP_S3=1: no s3rver (start.sh with STORAGE_BACKEND=fs keeps the objects in a directory).
# Bounded waits (seconds): UP_PG_TIMEOUT=60 UP_REDIS_TIMEOUT=30 UP_RABBITMQ_TIMEOUT=120 UP_S3_TIMEOUT=30
set -euo pipefail

LOG_TAG=up
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec </dev/null
cd "$ROOT"
ensure_run_dirs
load_dotenv "$ROOT/.env"
apply_connection_defaults

: "${UP_SKIP_S3:=0}"
: "${UP_PG_TIMEOUT:=60}" "${UP_REDIS_TIMEOUT:=30}" "${UP_RABBITMQ_TIMEOUT:=120}" "${UP_S3_TIMEOUT:=30}"

exec 9>"$RUN_DIR/infra.lock"
flock -w 600 9 || die "another up.sh/down.sh holds $RUN_DIR/infra.lock for more than 10 minutes"

if [[ ${UP_SKIP_DEPS:-0} != 1 ]]; then
  ensure_pnpm
  ensure_deps --if-stale
fi

parts=$(url_parts "$DATABASE_URL" 5432) || die "DATABASE_URL is not a URL"
read -r PG_HOST PG_PORT PG_DB _ <<<"$parts"
parts=$(url_parts "$REDIS_URL" 6379) || die "REDIS_URL is not a URL"
read -r REDIS_HOST REDIS_PORT _ _ <<<"$parts"
parts=$(url_parts "$RABBITMQ_URL" 5672) || die "RABBITMQ_URL is not a URL"
read -r MQ_HOST MQ_PORT _ _ <<<"$parts"
parts=$(url_parts "$S3_ENDPOINT" 80) || die "S3_ENDPOINT is not a URL"
read -r S3_HOST S3_PORT _ _ <<<"$parts"
[[ $PG_DB != - ]] || die "DATABASE_URL names no database: $(redact_url "$DATABASE_URL")"

declare -A STATE=()

# ---------------------------------------------------------------- probes

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2; }
redis_cli() { redis-cli --no-auth-warning -u "$REDIS_URL" "$@"; }
redis_ready() { [[ $(redis_cli ping 2>/dev/null) == PONG ]]; }
mq_ready() { port_open "$MQ_HOST" "$MQ_PORT"; }
s3_ready() { [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "${S3_ENDPOINT%/}/") != 000 ]]; }

# ---------------------------------------------------------------- Debian packages

APT_UPDATED=0
INSTALLED_NOW=" "
apt_install() {
  [[ $EUID -eq 0 ]] || die "missing $*; install it (apt-get install -y $*) or run this script as root"
  command -v apt-get >/dev/null || die "missing $* and no apt-get on this machine"
  if ((APT_UPDATED == 0)); then
    log "apt-get update"
    timeout 600 apt-get update -qq >>"$LOG_DIR/apt.log" 2>&1 || {
      tail -n 20 "$LOG_DIR/apt.log" >&2
      die "apt-get update failed (log: $LOG_DIR/apt.log)"
    }
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" \
    >>"$LOG_DIR/apt.log" 2>&1 </dev/null 8>&- 9>&- || {
    tail -n 20 "$LOG_DIR/apt.log" >&2
    die "apt-get install $* failed (log: $LOG_DIR/apt.log)"
  }
  INSTALLED_NOW+="$* "
}

# Collect every package we need, then install them in one apt-get run.
need=()
command -v psql >/dev/null && command -v pg_isready >/dev/null || need+=(postgresql-client)
command -v redis-cli >/dev/null || need+=(redis-tools)
if ! port_open "$PG_HOST" "$PG_PORT" && is_local_host "$PG_HOST" && ! command -v pg_ctlcluster >/dev/null; then
  need+=(postgresql)
fi
if ! port_open "$REDIS_HOST" "$REDIS_PORT" && is_local_host "$REDIS_HOST" &&
  ! command -v redis-server >/dev/null; then
  need+=(redis-server)
fi
if ! port_open "$MQ_HOST" "$MQ_PORT" && is_local_host "$MQ_HOST" && ! command -v rabbitmq-server >/dev/null; then
  need+=(rabbitmq-server)
fi
((${#need[@]} == 0)) || apt_install "${need[@]}"

# ---------------------------------------------------------------- PostgreSQL

# On a PostgreSQL we installed just now: allow passwordless TCP logins from this host
# (the local default DATABASE_URL has no password), as on the prepared dev machines.
pg_dev_trust() {
  local hba=$1
  grep -q '^# added by infra/local/up.sh' "$hba" && return 0
  log "fresh PostgreSQL: trusting 127.0.0.1 and ::1 in $hba (local development only)"
  {
    echo '# added by infra/local/up.sh (local development only)'
    echo 'host all all 127.0.0.1/32 trust'
    echo 'host all all ::1/128 trust'
    cat "$hba"
  } >"$hba.new"
  chown --reference="$hba" "$hba.new"
  chmod --reference="$hba" "$hba.new"
  mv "$hba.new" "$hba"
}

start_postgres() {
  is_local_host "$PG_HOST" ||
    die "PostgreSQL at $PG_HOST:$PG_PORT does not answer and is not local: start it, or fix DATABASE_URL"
  [[ $EUID -eq 0 ]] || die "PostgreSQL on port $PG_PORT is down; starting it needs root (pg_ctlcluster)"
  local cluster ver name datadir status pid
  cluster=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2, $4, $6; exit }')
  [[ -n $cluster ]] ||
    die "no PostgreSQL cluster is configured on port $PG_PORT (see pg_lsclusters; create one with: pg_createcluster <version> main -p $PG_PORT)"
  read -r ver name status datadir <<<"$cluster"
  [[ $INSTALLED_NOW == *" postgresql "* ]] && pg_dev_trust "/etc/postgresql/$ver/$name/pg_hba.conf"
  log "starting PostgreSQL cluster $ver/$name on port $PG_PORT (was: $status)"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >>"$LOG_DIR/postgres.log" 2>&1 8>&- 9>&- || {
    tail -n 20 "$LOG_DIR/postgres.log" "/var/log/postgresql/postgresql-$ver-$name.log" >&2 2>/dev/null || true
    die "pg_ctlcluster $ver $name start failed (logs: $LOG_DIR/postgres.log, /var/log/postgresql/)"
  }
  pid=$(head -n1 "$datadir/postmaster.pid" 2>/dev/null || true)
  write_pidfile postgres "pid=$pid" kind=postgres match=postgres "cluster=$ver/$name"
  wait_for "PostgreSQL on $PG_HOST:$PG_PORT" "$UP_PG_TIMEOUT" pg_ready ||
    die "PostgreSQL did not become ready (log: /var/log/postgresql/postgresql-$ver-$name.log)"
  STATE[postgres]="started by up.sh (cluster $ver/$name, pid $pid)"
}

ensure_database() {
  local admin_url exists out
  admin_url=$(url_with_db "$DATABASE_URL" postgres)
  if ! out=$(psql "$admin_url" -wXAtq -c 'select 1' 2>&1); then
    die "cannot log in to PostgreSQL as $(redact_url "$admin_url"): $out
       (local development expects 'trust' for 127.0.0.1 in pg_hba.conf, or a password in DATABASE_URL)"
  fi
  exists=$(psql "$admin_url" -wXAtq -v ON_ERROR_STOP=1 -v db="$PG_DB" -f - <<<"select 1 from pg_database where datname = :'db';")
  if [[ $exists == 1 ]]; then
    log "database '$PG_DB' exists"
    return 0
  fi
  log "creating database '$PG_DB'"
  if ! out=$(psql "$admin_url" -wXAtq -v ON_ERROR_STOP=1 -v db="$PG_DB" -f - <<<'create database :"db";' 2>&1); then
    [[ $out == *"already exists"* ]] || die "could not create database '$PG_DB': $out"
  fi
}

# ---------------------------------------------------------------- Redis

start_redis() {
  is_local_host "$REDIS_HOST" ||
    die "Redis at $REDIS_HOST:$REDIS_PORT does not answer and is not local: start it, or fix REDIS_URL"
  local pid
  mkdir -p "$RUN_DIR/redis"
  log "starting redis-server on port $REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --maxmemory-policy noeviction --dir "$RUN_DIR/redis" --logfile "$LOG_DIR/redis.log" \
    --pidfile "$RUN_DIR/redis/redis.pid" </dev/null 8>&- 9>&- ||
    die "redis-server failed to start (log: $LOG_DIR/redis.log)"
  wait_for "Redis on $REDIS_HOST:$REDIS_PORT" "$UP_REDIS_TIMEOUT" redis_ready || {
    tail -n 20 "$LOG_DIR/redis.log" >&2 || true
    die "Redis did not become ready (log: $LOG_DIR/redis.log)"
  }
  pid=$(redis_cli info server | sed -n 's/^process_id:\([0-9]*\).*/\1/p')
  write_pidfile redis "pid=$pid" kind=redis match=redis-server "port=$REDIS_PORT"
  STATE[redis]="started by up.sh (pid $pid)"
}

ensure_noeviction() {
  local policy
  policy=$(redis_cli config get maxmemory-policy 2>/dev/null | sed -n 2p)
  if [[ $policy != noeviction ]]; then
    log "Redis maxmemory-policy is '${policy:-unknown}': setting noeviction (BullMQ needs it)"
    [[ $(redis_cli config set maxmemory-policy noeviction 2>&1) == OK ]] ||
      die "could not set Redis maxmemory-policy noeviction (CONFIG SET refused?); BullMQ needs it"
  fi
}

# ---------------------------------------------------------------- RabbitMQ

rabbit_nodename() {
  local n=${RABBITMQ_NODENAME:-}
  [[ -n $n ]] || n=$(sed -n 's/^[[:space:]]*NODENAME=\([^[:space:]]*\).*/\1/p' /etc/rabbitmq/rabbitmq-env.conf 2>/dev/null | tail -n1)
  printf '%s\n' "${n:-rabbit@localhost}"
}

# rabbit_as_user CMD ARGS...: run a RabbitMQ CLI tool as the rabbitmq user, HOME=/var/lib/rabbitmq.
rabbit_as_user() {
  local tool=$1
  shift
  if [[ $(id -un) == rabbitmq ]]; then
    HOME=/var/lib/rabbitmq "$tool" "$@"
  else
    runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq "$tool" "$@"
  fi
}

start_rabbitmq() {
  is_local_host "$MQ_HOST" ||
    die "RabbitMQ at $MQ_HOST:$MQ_PORT does not answer and is not local: start it, or fix RABBITMQ_URL"
  [[ $EUID -eq 0 || $(id -un) == rabbitmq ]] ||
    die "RabbitMQ on port $MQ_PORT is down; starting it needs root (it runs as the rabbitmq user)"
  local node conf epmd_before=0 pid
  node=$(rabbit_nodename)
  export RABBITMQ_NODENAME=$node
  : "${ERL_EPMD_ADDRESS:=127.0.0.1}"
  export ERL_EPMD_ADDRESS
  conf=${RABBITMQ_CONFIG_FILE:-/etc/rabbitmq/rabbitmq.conf}
  [[ $conf == *.conf ]] || conf=$conf.conf
  if ! grep -qs '^[[:space:]]*listeners\.tcp' "$conf"; then
    # No listener configured: listen where RABBITMQ_URL points, on loopback only.
    export RABBITMQ_NODE_IP_ADDRESS=${RABBITMQ_NODE_IP_ADDRESS:-127.0.0.1}
    export RABBITMQ_NODE_PORT=${RABBITMQ_NODE_PORT:-$MQ_PORT}
  fi
  port_open 127.0.0.1 4369 && epmd_before=1
  log "starting RabbitMQ node $node (as user rabbitmq; takes ~10 s)"
  rabbit_as_user rabbitmq-server -detached >>"$LOG_DIR/rabbitmq.log" 2>&1 </dev/null 8>&- 9>&- ||
    die "rabbitmq-server -detached failed (logs: $LOG_DIR/rabbitmq.log, /var/log/rabbitmq/)"
  if ! wait_for "RabbitMQ on $MQ_HOST:$MQ_PORT" "$UP_RABBITMQ_TIMEOUT" mq_ready; then
    tail -n 30 "/var/log/rabbitmq/$node.log" /var/log/rabbitmq/startup_err >&2 2>/dev/null || true
    # Record the node anyway (if it is up at all) so down.sh can stop it.
    pid=$(pgrep -u rabbitmq -f "beam.smp.*-sname $node|beam.smp.*-name $node" 2>/dev/null | head -n1 || true)
    [[ -z $pid ]] || write_pidfile rabbitmq "pid=$pid" kind=rabbitmq match=beam.smp "node=$node"
    die "RabbitMQ did not open port $MQ_PORT (logs: /var/log/rabbitmq/$node.log, $LOG_DIR/rabbitmq.log)"
  fi
  pid=$(port_owner_pid "$MQ_PORT")
  write_pidfile rabbitmq "pid=$pid" kind=rabbitmq match=beam.smp "node=$node"
  if ((epmd_before == 0)) && port_open 127.0.0.1 4369; then
    write_pidfile epmd "pid=$(port_owner_pid 4369)" kind=process match=epmd
  fi
  STATE[rabbitmq]="started by up.sh (node $node, pid $pid)"
}

# ---------------------------------------------------------------- s3rver

start_s3rver() {
  is_local_host "$S3_HOST" ||
    die "S3 at $S3_ENDPOINT does not answer and is not local: start it, or fix S3_ENDPOINT"
  [[ -f $ROOT/node_modules/s3rver/package.json ]] ||
    die "node_modules/s3rver is missing (root devDependency s3rver@3.7.1): run pnpm install"
  log "starting s3rver on $S3_ENDPOINT (data $RUN_DIR/s3)"
  S3RVER_DIR=$RUN_DIR/s3 spawn_detached "$LOG_DIR/s3rver.log" \
    node --openssl-legacy-provider "$ROOT/infra/local/s3-server.mjs"
  local pid=$SPAWNED_PID
  write_pidfile s3rver "pid=$pid" kind=process match=s3-server.mjs
  wait_for "s3rver on $S3_ENDPOINT" "$UP_S3_TIMEOUT" s3_ready || {
    tail -n 20 "$LOG_DIR/s3rver.log" >&2 || true
    die "s3rver did not answer (log: $LOG_DIR/s3rver.log)"
  }
  pid_alive "$pid" || {
    tail -n 20 "$LOG_DIR/s3rver.log" >&2 || true
    die "s3rver exited right after start (port $S3_PORT taken by something else?)"
  }
  STATE[s3rver]="started by up.sh (pid $pid)"
}

# ---------------------------------------------------------------- main

# How to describe a server that already answers: ours from an earlier up.sh, or someone else's.
running_state() {
  local pid
  pid=$(pidfile_get "$1" pid)
  if pid_matches "$pid" "$(pidfile_get "$1" match)"; then
    echo "running (started earlier by up.sh, pid $pid)"
  else
    [[ -f $PID_DIR/$1.pid ]] && rm -f "$PID_DIR/$1.pid" # stale record of ours
    echo "already running (not managed by up.sh)"
  fi
}

if pg_ready; then STATE[postgres]=$(running_state postgres); else start_postgres; fi
ensure_database

if redis_ready; then STATE[redis]=$(running_state redis); else start_redis; fi
ensure_noeviction

if mq_ready; then STATE[rabbitmq]=$(running_state rabbitmq); else start_rabbitmq; fi

if ((UP_SKIP_S3)); then
  STATE[s3rver]="not needed (UP_SKIP_S3=1)"
elif s3_ready; then
  STATE[s3rver]=$(running_state s3rver)
else
  start_s3rver
fi

log "ready:"
log "  postgres  $(redact_url "$DATABASE_URL")  ${STATE[postgres]}"
log "  redis     $(redact_url "$REDIS_URL")  ${STATE[redis]}"
log "  rabbitmq  $(redact_url "$RABBITMQ_URL")  ${STATE[rabbitmq]}"
log "  s3        $S3_ENDPOINT bucket=$S3_BUCKET  ${STATE[s3rver]}"
