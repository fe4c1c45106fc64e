#!/usr/bin/env bash
# The CPU matrix: the tiers whose tests run compute kernels, again under the kernels an older CPU
# would run. oneDNN (libtorch's convolutions) picks JIT kernels by the CPU's widest ISA and
# OpenBLAS (GEMM) by its core type; ONEDNN_MAX_CPU_ISA and OPENBLAS_CORETYPE force a narrower
# choice on any newer CPU, so an AVX2-only or SSE4.1-era machine's kernels are tested here.
#   tiers:  engine  (ops against PyTorch, layouts, conv Hessians, model and method contracts, memory)
#           oracle  (training and evaluations against the PyTorch reference scripts)
#           hostile (bad input, kills and resumes, through the CLI)
#   CPUs:   avx2    ONEDNN_MAX_CPU_ISA=AVX2  OPENBLAS_CORETYPE=Haswell
#           sse41   ONEDNN_MAX_CPU_ISA=SSE41 OPENBLAS_CORETYPE=Nehalem
# Usage: bash scripts/test-cpu-matrix.sh [avx2|sse41 ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null

engine=(dist/test/engine.test.js dist/test/ops.diff.test.js dist/test/nn/memory-format.test.js
  dist/test/memory.test.js dist/test/eval/conv-hessian.test.js dist/test/models/contract.test.js
  dist/test/methods/contract.test.js)
oracle=(dist/test/train/fidelity.test.js dist/test/eval/logistic.test.js dist/test/eval/sharpness.test.js)
hostile=(dist/test/hostile/*.test.js)

cpus=("$@")
if [ ${#cpus[@]} -eq 0 ]; then cpus=(avx2 sse41); fi
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
for cpu in "${cpus[@]}"; do
  case "$cpu" in
    avx2) isa=AVX2 core=Haswell need=avx2 ;;
    sse41) isa=SSE41 core=Nehalem need=sse4_1 ;;
    *) echo "test-cpu-matrix: unknown CPU tier '$cpu' (expected avx2 or sse41)" >&2; exit 2 ;;
  esac
  if [[ " $flags " != *" $need "* ]]; then
    echo "test-cpu-matrix: $cpu skipped: this CPU has no $need, so the cap would not narrow anything"
    continue
  fi
  echo "test-cpu-matrix: $cpu (ONEDNN_MAX_CPU_ISA=$isa OPENBLAS_CORETYPE=$core): engine, oracle, hostile"
  ONEDNN_MAX_CPU_ISA=$isa OPENBLAS_CORETYPE=$core node --test --test-concurrency=1 --test-reporter=dot \
    "${engine[@]}" "${oracle[@]}" "${hostile[@]}"
done
