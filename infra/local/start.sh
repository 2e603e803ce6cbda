#!/usr/bin/env bash
# infra/local/start.sh (npm start): the whole system on this machine, without Docker.
#
#  1. infra/local/up.sh: Postgres, Redis, RabbitMQ (starts only what is not running); s3rver too
#     only with STORAGE_BACKEND=s3: by default the objects are files in STORAGE_DIR
#     (.run/objects; STORAGE_BACKEND=fs, docs/storage.md), shared by every service started here
#  2. the services, built (npm run build: one bundle each) and started with
#     `pnpm --filter @ingest/<name> start`, in the background, each under
#     infra/local/supervise.sh (a crash is restarted with backoff, as compose's restart policy
#     does; repeated fast crashes are given up with a message in the service's log):
#     1 gateway, 1 splitter, START_LOADERS (2) loaders, 1 notifier; logs in .run/logs/
#     Leftovers of an earlier run killed before it cleaned up are stopped first
#     (infra/local/stop-leftovers.sh, from the records under .run/pids/).
#  3. waits for GET /readyz = 200 on the gateway
#  4. a local webhook receiver (infra/local/webhook-receiver.mjs, 127.0.0.1:WEBHOOK_RECEIVER_PORT)
#  5. ingests samples/people.csv through the public API with curl (with an Idempotency-Key, so
#     curl's retries are safe), polls the job until it is
#     completed/failed/cancelled, prints the job, the webhook and where the rows are
#  6. keeps serving until Ctrl-C / SIGTERM, then stops the services, the receiver and whatever
#     step 1 started (servers that were already running stay running)
#
# The API is START_GATEWAYS (default 2) gateways on GATEWAY_PORT+1.. behind HAProxy on
# GATEWAY_PORT (infra/ha/gateway-lb.sh: round robin, health check GET /readyz); with
# START_GATEWAYS=1 a single gateway listens on GATEWAY_PORT itself.
# START_TOPOLOGY=ha (default: single): PostgreSQL is the Patroni cluster of infra/ha/up.sh
# (etcd, 3 nodes, HAProxy; DATABASE_URL becomes its write port :HA_WRITE_PORT). The cluster is
# stopped at the end only if this script started it. See docs/ha.md.
#
# START_EXIT_AFTER_INGEST=1: stop everything after step 5 and exit 0 if the job completed,
# 1 otherwise (for smoke tests). Other knobs: START_LOADERS=2 START_READY_TIMEOUT=180
# START_JOB_TIMEOUT=600 START_WEBHOOK_WAIT=20 START_SAMPLE=samples/people.csv
# START_TABLE=people_sample WEBHOOK_RECEIVER_PORT=9099 STOP_TIMEOUT=30; the supervisor's
# SUPERVISE_BACKOFF_MS=1000 SUPERVISE_BACKOFF_MAX_MS=30000 SUPERVISE_STABLE_SECONDS=30
# SUPERVISE_MAX_FAST_CRASHES=5.
# Service settings: environment, then .env, then the defaults of .env.example.
set -euo pipefail

LOG_TAG=start
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_run_dirs
load_dotenv "$ROOT/.env"
apply_service_defaults
# One machine: the objects are files every process here shares (no S3 server to run).
: "${STORAGE_BACKEND:=fs}"
: "${STORAGE_DIR:=$RUN_DIR/objects}"
export STORAGE_BACKEND STORAGE_DIR
case $STORAGE_BACKEND in
  fs | s3) ;;
  *) die "STORAGE_BACKEND must be fs or s3 (got '$STORAGE_BACKEND')" ;;
esac

: "${START_EXIT_AFTER_INGEST:=0}"
: "${START_LOADERS:=2}"
: "${START_TOPOLOGY:=single}"
case $START_TOPOLOGY in
  single) : "${START_GATEWAYS:=2}" ;;
  ha) : "${START_GATEWAYS:=2}" ;;
  *) die "START_TOPOLOGY must be single or ha (got '$START_TOPOLOGY')" ;;
esac
: "${START_READY_TIMEOUT:=180}"
: "${START_JOB_TIMEOUT:=600}"
: "${START_WEBHOOK_WAIT:=20}"
: "${START_SAMPLE:=$ROOT/samples/people.csv}"
: "${START_TABLE:=people_sample}"
: "${WEBHOOK_RECEIVER_PORT:=9099}"
: "${STOP_TIMEOUT:=30}"
export STOP_TIMEOUT

