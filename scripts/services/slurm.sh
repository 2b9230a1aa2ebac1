#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on 127.0.0.1 (slurmctld, slurmd and munge from Debian's
# slurm-wlm and munge; scripts/bootstrap.sh installs them), for the tests and for trying
# `auxsweep submit` on a laptop. Nothing goes to /etc: the config, state, logs and munge key are in DIR.
#
#   scripts/services/slurm.sh start DIR [MAX_ARRAY_SIZE]
#       writes DIR/slurm.conf, starts munged, slurmctld and slurmd (as root) on free ports, waits for
#       the node to be idle, and prints the line SLURM_CONF=DIR/slurm.conf (export it; sbatch, squeue,
#       sacct and scancel then talk to this cluster). MAX_ARRAY_SIZE: the cluster's MaxArraySize
#       (default 1001, Slurm's own default).
#   scripts/services/slurm.sh stop DIR
#       cancels every job, stops the daemons by the PIDs in DIR/run, removes DIR
#
# Slurm's daemons run as root here (SlurmUser=root), so start it as root.
set -euo pipefail
command=${1:-}
dir=${2:-}
[[ -n "$command" && -n "$dir" ]] || { echo "usage: $0 start DIR [MAX_ARRAY_SIZE] | stop DIR" >&2; exit 2; }

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

stop_pid() {  # stop_pid FILE NAME: SIGTERM, wait up to 10 s, then SIGKILL; only if the PID is still NAME's
  [[ -f "$1" ]] || return 0
  local pid
  pid=$(cat "$1")
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

case "$command" in
start)
  [[ $(id -u) -eq 0 ]] || { echo "slurm.sh: start as root (the daemons run as root here)" >&2; exit 1; }
  for tool in munged slurmctld slurmd sbatch; do
    command -v "$tool" >/dev/null || { echo "slurm.sh: $tool not found; run scripts/bootstrap.sh" >&2; exit 1; }
  done
  max_array=${3:-1001}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
  chmod 700 "$dir/munge"
  head -c 1024 /dev/urandom > "$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
    || { cat "$dir/log/munged.log" >&2 2>/dev/null; exit 1; }
  node=$(hostname -s)
  cpus=$(nproc)
  memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
  : > "$dir/plugstack.conf"
  cat > "$dir/slurm.conf" <<CONF
# Written by scripts/services/slurm.sh: a single-node cluster for tests, everything under $dir.
ClusterName=auxsweep
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
PlugStackConfig=$dir/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MaxArraySize=$max_array
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -i >/dev/null 2>&1 || { cat "$dir/log/slurmctld.log" >&2; exit 1; }
  slurmd >/dev/null 2>&1 || { cat "$dir/log/slurmd.log" >&2; exit 1; }
  for _ in $(seq 1 300); do
    state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    [[ "$state" == idle ]] && { echo "SLURM_CONF=$SLURM_CONF"; exit 0; }
    sleep 0.1
  done
  echo "slurm.sh: the node did not become idle in 30 s (state: ${state:-unknown}); logs in $dir/log" >&2
  tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  exit 1
  ;;
stop)
  [[ -d "$dir" ]] || exit 0
  if [[ -f "$dir/slurm.conf" && -f "$dir/run/slurmctld.pid" ]]; then
    export SLURM_CONF="$dir/slurm.conf"
    scancel --full --quiet --user=root 2>/dev/null || true
    for _ in $(seq 1 100); do
      [[ -z "$(squeue -h -o %i 2>/dev/null)" ]] && break
      sleep 0.1
    done
  fi
  stop_pid "$dir/run/slurmd.pid" slurmd
  stop_pid "$dir/run/slurmctld.pid" slurmctld
  stop_pid "$dir/run/munged.pid" munged
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start DIR [MAX_ARRAY_SIZE] | stop DIR" >&2; exit 2
  ;;
esac
