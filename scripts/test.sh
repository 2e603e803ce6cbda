#!/usr/bin/env bash
# scripts/test.sh (npm test): the whole check, in one command.
#
#   1. pnpm at the pinned version, dependencies installed (pnpm install --frozen-lockfile if stale)
#   2. infra/local/up.sh: Postgres, Redis, RabbitMQ, s3rver for the integration tests
#   3. pnpm run lint, pnpm run typecheck
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

LOG_TAG=test
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../infra/local/lib.sh"
cd "$ROOT" || exit 1
ensure_run_dirs
load_dotenv
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
  'set -euo pipefail; source infra/local/lib.sh; ensure_pnpm; ensure_deps'; then
  printf '\n%s\n' "${report[@]}"
  summary_line 0 1
  exit 1
fi

# 2. servers (their failure makes the integration tests fail too; run everything anyway)
before=$(pid_snapshot)
step "infra (infra/local/up.sh)" env UP_SKIP_DEPS=1 bash infra/local/up.sh || true

# 3. static checks
step "lint (pnpm run lint)" pnpm run lint || true
step "typecheck (pnpm run typecheck)" pnpm run typecheck || true

# 4. tests: jest's stdout is copied to a file to read its summary line
jest_out=$RUN_DIR/logs/jest-stdout.log
printf '\n==> jest (npx jest --ci %s)\n' "$*"
jest_rc=0
npx jest --ci "$@" | tee "$jest_out" || jest_rc=${PIPESTATUS[0]}

passed=0
failed=0
line=$(sed -e 's/\x1b\[[0-9;]*m//g' -e 's/\r$//' "$jest_out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1 || true)
if [[ -n $line ]]; then
  passed=${line%% passed*}
  failed=${line#*, }
  failed=${failed%% failed*}
fi
if ((jest_rc != 0 && failed == 0)); then
  failed=1 # jest failed without a failed test (no summary, crash, no tests found, ...)
  report+=("jest: FAILED (exit $jest_rc, ${line:-no summary line})")
else
  report+=("jest: ${line:-no summary line} (exit $jest_rc)")
fi

if [[ $TEST_KEEP_INFRA != 1 ]]; then
  mapfile -t started < <(names_started_since "$before")
  if ((${#started[@]} > 0)); then
    bash infra/local/down.sh "${started[@]}" >>"$LOG_DIR/test-down.log" 2>&1 ||
      report+=("infra/local/down.sh ${started[*]}: failed (see .run/logs/test-down.log)")
  fi
fi

failed=$((failed + extra_failures))
printf '\n'
printf '%s\n' "${report[@]}"
summary_line "$passed" "$failed"
((failed == 0))