[[ -f $START_SAMPLE ]] || die "sample file $START_SAMPLE not found (node samples/generate-people.mjs writes it)"

exec 8>"$RUN_DIR/start.lock"
flock -n 8 || die "another start.sh is running in this checkout (lock: $RUN_DIR/start.lock)"

gw_host=$GATEWAY_HOST
[[ $gw_host == 0.0.0.0 || $gw_host == "::" || -z $gw_host ]] && gw_host=127.0.0.1
[[ $gw_host == *:* ]] && gw_host="[$gw_host]"
GW="http://$gw_host:$GATEWAY_PORT"

# ---------------------------------------------------------------- shutdown

# Records that exist now are not ours to stop (except leftovers of an earlier start.sh, below).
PIDS_BEFORE=$(pid_snapshot | grep -v -e '^svc-' -e '^webhook-receiver=' -e '^gateway-lb=' || true)
SERVING=0
CLEANED=0

HA_STARTED_HERE=0
cleanup() {
  local rc=$?
  ((CLEANED)) && return 0
  CLEANED=1
  trap '' INT TERM HUP
  local ours=()
  mapfile -t ours < <(names_started_since "$PIDS_BEFORE")
  if ((${#ours[@]} > 0)); then
    log "stopping: ${ours[*]}"
    bash "$ROOT/infra/local/down.sh" "${ours[@]}" || rc=1
  fi
  if ((HA_STARTED_HERE)); then
    log "stopping the Patroni cluster (infra/ha/down.sh)"
    bash "$ROOT/infra/ha/down.sh" || rc=1
  fi
  log "bye"
  exit "$rc"
}
on_signal() {
  echo
  log "$1 received, shutting down"
  if ((SERVING)); then exit 0; else exit "$2"; fi
}
trap cleanup EXIT
trap 'on_signal SIGINT 130' INT
trap 'on_signal SIGTERM 143' TERM
trap 'on_signal SIGHUP 129' HUP
# Under `npm start` / `pnpm start`, a SIGTERM to npm alone kills npm but not this script:
# follow the parent, so that the services do not outlive it.
PARENT_PID=$PPID

# ---------------------------------------------------------------- helpers

# jq-less JSON: json_get PATH < json  (PATH like `status` or `chunks.done`; empty when absent)
json_get() {
  node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try {
        let v = JSON.parse(s);
        for (const k of process.argv[1].split(".")) v = v == null ? undefined : v[k];
        if (v !== undefined && v !== null) console.log(typeof v === "object" ? JSON.stringify(v) : String(v));
      } catch { /* not JSON */ }
    });' "$1"
}
json_pretty() {
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    try { console.log(JSON.stringify(JSON.parse(s), null, 2)); } catch { console.log(s); } });'
}

SERVICE_NAMES=()
start_service() { # service instance-label
  local svc=$1 label=$2
  # The log holds JSON lines: this mark is one, pnpm runs silent (no script banner) and the AWS
  # SDK's Node version notice is not printed.
  printf '{"time":"%s","service":"%s","msg":"started by infra/local/start.sh"}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$label" >>"$LOG_DIR/$label.log"
  # Restarted with backoff when it crashes (infra/local/supervise.sh), as compose does.
  NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=NodeVersionSupportWarning" \
    start_supervised "svc-$label" "$LOG_DIR/$label.log" pnpm --silent --filter "@ingest/$svc" start
  SERVICE_NAMES+=("$label")
  log "  $label: supervisor pid $SPAWNED_PID, log .run/logs/$label.log"
}

# Prints the labels of the services whose process group is gone (their supervisor gave up or
# was stopped), one a line.
dead_services() {
  local label pid
  for label in "${SERVICE_NAMES[@]}"; do
    pid=$(pidfile_get "svc-$label" pid)
    kill -0 -- "-$pid" 2>/dev/null || echo "$label"
  done
}

show_log_tail() {
  echo "---- last lines of .run/logs/$1.log ----" >&2
  tail -n "${2:-40}" "$LOG_DIR/$1.log" >&2 || true
  echo "----" >&2
}

# ---------------------------------------------------------------- 1. servers

