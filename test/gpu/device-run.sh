#!/usr/bin/env bash
# One device call: GPU kernel checks (graphs on, then off), multi-GPU example, bench. Logs under $OUT.
# Carry: .gpu .gpunm dist-cuda (pruned node_modules and a tsc build of this tree).
set -u
source .gpu/env.sh
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/smi.txt"
node -e "import('./dist-cuda/src/backends/cuda/index.js').then(m=>console.log(JSON.stringify(m.listCudaDevices())))" 2>&1 | tee "$OUT/devices.txt"
timeout 240 node dist-cuda/test/gpu/run.js 2>&1 | tee "$OUT/gpu-tests.txt" | grep -v '^ok ' 
timeout 100 node dist-cuda/test/gpu/run.js --no-graphs --filter 'MatMul|Gemm|Softmax_last|Add_bcast|Transpose' 2>&1 | tee "$OUT/gpu-tests-nographs.txt" | tail -2
timeout 60 node dist-cuda/examples/multigpu/run.js 2>&1 | tee "$OUT/multigpu.txt"
timeout 120 node dist-cuda/bench/gpu/bench.js --iters 300 2>&1 | tee "$OUT/bench.txt"
timeout 60 node dist-cuda/src/cli/main.js devices 2>&1 | tee "$OUT/cli-devices.txt"
