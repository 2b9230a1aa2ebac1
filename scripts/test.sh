#!/usr/bin/env bash
# `make test`: the whole suite, optimised, with the services it needs started first on 127.0.0.1 and
# stopped by PID at the end, also when tests fail or the run is interrupted:
#   - a throwaway PostgreSQL server (scripts/services/postgres.sh); its URL reaches the tests as
#     AUXSWEEP_TEST_POSTGRES.
# Extra arguments go to `swift test` (e.g. --filter Conformance).
set -euo pipefail
cd "$(dirname "$0")/.."
services=$(mktemp -d /tmp/auxsweep-services.XXXXXX)
chmod 755 "$services"   # the server runs as the postgres user when we are root
stop() { scripts/services/postgres.sh stop "$services/postgres" || true; rm -rf "$services"; }
trap stop EXIT
trap "exit 130" INT
trap "exit 143" TERM
AUXSWEEP_TEST_POSTGRES=$(scripts/services/postgres.sh start "$services/postgres")
export AUXSWEEP_TEST_POSTGRES
swift test -c release -Xswiftc -enable-testing --disable-xctest "$@"
