#!/usr/bin/env bash
# infra/ha/down.sh: stops what infra/ha/up.sh started (recorded in .run/ha/pids/), nothing else.
#
#   down.sh           HAProxy, then the Patroni replicas, then the leader (each Patroni stops its
#                     PostgreSQL), a postmaster left without its Patroni, then etcd
#   down.sh --purge   the same, then deletes the cluster's data (etcd and every data directory);
#                     logs stay in .run/ha/logs/
#
# Before signalling a recorded PID it checks that the process is still the one we started (its
# command line names this cluster's files), so a recycled PID is left alone. Idempotent.
set -euo pipefail

LOG_TAG=ha-down
# shellcheck source=infra/ha/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec </dev/null
ha_settings

purge=0
case ${1:-} in
  --purge) purge=1 ;;
  '') ;;
  *) die "usage: down.sh [--purge]" ;;
esac

[[ -d $HA_DIR ]] || {
  log "nothing to stop (no $HA_DIR)"
  exit 0
}
exec 9>"$HA_DIR/ha.lock"
flock -w 300 9 || die "another infra/ha/up.sh or down.sh holds $HA_DIR/ha.lock"

failed=0

# Exited (a zombie counts: our parent is long gone and init may reap it late).
gone() { ! kill -0 "$1" 2>/dev/null || [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) == Z ]]; }

# stop_pid NAME PID MATCH SIGNAL TIMEOUT: signal, wait, SIGKILL after TIMEOUT seconds.
stop_pid() {
  local name=$1 pid=$2 match=$3 sig=$4 limit=$5
  pid_matches "$pid" "$match" || return 0
  log "$name: SIG$sig to pid $pid"
  kill "-$sig" "$pid" 2>/dev/null || true
  if ! wait_for "$name (pid $pid) to exit" "$limit" gone "$pid" 2>/dev/null; then
    warn "$name: still running after ${limit}s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_for "$name (pid $pid) to exit" 5 gone "$pid" || failed=1
  fi
}

# stop_records SIGNAL TIMEOUT NAME...: signal every recorded process at once, then wait for all.
stop_records() {
  local sig=$1 limit=$2 name pid match
  shift 2
  local names=() pids=() matches=()
  for name in "$@"; do
    [[ -f $HA_PID_DIR/$name.pid ]] || continue
    pid=$(ha_pid_get "$name" pid)
    match=$(ha_pid_get "$name" match)
    if pid_matches "$pid" "$match"; then
      log "$name: SIG$sig to pid $pid"
      kill "-$sig" "$pid" 2>/dev/null || true
      names+=("$name") pids+=("$pid") matches+=("$match")
    else
      log "$name: not running"
      rm -f "$HA_PID_DIR/$name.pid"
    fi
  done
  local i deadline=$((SECONDS + limit))
  for i in "${!names[@]}"; do
    until gone "${pids[$i]}"; do
      if ((SECONDS >= deadline)); then
        warn "${names[$i]}: still running after ${limit}s, SIGKILL"
        kill -KILL "${pids[$i]}" 2>/dev/null || true
        wait_for "${names[$i]} (pid ${pids[$i]}) to exit" 5 gone "${pids[$i]}" || failed=1
        break
      fi
      sleep 0.1
    done
    pid_matches "${pids[$i]}" "${matches[$i]}" || rm -f "$HA_PID_DIR/${names[$i]}.pid"
  done
}

# The leader last, so that no replica is promoted while the cluster goes down. The role is
# asked from each node's REST API (no answer: treated as a replica).
role_of() { curl -s -m 1 "http://127.0.0.1:$(ha_rest_port "$1")/patroni" | grep -o '"role": *"[a-z_]*"' | grep -o '[a-z_]*"$' | tr -d '"'; }

stop_records TERM 10 haproxy

replicas=()
leaders=()
for n in $(ha_node_names); do
  [[ -f $HA_PID_DIR/patroni-$n.pid ]] || continue
  case $(role_of "$n" || true) in
    primary | master) leaders+=("$n") ;;
    *) replicas+=("$n") ;;
  esac
done
# Patroni stops PostgreSQL itself (fast shutdown) on SIGTERM: give it time.
((${#replicas[@]} == 0)) || stop_records TERM 60 "${replicas[@]/#/patroni-}"
((${#leaders[@]} == 0)) || stop_records TERM 60 "${leaders[@]/#/patroni-}"

# Postmasters whose Patroni is gone (killed by a test, or crashed): fast shutdown (SIGINT).
for n in $(ha_node_names); do
  pm=$(ha_postmaster_pid "$n")
  [[ -z $pm ]] || stop_pid "$n postmaster" "$pm" "$HA_DIR/$n/data" INT 30
done

stop_records TERM 15 etcd

if ((failed)); then
  die "some processes did not stop; their records stay in $HA_PID_DIR"
fi

if ((purge)); then
  log "purging the cluster's data in $HA_DIR (etcd, $(ha_node_names | xargs))"
  rm -rf "$HA_DIR/etcd" "$HA_SOCK_DIR" "$HA_DIR/haproxy.cfg"
  for n in $(ha_node_names); do rm -rf "${HA_DIR:?}/$n"; done
fi
log "stopped"
