#!/usr/bin/env bash
# `make test`: the whole suite, optimised, with the services it needs started first on 127.0.0.1 and
# stopped by PID at the end, also when tests fail or the run is interrupted:
#   - a throwaway PostgreSQL server (scripts/services/postgres.sh); its URL reaches the tests as
#     AUXSWEEP_TEST_POSTGRES (the restart test starts a server of its own with the same script);
#   - a single-node Slurm cluster (scripts/services/slurm.sh, as root), MaxArraySize 4 so that
#     splitting a larger array is exercised; the tests reach it through SLURM_CONF.
# Extra arguments go to `swift test` (e.g. --filter Conformance).
set -euo pipefail
cd "$(dirname "$0")/.."
services=$(mktemp -d /tmp/auxsweep-services.XXXXXX)
chmod 755 "$services"   # the server runs as the postgres user when we are root
stop() {
  # A second Ctrl-C or TERM (a process group signalled) must not cut the clean-up short: ignored here
  # and in the stop scripts started from here.
  trap '' INT TERM
  scripts/services/slurm.sh stop "$services/slurm" || true
  scripts/services/postgres.sh stop "$services/postgres" || true
  rm -rf "$services"
}
trap stop EXIT
trap 'trap "" INT TERM; exit 130' INT
trap 'trap "" INT TERM; exit 143' TERM
AUXSWEEP_TEST_POSTGRES=$(scripts/services/postgres.sh start "$services/postgres")
export AUXSWEEP_TEST_POSTGRES
if [[ $(id -u) -eq 0 ]]; then
  slurm_conf=$(scripts/services/slurm.sh start "$services/slurm" 4)
  export "$slurm_conf"
else
  echo "test.sh: not root, so no Slurm cluster: the Slurm tests will fail (run make test as root)" >&2
fi
swift test -c release -Xswiftc -enable-testing --disable-xctest "$@"
