#!/usr/bin/env bash
# A real single-node Slurm cluster (slurmctld + slurmd + munge) for the tests, kept in a
# state directory (default $PWD/.slurm, or $SLURM_STATE_DIR): config, spool, logs and pid
# files all live there, nothing in /etc/slurm or /var.
#
#   scripts/slurm-cluster.sh install   apt-get the packages (slurm-wlm munge Open MPI) if missing
#   scripts/slurm-cluster.sh start     install, start munged (if needed), slurmctld and slurmd,
#                                      wait until the node is idle; prints `export SLURM_CONF=...`
#   scripts/slurm-cluster.sh stop      stop what `start` started (by recorded PIDs); idempotent
#   scripts/slurm-cluster.sh status    sinfo, or "not running" (exit status 3)
#   scripts/slurm-cluster.sh env       prints `export SLURM_CONF=...` (for eval)
#
# Messages go to stderr; stdout carries only what callers may eval, so
#   eval "$(scripts/slurm-cluster.sh start)"
# leaves SLURM_CONF set in the calling shell.
set -euo pipefail

PACKAGES=(slurm-wlm munge libopenmpi-dev openmpi-bin)
STATE_DIR="$(realpath -m "${SLURM_STATE_DIR:-$PWD/.slurm}")"
CONF="$STATE_DIR/slurm.conf"
CTLD_PID="$STATE_DIR/run/slurmctld.pid"
SLURMD_PID="$STATE_DIR/run/slurmd.pid"
MUNGED_MARK="$STATE_DIR/run/munged.started-by-us"   # holds munged's PID when we started it
MUNGE_KEY=/etc/munge/munge.key
MUNGE_RUN=/run/munge
START_TIMEOUT="${SLURM_START_TIMEOUT:-30}"
POLICY=/usr/sbin/policy-rc.d
MADE_POLICY=0

log() { echo "slurm-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      exec sudo -n env SLURM_STATE_DIR="$STATE_DIR" SLURM_START_TIMEOUT="$START_TIMEOUT" bash "$0" "$@"
    fi
    die "'$1' needs root (or password-less sudo)"
  fi
}

# PID from a pid file if that process is alive and its command name is $2.
live_pid() {
  local file=$1 comm=$2 pid
  [[ -s $file ]] || return 1
  pid=$(tr -dc 0-9 <"$file")
  [[ -n $pid && -r /proc/$pid/comm && $(cat "/proc/$pid/comm") == "$comm" ]] || return 1
  echo "$pid"
}

node_state() {
  SLURM_CONF="$CONF" timeout 10 sinfo -h -N -n "$(hostname -s)" -o '%T' 2>/dev/null | head -n1
}

healthy() {
  live_pid "$CTLD_PID" slurmctld >/dev/null && live_pid "$SLURMD_PID" slurmd >/dev/null || return 1
  case "$(node_state)" in idle | mixed | allocated | completing) return 0 ;; *) return 1 ;; esac
}

# --------------------------------------------------------------------------- install
cmd_install() {
  need_root install
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "packages present: ${PACKAGES[*]}"
    return 0
  fi
  log "installing: ${missing[*]}"
  # Keep the packages' init scripts from starting system-wide daemons (with /etc configs)
  # during installation: `start` runs our own. Only if no policy is in place already.
  if [[ ! -e $POLICY ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY" && chmod 755 "$POLICY" && MADE_POLICY=1
    trap 'if [[ $MADE_POLICY -eq 1 ]]; then rm -f "$POLICY"; fi' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  if [[ $MADE_POLICY -eq 1 ]]; then rm -f "$POLICY"; MADE_POLICY=0; fi
}

# --------------------------------------------------------------------------- munge
munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  if [[ ! -s $MUNGE_KEY ]]; then
    log "creating munge key $MUNGE_KEY"
    install -d -o munge -g munge -m 700 /etc/munge
    if command -v mungekey >/dev/null; then
      mungekey --create --force --keyfile="$MUNGE_KEY"
    else
      dd if=/dev/urandom bs=1 count=1024 of="$MUNGE_KEY" status=none
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 400 "$MUNGE_KEY"
  fi
  if munge_works; then
    log "munged already running"
    return 0
  fi
  install -d -o munge -g munge -m 755 "$MUNGE_RUN"
  install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
  log "starting munged"
  # --force: a stale socket/lock left by a killed munged is not an error.
  runuser -u munge -- /usr/sbin/munged --force
  local i
  for i in $(seq 1 50); do
    munge_works && break
    sleep 0.1
  done
  munge_works || { tail -n 20 /var/log/munge/munged.log >&2 2>/dev/null || true; die "munged did not start"; }
  tr -dc 0-9 <"$MUNGE_RUN/munged.pid" >"$MUNGED_MARK"
}

# --------------------------------------------------------------------------- slurm
write_conf() {
  local host cpus mem_mb real_mb
  host=$(hostname -s)
  cpus=$(nproc)
  mem_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024))
  # slurmd refuses a node whose configured memory exceeds what it measures: leave 10%
  # (at least 256 MB) of margin.
  real_mb=$((mem_mb - (mem_mb / 10 > 256 ? mem_mb / 10 : 256)))
  ((real_mb > 0)) || real_mb=1
  mkdir -p "$STATE_DIR"/{ctld,spool,log,run}
  cat >"$CONF.tmp" <<EOF
