#!/usr/bin/env bash
# infra/local/down.sh (pnpm infra:down): stops what our scripts started, and nothing else.
#
#   down.sh            stop everything recorded in .run/pids/ (services first, databases last)
#   down.sh NAME...    stop only those entries (e.g. `down.sh s3rver`); start.sh and test.sh use
#                      this to stop just what they themselves started
#
# Servers that were already running before up.sh (e.g. a machine's pre-started Postgres, Redis,
# RabbitMQ) are never recorded there, so they are never stopped. Before signalling a recorded
# PID it checks that the process is still the one we started (its command line), so a recycled
# PID is left alone. Stale entries are removed. Exits 0 unless something refused to stop.
#
# STOP_TIMEOUT (default 30 s): how long a service gets to drain after SIGTERM before SIGKILL.
set -euo pipefail

LOG_TAG=down
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec </dev/null
cd "$ROOT"
[[ -d $PID_DIR ]] || {
  log "nothing to stop (no $PID_DIR)"
  exit 0
}
: "${STOP_TIMEOUT:=30}"

exec 9>"$RUN_DIR/infra.lock"
flock -w 600 9 || die "another up.sh/down.sh holds $RUN_DIR/infra.lock"

# wait_gone TIMEOUT CHECK_COMMAND...: wait until CHECK_COMMAND fails.
wait_gone() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit))
  while "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

stop_process() { # name pid match
  local name=$1 pid=$2 match=$3
  if ! pid_matches "$pid" "$match"; then
    log "$name: not running (pid ${pid:-?} gone or reused)"
    return 0
  fi
  log "$name: SIGTERM to pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone 15 pid_alive "$pid"; then
    warn "$name: still running after 15s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone 5 pid_alive "$pid" || return 1
  fi
}

stop_postgres() { # name pid cluster
  local name=$1 pid=$2 cluster=$3
  if ! pid_matches "$pid" postgres; then
    log "$name: not running (pid ${pid:-?} gone)"
    return 0
  fi
  log "$name: pg_ctlcluster ${cluster/\// } stop (fast)"
  pg_ctlcluster --skip-systemctl-redirect "${cluster%%/*}" "${cluster#*/}" stop -m fast \
    >>"$LOG_DIR/postgres.log" 2>&1 8>&- 9>&- || stop_process "$name" "$pid" postgres
  wait_gone 30 pid_alive "$pid"
}

stop_rabbitmq() { # name pid node
  local name=$1 pid=$2 node=$3
  if ! pid_matches "$pid" beam.smp; then
    log "$name: not running (pid ${pid:-?} gone)"
    return 0
  fi
  log "$name: rabbitmqctl -n $node shutdown"
  if [[ $(id -un) == rabbitmq ]]; then
    HOME=/var/lib/rabbitmq timeout 90 rabbitmqctl -n "$node" shutdown >>"$LOG_DIR/rabbitmq.log" 2>&1 8>&- 9>&- || true
  else
    timeout 90 runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq rabbitmqctl -n "$node" shutdown \
      >>"$LOG_DIR/rabbitmq.log" 2>&1 8>&- 9>&- || true
  fi
  pid_alive "$pid" && stop_process "$name" "$pid" beam.smp
  return 0
}

