#!/usr/bin/env bash
# infra/ha/install.sh: installs the Debian packages of the HA topology when missing (patroni,
# etcd-server, etcd-client, haproxy, postgresql-15, postgresql-client) and nothing else.
# infra/ha/up.sh does the same on demand; scripts/test.sh runs this before jest so that the HA
# tests' clusters do not spend their start-up time in apt-get.
set -euo pipefail
LOG_TAG=ha-install
# shellcheck source=infra/ha/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec </dev/null
ha_settings
mkdir -p "$HA_LOG_DIR"
ha_ensure_packages
log "patroni $(patroni --version 2>/dev/null | awk '{print $2}'), etcd $(etcd --version 2>/dev/null | awk 'NR==1{print $3}'), $(haproxy -v 2>/dev/null | head -n1 | awk '{print $1, $3}')"
