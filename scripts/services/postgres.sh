#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1, for the tests and for trying the multi-machine store on a
# laptop. Uses Debian's postgresql package (scripts/bootstrap.sh installs it).
#
#   scripts/services/postgres.sh start DIR   initdb in DIR/data, start on a free port; prints the URL
#                                            (also written to DIR/url) of database "auxsweep", user
#                                            "auxsweep", password from DIR/password (scram-sha-256)
#   scripts/services/postgres.sh restart DIR stops the server (fast: connections are cut) and starts it
#                                            again on the same port (the tests' reconnect case)
#   scripts/services/postgres.sh stop DIR    stops the server by its PID, removes DIR
#
# As root the server runs as the "postgres" system user (initdb refuses root).
set -euo pipefail
command=${1:-}
dir=${2:-}
[[ -n "$command" && -n "$dir" ]] || { echo "usage: $0 start|restart|stop DIR" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/initdb" ]] || { echo "postgres.sh: no PostgreSQL server found (/usr/lib/postgresql/*/bin); run scripts/bootstrap.sh" >&2; exit 1; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$password" > "$dir/password"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/password"
  as_owner "$bin/initdb" -D "$dir/data" -U auxsweep --auth=scram-sha-256 --pwfile="$dir/password" \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # A free port: a random one nobody listens on; if the server still cannot bind it, another.
  started=
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200 -c fsync=off" \
      start >/dev/null; then
      started=yes
      break
    fi
  done
  [[ -n "$started" ]] || { cat "$dir/server.log" >&2; exit 1; }
  head -1 "$dir/data/postmaster.pid" > "$dir/pid"
  PGPASSWORD=$password "$bin/psql" -h 127.0.0.1 -p "$port" -U auxsweep -d postgres -qc "CREATE DATABASE auxsweep" >/dev/null
  url="postgresql://auxsweep:$password@127.0.0.1:$port/auxsweep"
  printf '%s\n' "$url" > "$dir/url"
  echo "$url"
  ;;
restart)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -m fast restart >/dev/null
  head -1 "$dir/data/postmaster.pid" > "$dir/pid"
  ;;
stop)
  [[ -f "$dir/pid" ]] || exit 0
  pid=$(cat "$dir/pid")
  # After a restart the server has a new PID: the one it wrote itself wins.
  [[ -f "$dir/data/postmaster.pid" ]] && pid=$(head -1 "$dir/data/postmaster.pid")
  # A PID left by a server that is gone may belong to another process by now: only a postgres is stopped.
  if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != postgres ]]; then rm -rf "$dir"; exit 0; fi
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|restart|stop DIR" >&2; exit 2
  ;;
esac