# A service runs as pnpm -> sh -c -> tsx -> node, all in one process group. SIGTERM goes to the
# workers of the group (tsx, node) but not to pnpm and the shell: they then exit with the
# service's own status instead of logging "Command failed with signal SIGTERM". When the group
# has no such member, the whole group gets it. Anything left after STOP_TIMEOUT is SIGKILLed.
# A supervised group (infra/local/supervise.sh leads it) gets SIGTERM on its supervisor only:
# it passes the signal on the same way and does not restart what it sees stop.
terminate_service() { # name pgid
  local name=$1 pgid=$2 mpid comm targets=()
  if [[ $(pidfile_get "$name" supervised) == 1 ]] && pid_matches "$pgid" supervise.sh; then
    log "$name: SIGTERM to its supervisor, pid $pgid"
    kill -TERM "$pgid" 2>/dev/null || true
    return 0
  fi
  while read -r mpid comm; do
    [[ -n $mpid && $mpid != "$pgid" ]] || continue
    case $comm in sh | dash | bash) continue ;; esac
    targets+=("$mpid")
  done < <(group_members "$pgid")
  if ((${#targets[@]} > 0)); then
    log "$name: SIGTERM to pids ${targets[*]} (process group $pgid)"
    kill -TERM "${targets[@]}" 2>/dev/null || true
  else
    log "$name: SIGTERM to process group $pgid"
    kill -TERM -- "-$pgid" 2>/dev/null || true
  fi
}

rank() { # stop order: services and helpers first, servers after, databases last
  case $1 in
    group) echo 1 ;;
    process) echo 2 ;;
    rabbitmq) echo 3 ;;
    redis) echo 5 ;;
    postgres) echo 6 ;;
    *) echo 4 ;;
  esac
}

if (($# > 0)); then names=("$@"); else mapfile -t names < <(pidfile_names); fi
((${#names[@]} > 0)) || {
  log "nothing to stop"
  exit 0
}

# epmd must outlive RabbitMQ: give it its own rank after rabbitmq.
mapfile -t ordered < <(
  for n in "${names[@]}"; do
    [[ -f $PID_DIR/$n.pid ]] || continue
    kind=$(pidfile_get "$n" kind)
    r=$(rank "$kind")
    [[ $n == epmd ]] && r=4
    printf '%s %s\n' "$r" "$n"
  done | sort -n -k1,1 -s | cut -d' ' -f2
)

failed=0

# Services first, all at once: SIGTERM every process group, then give them STOP_TIMEOUT together
# to drain (a sequential stop would add the drain times up).
groups=()
for n in "${ordered[@]}"; do
  [[ $(pidfile_get "$n" kind) == group ]] || continue
  pid=$(pidfile_get "$n" pid)
  if group_alive "$pid"; then
    terminate_service "$n" "$pid"
    groups+=("$n")
  else
    log "$n: not running"
    rm -f "$PID_DIR/$n.pid"
  fi
done
any_group_alive() {
  local n
  for n in "${groups[@]}"; do group_alive "$(pidfile_get "$n" pid)" && return 0; done
  return 1
}
if ((${#groups[@]} > 0)); then
  log "waiting up to ${STOP_TIMEOUT}s for ${groups[*]} to drain and exit"
  wait_gone "$STOP_TIMEOUT" any_group_alive || true
  for n in "${groups[@]}"; do
    pid=$(pidfile_get "$n" pid)
    if group_alive "$pid"; then
      warn "$n: still running after ${STOP_TIMEOUT}s, SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
      wait_gone 5 group_alive "$pid" || {
        failed=1
        continue
      }
    fi
    rm -f "$PID_DIR/$n.pid"
  done
fi

for n in "${ordered[@]}"; do
  [[ -f $PID_DIR/$n.pid ]] || continue
  kind=$(pidfile_get "$n" kind)
  pid=$(pidfile_get "$n" pid)
  match=$(pidfile_get "$n" match)
  case $kind in
    postgres) stop_postgres "$n" "$pid" "$(pidfile_get "$n" cluster)" || failed=1 ;;
    rabbitmq) stop_rabbitmq "$n" "$pid" "$(pidfile_get "$n" node)" || failed=1 ;;
    redis | process) stop_process "$n" "$pid" "$match" || failed=1 ;;
    *) warn "$n: unknown kind '$kind', leaving pid ${pid:-?} alone" ;;
  esac
  if ((failed == 0)) || ! pid_alive "$pid"; then rm -f "$PID_DIR/$n.pid"; fi
done

((failed == 0)) || die "some processes did not stop; their entries are kept in $PID_DIR"
log "stopped: ${ordered[*]:-nothing}"
