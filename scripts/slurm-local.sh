#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying `seal compare --launcher slurm` and for
# the Slurm tests: `bash scripts/slurm-local.sh start|stop|status`. As root, `start` installs the
# Debian packages (slurmctld, slurmd, slurm-client, munge), writes /etc/slurm/slurm.conf for one
# node named localhost (no cgroups, no accounting daemon: it runs in containers too) and starts
# munged, slurmctld and slurmd without systemd; `stop` stops the daemons it started.
# It never overwrites a slurm.conf it did not write.
set -euo pipefail

conf=/etc/slurm/slurm.conf
marker='# Written by seal scripts/slurm-local.sh'
piddir=/run/seal-slurm
packages=(slurmctld slurmd slurm-client munge)

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "slurm-local: '$1' needs root. Run: sudo bash $0 $1" >&2
    exit 1
  fi
}

install_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "slurm-local: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

write_conf() {
  if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
    echo "slurm-local: $conf exists and was not written by this script; leaving it as it is" >&2
    return
  fi
  local cpus mem
  cpus=$(nproc)
  # Leave the node's RealMemory below the machine's, or slurmd marks the node invalid.
  mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
  mkdir -p /etc/slurm /var/log/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd
  # DefMemPerCPU: without it every job asks for the whole node and jobs run one at a time.
  cat > "$conf" <<EOF
$marker
ClusterName=seal-local
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MinJobAge=3600
KillWait=10
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

running() { [ -f "$piddir/$1.pid" ] && kill -0 "$(cat "$piddir/$1.pid")" 2>/dev/null; }

start() {
  need_root start
  install_packages
  write_conf
  mkdir -p "$piddir"
  if ! munge -n >/dev/null 2>&1; then
    # Without systemd nothing creates munge's socket folder; as root munged warns about its
    # log's owner, and --force starts it anyway.
    mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
    munged --force
  fi
  if ! running slurmctld; then
    nohup slurmctld -D >/var/log/slurm/slurmctld.stdout 2>&1 &
    echo $! > "$piddir/slurmctld.pid"
  fi
  if ! running slurmd; then
    nohup slurmd -D -N localhost >/var/log/slurm/slurmd.stdout 2>&1 &
    echo $! > "$piddir/slurmd.pid"
  fi
  for _ in $(seq 1 60); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1 || true)
    case "$state" in
      idle|mixed|allocated) echo "slurm-local: node localhost is $state"; return 0 ;;
      down*|drain*) scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 1
  done
  echo "slurm-local: the node did not become idle within 60 s (sinfo says '${state:-nothing}')." >&2
  echo "  logs: /var/log/slurm/slurmctld.log, /var/log/slurm/slurmd.log" >&2
  tail -n 5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
  exit 1
}

stop() {
  need_root stop
  local d
  for d in slurmd slurmctld; do
    if running "$d"; then kill "$(cat "$piddir/$d.pid")"; fi
    rm -f "$piddir/$d.pid"
  done
  echo "slurm-local: stopped slurmd and slurmctld (munged keeps running)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo -N -l ;;
  *) echo "usage: bash $0 start|stop|status" >&2; exit 2 ;;
esac
