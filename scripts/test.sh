#!/usr/bin/env bash
# scripts/test.sh (npm test): the whole check, in one command.
#
#   1. pnpm at the pinned version, dependencies installed (pnpm install --frozen-lockfile if stale)
#   2. infra/local/up.sh: Postgres, Redis, RabbitMQ, s3rver for the integration tests;
#      infra/ha/install.sh: patroni, etcd, haproxy for tests/ha (each test starts its own cluster);
#      Debian's chromium (apt-get, when missing) for the dashboard's browser test
#   3. pnpm run build (the dashboard's web/dist that the gateway serves, the service bundles),
#      pnpm run lint, pnpm run typecheck
#   4. npx jest --ci "$@"        (arguments pass through: npm test -- --selectProjects unit)
#
# A failing step never stops the later ones. The LAST line printed is always
# `N passed, N failed`: jest's own summary line, with 1 failed added for each failing
# non-jest step (deps/infra, lint, typecheck) and for a jest run that failed without a failed test.
# The exit code is non-zero when that line counts any failure.
#
# Servers that step 2 had to start are stopped again at the end, unless TEST_KEEP_INFRA=1
# (servers that were already running are never touched).
set -euo pipefail

LOG_TAG='test'
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../infra/local/lib.sh"
cd "$ROOT" || exit 1
ensure_run_dirs
load_dotenv "$ROOT/.env"
apply_connection_defaults
: "${TEST_KEEP_INFRA:=0}"

summary_line() { printf '%s passed, %s failed\n' "$1" "$2"; }

extra_failures=0
declare -a report=()
step() { # label command...: runs a step, records ok/FAILED, never exits
  local label=$1 rc
  shift
  printf '\n==> %s\n' "$label"
  rc=0
  "$@" || rc=$?
  if ((rc == 0)); then
    report+=("$label: ok")
  else
    report+=("$label: FAILED (exit $rc)")
    extra_failures=$((extra_failures + 1))
  fi
  return "$rc"
}

# 1. toolchain: without it nothing else can run
if ! step "dependencies (pnpm + pnpm install)" bash -c \
  'set -euo pipefail; source infra/local/lib.sh; ensure_pnpm; ensure_deps --if-stale'; then
  printf '\n%s\n' "${report[@]}"
  summary_line 0 1
  exit 1
fi

# 2. servers (their failure makes the integration tests fail too; run everything anyway)
before=$(pid_snapshot)
jest_pid=""
stop_started_infra() {
  [[ $TEST_KEEP_INFRA == 1 ]] && return 0
  local started=()
  mapfile -t started < <(names_started_since "$before")
  ((${#started[@]} > 0)) || return 0
  bash infra/local/down.sh "${started[@]}" >>"$LOG_DIR/test-down.log" 2>&1
}
on_signal() { # interrupted: stop jest and the servers we started, no summary
  trap '' INT TERM
  [[ -z $jest_pid ]] || kill -TERM -- "-$jest_pid" 2>/dev/null || true
  stop_started_infra || true
  bash infra/ha/stop-stale-test-clusters.sh --keep-logs >>"$LOG_DIR/test-down.log" 2>&1 || true
  exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
step "infra (infra/local/up.sh)" env UP_SKIP_DEPS=1 bash infra/local/up.sh || true
# The HA tests (tests/ha/) start their own Patroni clusters; only their packages are needed here.
step "HA packages (infra/ha/install.sh)" bash infra/ha/install.sh || true
# tests/e2e/dashboard.test.ts drives Debian's chromium with playwright-core (which downloads no
# browser of its own); installed without the recommended packages (25 instead of 125, no systemd).
ensure_chromium() {
  [[ -x /usr/bin/chromium ]] && return 0
  if [[ $EUID -ne 0 ]]; then
    echo "chromium is missing: apt-get install -y --no-install-recommends chromium (as root)" >&2
    return 1
  fi
  {
    timeout 600 apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends \
        chromium </dev/null
  } >>"$LOG_DIR/apt-chromium.log" 2>&1 || {
    tail -n 20 "$LOG_DIR/apt-chromium.log" >&2
    return 1
  }
}
step "chromium (apt-get install when missing)" ensure_chromium || true

# 3. build and static checks
step "build (pnpm run build)" pnpm run build || true
step "lint (pnpm run lint)" pnpm run lint || true
step "typecheck (pnpm run typecheck)" pnpm run typecheck || true

# 4. tests. jest's stdout goes to a file (shown live) to read its summary line. jest runs in its
# own process group so that a jest that does not exit after its run (open handles left by a
# test) can be stopped: TEST_JEST_EXIT_GRACE seconds (default 30) after its summary line.
jest_out=$RUN_DIR/logs/jest-stdout.log
: "${TEST_JEST_EXIT_GRACE:=30}"
summary_re='^[0-9]+ passed, [0-9]+ failed'
printf '\n==> jest (npx jest --ci %s)\n' "$*"
: >"$jest_out"
setsid npx jest --ci "$@" >"$jest_out" </dev/null &
jest_pid=$!
tail -n +1 -f --pid="$jest_pid" "$jest_out" &
tail_pid=$!
summary_seen_at=0
jest_hung=0
while kill -0 "$jest_pid" 2>/dev/null; do
  if ((summary_seen_at == 0)) && grep -qE "$summary_re" "$jest_out"; then
    summary_seen_at=$SECONDS
  fi
  if ((summary_seen_at > 0 && SECONDS - summary_seen_at >= TEST_JEST_EXIT_GRACE)); then
    jest_hung=1
    kill -TERM -- "-$jest_pid" 2>/dev/null || true
    sleep 2
    kill -KILL -- "-$jest_pid" 2>/dev/null || true
    break
  fi
  sleep 0.5
done
jest_rc=0
wait "$jest_pid" || jest_rc=$?
wait "$tail_pid" 2>/dev/null || true
jest_pid=""

passed=0
failed=0
line=$(sed -e 's/\x1b\[[0-9;]*m//g' -e 's/\r$//' "$jest_out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1 || true)
if [[ -n $line ]]; then
  passed=${line%% passed*}
  failed=${line#*, }
  failed=${failed%% failed*}
fi
if ((jest_hung)); then
  # The run itself finished and reported; only the process lingered. Judge by the summary.
  report+=("jest: WARNING: did not exit ${TEST_JEST_EXIT_GRACE}s after its run (open handles in a test? try --detectOpenHandles); stopped")
  jest_rc=$((failed > 0 ? 1 : 0))
fi
if ((jest_rc != 0 && failed == 0)); then
  failed=1 # jest failed without a failed test (no summary, crash, no tests found, ...)
  report+=("jest: FAILED (exit $jest_rc, ${line:-no summary line})")
else
  report+=("jest: ${line:-no summary line} (exit $jest_rc)")
fi

stop_started_infra || report+=("infra/local/down.sh failed (see .run/logs/test-down.log)")
# An HA test whose teardown timed out leaves its Patroni cluster running; jest has exited now.
bash infra/ha/stop-stale-test-clusters.sh --keep-logs >>"$LOG_DIR/test-down.log" 2>&1 || true
trap - INT TERM

failed=$((failed + extra_failures))
printf '\n'
printf '%s\n' "${report[@]}"
summary_line "$passed" "$failed"
((failed == 0))
