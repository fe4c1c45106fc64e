#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every test. As root it also starts a
# single-node Slurm for the cluster tests (scripts/slurm-local.sh) when none runs, and stops it
# after; otherwise those tests are skipped and say how to start one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser
started_slurm=0
if [ "$(id -u)" -eq 0 ] && ! scontrol ping >/dev/null 2>&1; then
  bash scripts/slurm-local.sh start
  started_slurm=1
  export SEAL_REQUIRE_SLURM=1
fi
stop_slurm() { if [ "$started_slurm" -eq 1 ]; then bash scripts/slurm-local.sh stop; fi; }
trap stop_slurm EXIT
npm test
