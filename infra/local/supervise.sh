#!/usr/bin/env bash
# infra/local/supervise.sh: keeps one service running, as compose's restart policy does for
# containers (npm start runs every service under one).
#
#   supervise.sh NAME COMMAND [ARG...]
#
# Runs COMMAND. When it exits with a non-zero status or dies of a signal (a crash, kill -9, the
# OOM killer), starts it again after a wait that doubles with each crash in a row, from
# SUPERVISE_BACKOFF_MS (1000) up to SUPERVISE_BACKOFF_MAX_MS (30000). A run that lasted
# SUPERVISE_STABLE_SECONDS (30) or longer starts the count afresh. After
# SUPERVISE_MAX_FAST_CRASHES (5) crashes in a row, each within SUPERVISE_STABLE_SECONDS of its
# start, it gives up with a message saying so and exits 1: a service that cannot start
# (bad configuration, a port taken) is not restarted forever.
#
# Exit status 0 is a deliberate stop (the services exit 0 after draining on SIGTERM): not
# restarted; the supervisor exits 0 too. SIGTERM, SIGINT or SIGHUP to the supervisor are passed
# on to the service's processes (not to the shells between them, which would only report the
# signal) and nothing is restarted; it exits when they are all gone, with the service's status.
#
# Its lines go to stderr (the service's log) as JSON lines like the services' own:
# {"level":40,"time":<ms>,"name":"supervise","service":NAME,"msg":"..."} (50 when it gives up).
set -uo pipefail

(($# >= 2)) || {
  echo "usage: supervise.sh NAME COMMAND [ARG...]" >&2
  exit 2
}
NAME=$1
shift

: "${SUPERVISE_BACKOFF_MS:=1000}"
: "${SUPERVISE_BACKOFF_MAX_MS:=30000}"
: "${SUPERVISE_STABLE_SECONDS:=30}"
: "${SUPERVISE_MAX_FAST_CRASHES:=5}"
for v in SUPERVISE_BACKOFF_MS SUPERVISE_BACKOFF_MAX_MS SUPERVISE_STABLE_SECONDS SUPERVISE_MAX_FAST_CRASHES; do
  [[ ${!v} =~ ^[0-9]+$ ]] || {
    echo "supervise.sh: $v must be a whole number (got '${!v}')" >&2
    exit 2
  }
done

supervise_level() { # message → pino level: 50 giving up, 40 a crash, 30 the rest
  case $1 in GIVING*) echo 50 ;; "exited with status 0"*) echo 30 ;; exited*) echo 40 ;; *) echo 30 ;; esac
}

say() { # message: one JSON line, like the services' own (pino's fields), so the log stays JSON
  local msg=$*
  msg=${msg//\\/\\\\}
  msg=${msg//\"/\\\"}
  printf '{"level":%s,"time":%s,"name":"supervise","service":"%s","msg":"%s"}\n' \
    "$(supervise_level "$msg")" "$(date +%s%3N)" "$NAME" "$msg" >&2
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#${t:0:-3})); }

# descendants PID: every live process below PID, one "pid comm" a line (reads /proc, no procps).
descendants() {
  local -A parent_of=() comm_of=()
  local stat rest pid fields
  for stat in /proc/[0-9]*/stat; do
    IFS= read -r rest 2>/dev/null <"$stat" || continue
    pid=${rest%% *}
    fields=${rest##*) }
    read -r -a fields <<<"$fields"
    parent_of[$pid]=${fields[1]:-0}
    rest=${rest#*(}
    comm_of[$pid]=${rest%)*}
  done
  local queue=("$1") next p
  while ((${#queue[@]} > 0)); do
    next=${queue[0]}
    queue=("${queue[@]:1}")
    for p in "${!parent_of[@]}"; do
      if [[ ${parent_of[$p]} == "$next" ]]; then
        printf '%s %s\n' "$p" "${comm_of[$p]}"
        queue+=("$p")
      fi
    done
  done
}

child=""
stopping=""
stop_pids=()

# Passes the signal on to the service's processes, shells excepted, and stops restarting.
on_signal() {
  local sig=$1 pid comm
  [[ -n $stopping ]] && return 0
  stopping=$sig
  [[ -n $child ]] || return 0
  say "SIG$sig received: passing it on to the service, not restarting"
  stop_pids=()
  while read -r pid comm; do
    case $comm in sh | dash | bash) continue ;; esac
    stop_pids+=("$pid")
  done < <(printf '%s %s\n' "$child" "$(cat "/proc/$child/comm" 2>/dev/null)"; descendants "$child")
  ((${#stop_pids[@]} > 0)) && kill -"$sig" "${stop_pids[@]}" 2>/dev/null
  return 0
}
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT
trap 'on_signal HUP' HUP

# Waits for the processes a signal was passed to: a service drains after its shell is gone.
wait_for_stopped() {
  local pid
  for pid in "${stop_pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  done
}

describe_status() {
  local status=$1
  if ((status > 128)); then
    echo "status $status (signal $(kill -l $((status - 128)) 2>/dev/null || echo $((status - 128))))"
  else
    echo "status $status"
  fi
}

crashes=0
run=0
while :; do
  run=$((run + 1))
  started=$(now_ms)
  "$@" &
  child=$!
  ((run == 1)) || say "started again (run $run), pid $child"
  # `wait` returns early when a trapped signal arrives: wait again until the child is gone.
  while :; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break
  done
  child=""
  lasted_ms=$(($(now_ms) - started))

  if [[ -n $stopping ]]; then
    wait_for_stopped
    say "stopped: exit $(describe_status "$status")"
    exit "$status"
  fi
  if ((status == 0)); then
    say "exited with status 0 (a deliberate stop): not restarting"
    exit 0
  fi

  if ((lasted_ms >= SUPERVISE_STABLE_SECONDS * 1000)); then crashes=0; fi
  crashes=$((crashes + 1))
  if ((crashes >= SUPERVISE_MAX_FAST_CRASHES)); then
    say "GIVING UP: crashed $crashes times in a row, each within ${SUPERVISE_STABLE_SECONDS}s of starting" \
      "(last: exit $(describe_status "$status") after ${lasted_ms} ms). Fix the cause (see the lines" \
      "above), then start it again."
    exit 1
  fi
  delay=$((SUPERVISE_BACKOFF_MS << (crashes - 1)))
  ((delay > SUPERVISE_BACKOFF_MAX_MS || delay <= 0)) && delay=$SUPERVISE_BACKOFF_MAX_MS
  say "exited with $(describe_status "$status") after ${lasted_ms} ms; crash $crashes of" \
    "$SUPERVISE_MAX_FAST_CRASHES in a row, restarting in ${delay} ms"
  sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))" &
  wait $! 2>/dev/null
  if [[ -n $stopping ]]; then
    kill $! 2>/dev/null
    say "SIG$stopping received while waiting to restart: not restarting"
    exit 0
  fi
done
