#!/usr/bin/env bash
# infra/ha/ctl.sh: patronictl for the native cluster of infra/ha/up.sh (same settings).
#
#   infra/ha/ctl.sh list                          members, roles, lag
#   infra/ha/ctl.sh switchover --force [--candidate pg2]
#   infra/ha/ctl.sh show-config | edit-config | history | ...
set -euo pipefail
# shellcheck source=infra/ha/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ha_settings
[[ -f $HA_DIR/pg1/patroni.yml ]] || die "no cluster configuration in $HA_DIR (run infra/ha/up.sh)"
exec patronictl -c "$HA_DIR/pg1/patroni.yml" "$@"
