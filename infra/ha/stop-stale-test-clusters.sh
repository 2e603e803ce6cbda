#!/usr/bin/env bash
# infra/ha/stop-stale-test-clusters.sh: stops and deletes the Patroni clusters of HA tests whose
# test process has exited (.run/ha-test-<name>-<pid>/ with <pid> gone): a teardown that timed
# out leaves its etcd, Postgres servers and HAProxy running, and they would take CPU from every
# later test and benchmark on the machine. Run before each HA test's cluster starts (the folder
# goes too) and after the test run (scripts/test.sh, with --keep-logs: the processes stop and the
# data goes, the logs of a failed test stay to be read). A cluster whose test process still runs
# is left alone.
#
#   stop-stale-test-clusters.sh [--keep-logs]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
keep_logs=0
[[ ${1:-} == --keep-logs ]] && keep_logs=1
shopt -s nullglob
for dir in "$ROOT"/.run/ha-test-*; do
  [[ -d $dir && $dir =~ -([0-9]+)$ ]] || continue
  kill -0 "${BASH_REMATCH[1]}" 2>/dev/null && continue
  echo "[ha-sweep] stopping the cluster of exited test process ${BASH_REMATCH[1]}: ${dir##*/}"
  HA_DIR=$dir timeout 180 bash "$ROOT/infra/ha/down.sh" --purge || true
  ((keep_logs)) || rm -rf "$dir"
done
