#!/usr/bin/env bash
# Does watching a sweep slow it? Runs the same small sweep (2 jobs at once, the default network)
# three times, each with `auxsweep serve` on its database, and compares the jobs' step rates:
#   idle     the dashboard serves, nobody asks;
#   wrk      wrk hammers /api/sweeps/load/report (10 s runs, back to back, for the whole sweep);
#   streams  100 browsers' worth of open event streams (curl -N) for the whole sweep.
# Step rate = iterations / (finished - started) per job, from the store's timestamps (the store
# records steps in batches every 2 s, too coarse for a 10 s window). Prints one line per run and the
# drops against idle; wrk's requests per second are the mean over its 10 s runs.
#
#   tools/bench/dashboard_load.sh [ITERATIONS]      (default 600; needs wrk, curl, python3)
#
# On one 2-core machine wrk competes with the sweep for the same cores: WRK_NICE=19 runs it at the
# lowest CPU priority, standing in for browsers on other machines (BENCHMARKS.md has both). JOBS=1
# runs the jobs one after the other; MODES="idle wrk" picks the runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations=${1:-600}
bin=${AUXSWEEP:-.build/release/auxsweep}
[[ -x "$bin" ]] || { echo "dashboard_load: build first: swift build -c release --product auxsweep" >&2; exit 1; }
command -v wrk >/dev/null || { echo "dashboard_load: wrk is not installed (scripts/bootstrap.sh installs it)" >&2; exit 1; }
work=$(mktemp -d /tmp/auxsweep-load.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -P $$ curl 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/load.yaml" <<YAML
name: load
aux_weights: [0.0, 1.0]
seeds: 1
jobs: ${JOBS:-2}
train: {iterations: $iterations, eval_every: $iterations, checkpoint_every: 0}
YAML

run_once() {
  local mode=$1 dir="$work/$1"
  mkdir -p "$dir"
  "$bin" run "$work/load.yaml" --db "$dir/r.sqlite" --register-only >/dev/null 2>&1
  "$bin" serve --db "$dir/r.sqlite" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
  local serve=$!
  pids+=("$serve")
  local url=
  for _ in $(seq 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$dir/serve.out" || true)
    [[ -n "$url" ]] && break
    sleep 0.1
  done
  [[ -n "$url" ]] || { cat "$dir/serve.err" >&2; exit 1; }
  "$bin" run "$work/load.yaml" --db "$dir/r.sqlite" >"$dir/run.out" 2>&1 &
  local run=$!
  pids+=("$run")
  case $mode in
    wrk)
      sleep 2
      while kill -0 "$run" 2>/dev/null; do
        nice -n "${WRK_NICE:-0}" wrk -t1 -c10 -d10s "$url/api/sweeps/load/report" >>"$dir/wrk.txt" 2>&1 || true
      done ;;
    streams)
      for _ in $(seq 100); do curl -sN "$url/api/sweeps/load/events" >/dev/null 2>&1 & done ;;
  esac
  wait "$run"
  pkill -P $$ curl 2>/dev/null || true
  kill -INT "$serve"; wait "$serve" || true
  python3 - "$dir/r.sqlite" "$mode" "$iterations" "$dir/wrk.txt" <<'PY'
import sqlite3, sys, re, os
db, mode, iterations, wrk = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = sqlite3.connect(db).execute(
    "SELECT aux_weight, (julianday(finished) - julianday(started)) * 86400 FROM jobs WHERE status = 'done' ORDER BY aux_weight").fetchall()
rates = [iterations / s for _, s in rows]
line = f"{mode:8s} steps/s per job: " + ", ".join(f"{r:.2f}" for r in rates) + f"  mean {sum(rates) / len(rates):.3f}"
if os.path.exists(wrk):
    rps = [float(x) for x in re.findall(r"Requests/sec:\s+([0-9.]+)", open(wrk).read())]
    if rps: line += f"  wrk: {len(rps)} runs of 10 s, {sum(rps) / len(rps):.0f} requests/s (min {min(rps):.0f}, max {max(rps):.0f})"
print(line)
with open(os.path.join(os.path.dirname(db), "..", "rates.txt"), "a") as f: f.write(f"{mode} {sum(rates) / len(rates)}\n")
PY
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, avx512f: $(grep -c avx512f /proc/cpuinfo || true)"
for mode in ${MODES:-idle wrk streams}; do run_once "$mode"; done
python3 - "$work/rates.txt" <<'PY'
import sys
rates = dict(line.split() for line in open(sys.argv[1]))
idle = float(rates["idle"])
for mode in [m for m in ("wrk", "streams") if m in rates]:
    print(f"{mode}: step rate {100 * (float(rates[mode]) / idle - 1):+.1f} % against idle")
PY
