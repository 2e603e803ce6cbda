#!/usr/bin/env bash
# infra/local/stop-leftovers.sh: stops what an earlier infra/local/start.sh left running when it
# was killed before it could clean up (kill -9, a closed terminal, a crash of the machine's
# session), so that the next start finds its ports free instead of failing on them.
#
# Only the records of start.sh's own pid files under .run/pids/ are touched: svc-* (the
# supervised services and the gateway load balancer), webhook-receiver, and gateway-lb (an
# unsupervised load balancer of an earlier version). down.sh stops each one after checking that
# its process is still the one that was started (a recycled PID is left alone) and removes the
# records of processes already gone. Servers (Postgres, Redis, RabbitMQ, s3rver) are up.sh's.
# start.sh runs this first; run it by hand after `kill -9` of npm start.
set -euo pipefail

LOG_TAG=start
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t leftovers < <(pidfile_names | grep -e '^svc-' -e '^webhook-receiver$' -e '^gateway-lb$' || true)
((${#leftovers[@]} > 0)) || exit 0
log "stopping leftovers of an earlier run: ${leftovers[*]}"
bash "$ROOT/infra/local/down.sh" "${leftovers[@]}"