# Written by scripts/slurm-cluster.sh: a one-node test cluster; regenerated on each start.
ClusterName=polyicl-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
# Finished jobs stay visible to \`scontrol show job\` for 10 minutes (no slurmdbd here).
MinJobAge=600
KillWait=5
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/spool
SlurmctldLogFile=$STATE_DIR/log/slurmctld.log
SlurmdLogFile=$STATE_DIR/log/slurmd.log
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
NodeName=$host CPUs=$cpus RealMemory=$real_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
}

show_logs() {
  local f
  for f in "$STATE_DIR/log/slurmctld.log" "$STATE_DIR/log/slurmd.log"; do
    [[ -f $f ]] || continue
    echo "---- tail $f" >&2
    tail -n 25 "$f" >&2
  done
}

cmd_start() {
  need_root start
  if [[ -f $CONF ]] && healthy; then
    log "already running (state $STATE_DIR): node $(node_state)"
    echo "export SLURM_CONF=$CONF"
    return 0
  fi
  cmd_install
  mkdir -p "$STATE_DIR"/{ctld,spool,log,run}
  command -v slurmctld >/dev/null || die "slurmctld not found after install"
  start_munge
  # Anything half-alive from an earlier start from this state dir goes first.
  stop_slurm
  write_conf
  export SLURM_CONF="$CONF"
  log "SLURM_CONF=$CONF"
  slurmctld -f "$CONF" || { show_logs; stop_all; die "slurmctld failed to start"; }
  slurmd -f "$CONF" || { show_logs; stop_all; die "slurmd failed to start"; }
  local deadline=$((SECONDS + START_TIMEOUT)) state=""
  while ((SECONDS < deadline)); do
    state=$(node_state || true)
    if [[ $state == idle ]] && live_pid "$CTLD_PID" slurmctld >/dev/null && live_pid "$SLURMD_PID" slurmd >/dev/null; then
      log "node $(hostname -s) idle; slurmctld pid $(cat "$CTLD_PID"), slurmd pid $(cat "$SLURMD_PID")"
      echo "export SLURM_CONF=$CONF"
      return 0
    fi
    # A node left DOWN/DRAINED in the saved state from an earlier run: bring it back.
    if [[ $state == down* || $state == drain* ]]; then
      scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
    fi
    sleep 0.5
  done
  log "node not idle after ${START_TIMEOUT}s (sinfo state: '${state:-none}')"
  show_logs
  stop_all
  exit 1
}

# SIGTERM, wait up to 10 s, then SIGKILL. $1 pid file, $2 command name.
stop_pid() {
  local file=$1 comm=$2 pid i
  if pid=$(live_pid "$file" "$comm"); then
    log "stopping $comm (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      [[ -d /proc/$pid ]] || break
      sleep 0.1
    done
    if [[ -d /proc/$pid ]]; then
      log "$comm did not exit after 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$file"
}

stop_slurm() {
  # Cancel our jobs first so no slurmstepd / job processes outlive the daemons.
  if [[ -f $CONF ]] && live_pid "$CTLD_PID" slurmctld >/dev/null; then
    local jobs i
    jobs=$(SLURM_CONF="$CONF" timeout 10 squeue -h -o %A 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      log "cancelling jobs: $(echo $jobs)"
      SLURM_CONF="$CONF" timeout 10 scancel $jobs 2>/dev/null || true
      for i in $(seq 1 50); do
        [[ -z $(SLURM_CONF="$CONF" timeout 10 squeue -h -o %A 2>/dev/null || true) ]] && break
        sleep 0.2
      done
    fi
  fi
  stop_pid "$SLURMD_PID" slurmd
  stop_pid "$CTLD_PID" slurmctld
}

cmd_stop() {
  need_root stop
  stop_all
  log "stopped (state $STATE_DIR)"
}

# slurmd, slurmctld, and munged if this script started it.
stop_all() {
  stop_slurm
  if [[ -s $MUNGED_MARK ]]; then
    local f="$STATE_DIR/run/munged.pid"
    cp "$MUNGED_MARK" "$f"
    stop_pid "$f" munged
    rm -f "$MUNGED_MARK"
  fi
}

cmd_status() {
  if [[ -f $CONF ]] && live_pid "$CTLD_PID" slurmctld >/dev/null; then
    SLURM_CONF="$CONF" sinfo
  else
    echo "not running"
    exit 3
  fi
}

cmd_env() { echo "export SLURM_CONF=$CONF"; }

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *)
    sed -n '2,15s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