# Leftovers of an earlier start.sh that was killed without cleaning up (its own pid files).
bash "$ROOT/infra/local/stop-leftovers.sh"

if [[ $START_TOPOLOGY == ha ]]; then
  # shellcheck source=infra/ha/lib.sh
  source "$ROOT/infra/ha/lib.sh"
  ha_settings
  ha_records() { cat "$HA_PID_DIR"/*.pid 2>/dev/null | grep '^pid=' | sort || true; }
  ha_before=$(ha_records)
  bash "$ROOT/infra/ha/up.sh" || {
    [[ $(ha_records) == "$ha_before" ]] || HA_STARTED_HERE=1
    die "infra/ha/up.sh failed (logs: .run/ha/logs/)"
  }
  [[ $(ha_records) == "$ha_before" ]] || HA_STARTED_HERE=1
  DATABASE_URL="postgres://postgres@127.0.0.1:$HA_WRITE_PORT/$HA_DATABASE"
  export DATABASE_URL
  log "topology: ha (DATABASE_URL $(redact_url "$DATABASE_URL"), $START_GATEWAYS gateways behind HAProxy)"
fi

UP_SKIP_S3=$([[ $STORAGE_BACKEND == fs ]] && echo 1 || echo 0) bash "$ROOT/infra/local/up.sh"
log "object storage: $STORAGE_BACKEND$([[ $STORAGE_BACKEND == fs ]] && echo " in ${STORAGE_DIR#"$ROOT"/}" || echo " at $S3_ENDPOINT")"

# ---------------------------------------------------------------- 2. services

if port_open "${gw_host//[\[\]]/}" "$GATEWAY_PORT"; then
  die "something already listens on $GW (another gateway?); stop it or set GATEWAY_PORT"
fi
log "building the services (npm run build)"
(cd "$ROOT" && node scripts/build.mjs >"$LOG_DIR/build.log" 2>&1) ||
  die "npm run build failed (see $LOG_DIR/build.log)"
log "starting services (gateway on $GW)"
if ((START_GATEWAYS == 1)); then
  start_service gateway gateway
else
  # N gateways on GATEWAY_PORT+1.., HAProxy (round robin, GET /readyz) on GATEWAY_PORT.
  lb_args=()
  for ((i = 1; i <= START_GATEWAYS; i++)); do
    port=$((GATEWAY_PORT + i))
    port_open "${gw_host//[\[\]]/}" "$port" && die "port $port (gateway-$i) is taken"
    GATEWAY_PORT=$port start_service gateway "gateway-$i"
    lb_args+=("gateway-$i=${gw_host//[\[\]]/}:$port")
  done
  printf '\n==== %s: started by infra/local/start.sh ====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$LOG_DIR/gateway-lb.log"
  GATEWAY_LB_HOST=${gw_host//[\[\]]/} start_supervised svc-gateway-lb "$LOG_DIR/gateway-lb.log" \
    bash "$ROOT/infra/ha/gateway-lb.sh" "$GATEWAY_PORT" "${lb_args[@]}"
  SERVICE_NAMES+=(gateway-lb)
  log "  gateway-lb: HAProxy on $GW -> ${lb_args[*]} (supervisor pid $SPAWNED_PID), log .run/logs/gateway-lb.log"
fi
# Each worker's GET /metrics on its own port (the gateway serves it on the API port).
SPLITTER_METRICS_PORT=${SPLITTER_METRICS_PORT:-9101} start_service splitter splitter
if ((START_LOADERS == 1)); then
  LOADER_METRICS_PORT=${LOADER_METRICS_PORT:-9102} start_service loader loader
else
  for ((i = 1; i <= START_LOADERS; i++)); do
    LOADER_METRICS_PORT=$((9101 + i)) start_service loader "loader-$i"
  done
fi
NOTIFIER_METRICS_PORT=${NOTIFIER_METRICS_PORT:-9109} start_service notifier notifier

# ---------------------------------------------------------------- 3. readiness

log "waiting for $GW/readyz (up to ${START_READY_TIMEOUT}s)"
deadline=$((SECONDS + START_READY_TIMEOUT))
while :; do
  code=$(curl -s -o "$RUN_DIR/readyz.out" -m 3 -w '%{http_code}' "$GW/readyz" || true)
  [[ $code == 200 ]] && break
  dead=$(dead_services | head -n1)
  if [[ -n $dead ]]; then
    show_log_tail "$dead"
    die "service $dead exited during start-up"
  fi
  if ((SECONDS >= deadline)); then
    echo "last /readyz answer: HTTP $code $(head -c 500 "$RUN_DIR/readyz.out" 2>/dev/null)" >&2
    show_log_tail gateway
    die "gateway not ready after ${START_READY_TIMEOUT}s"
  fi
  sleep 0.5
done
log "gateway ready: $(head -c 300 "$RUN_DIR/readyz.out")"

# ---------------------------------------------------------------- 4. webhook receiver

WEBHOOK_URL=""
WEBHOOK_LOG=$LOG_DIR/webhook-receiver.log
if port_open 127.0.0.1 "$WEBHOOK_RECEIVER_PORT"; then
  warn "port $WEBHOOK_RECEIVER_PORT is taken: ingesting without a webhook (set WEBHOOK_RECEIVER_PORT)"
else
  : >"$WEBHOOK_LOG"
  # Its stdout stays this terminal, so deliveries show up here; it also appends them to its log.
  setsid node "$ROOT/infra/local/webhook-receiver.mjs" --port "$WEBHOOK_RECEIVER_PORT" \
    --log "$WEBHOOK_LOG" </dev/null 8>&- 9>&- &
  write_pidfile webhook-receiver "pid=$!" kind=process match=webhook-receiver.mjs
  if wait_for "webhook receiver" 10 port_open 127.0.0.1 "$WEBHOOK_RECEIVER_PORT"; then
    WEBHOOK_URL="http://127.0.0.1:$WEBHOOK_RECEIVER_PORT/hook"
  else
    warn "webhook receiver did not start: ingesting without a webhook"
  fi
fi

# ---------------------------------------------------------------- 5. ingest the sample

# The local-development tenant: created once, its key kept in the git-ignored .dev-api-key.
API_KEY=$(cd "$ROOT" && npx --no-install tsx scripts/keys.ts ensure-dev "$ROOT/.dev-api-key" 2>>"$LOG_DIR/keys.log") ||
  die "could not create the development API key (see .run/logs/keys.log)"
log "API key of tenant \"dev\" in .dev-api-key (send it as: Authorization: Bearer \$(cat .dev-api-key))"
AUTH_HEADER="Authorization: Bearer $API_KEY"

query="table=$(node -p 'encodeURIComponent(process.argv[1])' "$START_TABLE")"
[[ -z $WEBHOOK_URL ]] || query+="&webhook_url=$(node -p 'encodeURIComponent(process.argv[1])' "$WEBHOOK_URL")"
# One key per run: curl may retry the upload (a 502/503 on the way, a timeout) and a retry of
# an upload the gateway already took returns that job instead of loading the file twice.
IDEMPOTENCY_KEY="npm-start-$(date -u +%Y%m%dT%H%M%SZ)-$$"
log "POST $GW/v1/jobs?$query  (file ${START_SAMPLE#"$ROOT"/}, $(wc -c <"$START_SAMPLE") bytes, Idempotency-Key $IDEMPOTENCY_KEY)"
code=$(curl -sS -o "$RUN_DIR/job-create.json" -w '%{http_code}' -m 300 --retry 3 --retry-delay 1 \
  -H "$AUTH_HEADER" -H "Idempotency-Key: $IDEMPOTENCY_KEY" \
  -F "file=@$START_SAMPLE;type=text/csv" "$GW/v1/jobs?$query") || code=000
if [[ $code != 2?? ]]; then
  echo "HTTP $code: $(head -c 2000 "$RUN_DIR/job-create.json" 2>/dev/null)" >&2
  die "job submission failed"
fi
job_id=$(json_get id <"$RUN_DIR/job-create.json")
[[ -n $job_id ]] || job_id=$(json_get job.id <"$RUN_DIR/job-create.json")
[[ -n $job_id ]] || die "no job id in the answer (HTTP $code): $(head -c 2000 "$RUN_DIR/job-create.json")"
log "job $job_id accepted (HTTP $code); polling $GW/v1/jobs/$job_id"

deadline=$((SECONDS + START_JOB_TIMEOUT))
last=""
status=""
while :; do
  if curl -sS -f -m 10 -H "$AUTH_HEADER" -o "$RUN_DIR/job.json" "$GW/v1/jobs/$job_id" 2>"$RUN_DIR/job-poll.err"; then
    status=$(json_get status <"$RUN_DIR/job.json")
    done_=$(json_get chunks.done <"$RUN_DIR/job.json")
    total=$(json_get chunks.total <"$RUN_DIR/job.json")
    loaded=$(json_get rows.loaded <"$RUN_DIR/job.json")
    rejected=$(json_get rows.rejected <"$RUN_DIR/job.json")
    progress="status=${status:-?} chunks=${done_:-?}/${total:-?} rows loaded=${loaded:-?} rejected=${rejected:-?}"
    [[ $progress == "$last" ]] || log "  $progress"
    last=$progress
    case $status in completed | failed | cancelled) break ;; esac
  else
    warn "poll failed: $(cat "$RUN_DIR/job-poll.err")"
  fi
  if ((SECONDS >= deadline)); then
    warn "job $job_id not finished after ${START_JOB_TIMEOUT}s (status: ${status:-unknown})"
    break
  fi
  sleep 0.5
done

echo
log "final job status:"
json_pretty <"$RUN_DIR/job.json"

if [[ -n $WEBHOOK_URL ]]; then
  log "waiting up to ${START_WEBHOOK_WAIT}s for the webhook at $WEBHOOK_URL"
  if wait_for "webhook delivery for job $job_id" "$START_WEBHOOK_WAIT" grep -q -F "$job_id" "$WEBHOOK_LOG"; then
    log "webhook delivered (printed above; also in .run/logs/webhook-receiver.log)"
  else
    warn "no webhook for job $job_id yet (the notifier retries with backoff; see .run/logs/notifier.log)"
  fi
fi

echo
db_shown=$(redact_url "$DATABASE_URL")
# The job view names the table in its tenant's schema ("t_dev.people"; "public.people" for a
# tenant that loaded there before schemas per tenant).
qualified=$(json_get table <"$RUN_DIR/job.json")
schema=""
[[ $qualified == *.* ]] && schema=${qualified%%.*}
if [[ -n $schema ]]; then
  found=$(psql "$DATABASE_URL" -wXAtq -v s="$schema" -v t="$START_TABLE" -f - 2>/dev/null <<<"
    select to_regclass(format('%I.%I', :'s', :'t')) is not null;" || true)
  [[ $found == t ]] || schema=""
fi
log "rows are in:"
log "  database: $db_shown"
if [[ -n $schema ]]; then
  count=$(psql "$DATABASE_URL" -wXAtq -v s="$schema" -v t="$START_TABLE" -f - <<<'select count(*) from :"s".:"t";' 2>&1 || true)
  log "  table:    $schema.$START_TABLE"
  log "  SELECT count(*) FROM $schema.$START_TABLE  ->  $count"
  loaded=$(json_get rows.loaded <"$RUN_DIR/job.json")
  [[ -z $loaded || $loaded == "$count" ]] ||
    log "            (this job loaded $loaded; the table keeps the rows of earlier runs too)"
  log "  look:     psql '$db_shown' -c 'SELECT * FROM $schema.$START_TABLE LIMIT 5'"
else
  log "  table:    $START_TABLE  (not found in that database)"
fi
echo

if [[ $START_EXIT_AFTER_INGEST == 1 ]]; then
  if [[ $status == completed ]]; then
    log "job completed; START_EXIT_AFTER_INGEST=1, stopping"
    exit 0
  fi
  log "job did not complete (status: ${status:-unknown}); START_EXIT_AFTER_INGEST=1, stopping"
  exit 1
fi

# ---------------------------------------------------------------- 6. serve until a signal

SERVING=1
log "serving on $GW   (logs: .run/logs/; Ctrl-C or SIGTERM stops everything started here)"
reported=" "
while :; do
  sleep 2 &
  wait $! || true
  if [[ -n ${npm_lifecycle_event:-} ]] && ! kill -0 "$PARENT_PID" 2>/dev/null; then
    log "parent process $PARENT_PID (npm/pnpm) is gone, shutting down"
    exit 0
  fi
  for dead in $(dead_services); do
    [[ $reported == *" $dead "* ]] && continue
    warn "service $dead is down: its supervisor gave up (see .run/logs/$dead.log); the others keep running"
    reported+="$dead "
  done
done
