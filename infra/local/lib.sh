# shellcheck shell=bash
# Shared helpers for infra/local/*.sh, scripts/test.sh and .ci/run. Source it; do not run it.
#
# Conventions
#   .run/pids/<name>.pid   one file per process WE started (key=value lines: pid, kind, match, ...).
#                          down.sh stops exactly what is listed there and nothing else.
#   .run/logs/<name>.log   logs of everything we started.
#   .run/s3                s3rver's data directory.

if [[ -n ${_INGEST_LIB_LOADED:-} ]]; then return 0; fi
_INGEST_LIB_LOADED=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_DIR=${RUN_DIR:-$ROOT/.run}
PID_DIR=$RUN_DIR/pids
LOG_DIR=$RUN_DIR/logs
export ROOT RUN_DIR PID_DIR LOG_DIR

LOG_TAG=${LOG_TAG:-infra}

log() { printf '[%s] %s\n' "$LOG_TAG" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$LOG_TAG" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2
  exit 1
}

ensure_run_dirs() { mkdir -p "$PID_DIR" "$LOG_DIR" "$RUN_DIR/s3"; }

# ---------------------------------------------------------------- environment

# Loads $ROOT/.env (KEY=VALUE lines, optional `export `, optional quotes, # comments).
# Variables already set in the environment win, as with dotenv.
load_dotenv() {
  local file=${1:-$ROOT/.env} line key val
  [[ -f $file ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[2]}
    val=${BASH_REMATCH[3]}
    if [[ $val =~ ^\"(.*)\"[[:space:]]*$ ]] || [[ $val =~ ^\'(.*)\'[[:space:]]*$ ]]; then
      val=${BASH_REMATCH[1]}
    else
      val=${val%%[[:space:]]#*}
      val=${val%"${val##*[![:space:]]}"}
    fi
    [[ -n ${!key+x} ]] || export "$key=$val"
  done <"$file"
}

# The contract's connection settings (keep in step with .env.example and docker-compose.yml).
apply_connection_defaults() {
  : "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/ingest}"
  : "${TEST_DATABASE_URL:=postgres://postgres@127.0.0.1:5432/postgres}"
  : "${REDIS_URL:=redis://127.0.0.1:6379}"
  : "${RABBITMQ_URL:=amqp://guest:guest@127.0.0.1:5672}"
  : "${S3_ENDPOINT:=http://127.0.0.1:4569}"
  : "${S3_REGION:=us-east-1}"
  : "${S3_BUCKET:=ingest}"
  : "${S3_ACCESS_KEY_ID:=S3RVER}"
  : "${S3_SECRET_ACCESS_KEY:=S3RVER}"
  : "${S3_FORCE_PATH_STYLE:=true}"
  # s3rver stores aws-chunked bodies verbatim: never let the AWS SDK send them (docs: NOTES).
  : "${AWS_REQUEST_CHECKSUM_CALCULATION:=WHEN_REQUIRED}"
  : "${AWS_RESPONSE_CHECKSUM_VALIDATION:=WHEN_REQUIRED}"
  export DATABASE_URL TEST_DATABASE_URL REDIS_URL RABBITMQ_URL S3_ENDPOINT S3_REGION S3_BUCKET \
    S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY S3_FORCE_PATH_STYLE \
    AWS_REQUEST_CHECKSUM_CALCULATION AWS_RESPONSE_CHECKSUM_VALIDATION
}

# Every other setting of the services (start.sh exports them so all processes agree).
apply_service_defaults() {
  apply_connection_defaults
  : "${QUEUE_PREFIX:=}"
  : "${GATEWAY_HOST:=127.0.0.1}"
  : "${GATEWAY_PORT:=8080}"
  : "${GATEWAY_MAX_UPLOAD_BYTES:=107374182400}"
  : "${SPLITTER_CHUNK_BYTES:=33554432}"
  : "${INGEST_MAX_RECORD_BYTES:=16777216}"
  : "${LOADER_PREFETCH:=1}"
  : "${WEBHOOK_SECRET:=whsec_ZGV2ZWxvcG1lbnQtb25seS13ZWJob29rLXNlY3JldA==}"
  : "${NOTIFIER_SCHEDULE_MS:=0,5000,300000,1800000,7200000,18000000,36000000,36000000}"
  : "${NOTIFIER_TIMEOUT_MS:=10000}"
  : "${LOG_LEVEL:=info}"
  # The local stack delivers webhooks to receivers on this machine; production leaves it empty.
  : "${WEBHOOK_ALLOWED_CIDRS:=127.0.0.0/8,::1/128}"
  export WEBHOOK_ALLOWED_CIDRS
  export QUEUE_PREFIX GATEWAY_HOST GATEWAY_PORT GATEWAY_MAX_UPLOAD_BYTES SPLITTER_CHUNK_BYTES \
    INGEST_MAX_RECORD_BYTES LOADER_PREFETCH WEBHOOK_SECRET NOTIFIER_SCHEDULE_MS \
    NOTIFIER_TIMEOUT_MS LOG_LEVEL
}

# url_parts URL DEFAULT_PORT -> prints "host port path user" (host without [ ], path without /).
# Uses Node's WHATWG URL parser, which copes with passwords containing odd characters.
url_parts() {
  node -e '
    const u = new URL(process.argv[1]);
    const host = (u.hostname || "127.0.0.1").replace(/^\[|\]$/g, "");
    const port = u.port || process.argv[2];
    const path = decodeURIComponent(u.pathname.replace(/^\//, "")) || "-";
    const user = decodeURIComponent(u.username) || "-";
    console.log([host, port, path, user].join(" "));
  ' "$1" "$2"
}

# URL with the password removed (safe to print).
redact_url() {
  node -e 'const u = new URL(process.argv[1]); u.password = ""; console.log(u.toString())' "$1"
}

# Same URL, other database (path).
url_with_db() {
  node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$1" "$2"
}

is_local_host() {
  case $1 in 127.* | localhost | ::1 | 0.0.0.0 | "") return 0 ;; *) return 1 ;; esac
}

# ---------------------------------------------------------------- probes and waits

port_open() { # host port
  # shellcheck disable=SC2016 # $1/$2 expand in the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# wait_for DESCRIPTION TIMEOUT_SECONDS COMMAND... ; returns 1 (does not exit) on timeout.
wait_for() {
  local what=$1 limit=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      printf '[%s] ERROR: %s not ready after %ss\n' "$LOG_TAG" "$what" "$limit" >&2
      return 1
    fi
    sleep 0.25
  done
}

# PID of the process listening on a local TCP port (empty when unknown).
port_owner_pid() {
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2
}

# spawn_detached LOGFILE COMMAND...: runs COMMAND in its own session (so a Ctrl-C in the
# terminal does not reach it and `kill -- -PID` reaches all of its children), stdin from
# /dev/null, output appended to LOGFILE, lock descriptors 8 and 9 closed. Sets SPAWNED_PID.
spawn_detached() {
  local logfile=$1
  shift
  setsid "$@" >>"$logfile" 2>&1 </dev/null 8>&- 9>&- &
  # shellcheck disable=SC2034 # read by the caller
  SPAWNED_PID=$!
}

# start_supervised NAME LOGFILE COMMAND...: COMMAND under infra/local/supervise.sh (restarted
# with backoff when it crashes, given up after repeated fast crashes), detached as spawn_detached
# does, recorded in .run/pids/NAME.pid as a supervised process group: down.sh sends SIGTERM to
# the supervisor, which passes it on to the service and restarts nothing. Sets SPAWNED_PID.
start_supervised() {
  local name=$1 logfile=$2
  shift 2
  spawn_detached "$logfile" bash "$ROOT/infra/local/supervise.sh" "${name#svc-}" "$@"
  write_pidfile "$name" "pid=$SPAWNED_PID" kind=group supervised=1 match=supervise.sh
}

# ---------------------------------------------------------------- pid files

# write_pidfile NAME key=value...   (must include pid= and kind=)
write_pidfile() {
  local name=$1
  shift
  ensure_run_dirs
  printf '%s\n' "$@" "started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$PID_DIR/$name.pid.tmp"
  mv "$PID_DIR/$name.pid.tmp" "$PID_DIR/$name.pid"
}

# pidfile_get NAME KEY -> value (empty when absent)
pidfile_get() {
  local f=$PID_DIR/$1.pid
  [[ -f $f ]] || return 0
  sed -n "s/^$2=//p" "$f" | head -n1
}

pidfile_names() {
  local f
  for f in "$PID_DIR"/*.pid; do
    [[ -e $f ]] || continue
    f=${f##*/}
    printf '%s\n' "${f%.pid}"
  done
}

# pid_snapshot: one "name=pid" line per record (to tell later which records are new).
pid_snapshot() {
  local n
  while IFS= read -r n; do
    [[ -n $n ]] && printf '%s=%s\n' "$n" "$(pidfile_get "$n" pid)"
  done < <(pidfile_names)
}

# names_started_since "SNAPSHOT": names of the records that are not in SNAPSHOT (new or replaced).
names_started_since() {
  local before=$'\n'"$1"$'\n' line
  while IFS= read -r line; do
    [[ -n $line && $before != *$'\n'"$line"$'\n'* ]] && printf '%s\n' "${line%%=*}"
  done < <(pid_snapshot)
  return 0
}

# group_members PGID: "pid comm" of every live process in that process group (reads /proc, so it
# needs no procps).
group_members() {
  local stat pid rest fields
  for stat in /proc/[0-9]*/stat; do
    IFS= read -r rest 2>/dev/null <"$stat" || continue
    pid=${rest%% *}
    fields=${rest##*) } # after "(comm) ": state ppid pgrp ...
    read -r -a fields <<<"$fields"
    [[ ${fields[2]:-} == "$1" ]] || continue
    rest=${rest#*(}
    printf '%s %s\n' "$pid" "${rest%)*}"
  done
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# pid_matches PID PATTERN: the process is alive and its command line contains PATTERN
# (guards against signalling a recycled PID).
pid_matches() {
  local pid=$1 pattern=$2 cmd
  pid_alive "$pid" || return 1
  [[ -z $pattern ]] && return 0
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$pattern"* ]]
}

# ---------------------------------------------------------------- pnpm and dependencies

wanted_pnpm_version() {
  node -p 'require(process.argv[1]).packageManager.split("@")[1].split("+")[0]' "$ROOT/package.json"
}

ensure_pnpm() {
  local want have
  want=$(wanted_pnpm_version)
  have=$(pnpm --version 2>/dev/null || true)
  if [[ $have != "$want" ]]; then
    ensure_run_dirs
    log "pnpm ${have:-missing} != $want: installing pnpm@$want with npm (corepack is not used)"
    npm install -g --force --no-fund --no-audit "pnpm@$want" >"$LOG_DIR/npm-pnpm.log" 2>&1 ||
      { cat "$LOG_DIR/npm-pnpm.log" >&2; die "npm install -g pnpm@$want failed"; }
    hash -r
    have=$(pnpm --version 2>/dev/null || true)
    [[ $have == "$want" ]] || die "pnpm --version says '${have}' after installing pnpm@$want (PATH: $PATH)"
  fi
}

_install_stamp() { printf '%s\n' "$ROOT/node_modules/.ingest-install-stamp"; }

deps_stale() {
  local stamp f
  stamp=$(_install_stamp)
  [[ -d $ROOT/node_modules/.pnpm && -f $stamp ]] || return 0
  for f in "$ROOT/pnpm-lock.yaml" "$ROOT/package.json" "$ROOT/pnpm-workspace.yaml" \
    "$ROOT"/packages/*/package.json "$ROOT"/services/*/package.json; do
    [[ -e $f && $f -nt $stamp ]] && return 0
  done
  return 1
}

# ensure_deps --if-stale|--force: pnpm install --frozen-lockfile when node_modules is missing or older
# than a manifest or the lockfile (always with --force).
ensure_deps() {
  if [[ ${1:-} == --force ]] || deps_stale; then
    log "installing dependencies: pnpm install --frozen-lockfile"
    (cd "$ROOT" && pnpm install --frozen-lockfile --config.confirmModulesPurge=false </dev/null) ||
      die "pnpm install --frozen-lockfile failed (is pnpm-lock.yaml in step with the package.json files?)"
    touch "$(_install_stamp)"
  fi
}
