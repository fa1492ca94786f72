#!/usr/bin/env bash
# One device call: the user path (CLI build/run/inspect, plan target checks), ONNX node conformance on
# GPU 0, event-loop test, user-path benchmarks vs PyTorch eager, `tensorjet bench`, GPU kernel checks.
# Carry: .gpu .gpunm dist-cuda .gpudata (conformance node/ cases the CUDA backend claims).
set -u
source .gpu/env.sh
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
TJ="node dist-cuda/src/cli/main.js"
{
echo "== $(date -u +%FT%TZ)"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "== user path (CLI)"
$TJ build examples/simplenet/simplenet.onnx -o /tmp/s.plan --device 0; echo "rc=$?"
$TJ run /tmp/s.plan --input input=0,1,2,3,4; echo "rc=$?"
$TJ inspect /tmp/s.plan | head -20
$TJ run /tmp/s.plan --device cpu --input input=0,1,2,3,4; echo "rc=$? (expected 1, E_PLAN_TARGET)"
$TJ devices
echo "== event loop"
timeout 120 node --test dist-cuda/test/gpu/event-loop.test.js 2>&1 | grep -E "event loop:|^ok|^not ok|fail"
echo "== user-path benchmarks"
timeout 150 node dist-cuda/bench/gpu/user-bench.js --json "$OUT/user-bench.json"
TENSORJET_CUDA_SPIN_US=0 timeout 60 node dist-cuda/bench/gpu/user-bench.js --simplenet-only
echo "== PyTorch eager peer"
timeout 90 python3 bench/gpu/peer_torch.py --json "$OUT/peer-torch.json"
echo "== tensorjet bench"
timeout 30 $TJ bench /tmp/s.plan --device 0 --duration 2
timeout 40 $TJ bench /tmp/mlp-compute.plan --device 0 --contexts 2 --duration 3
timeout 40 $TJ bench /tmp/mlp-compute.plan --devices 0,1 --contexts 2 --duration 3 --json > "$OUT/cli-bench-2gpu.json"; echo "rc=$?"; head -c 1500 "$OUT/cli-bench-2gpu.json"
} 2>&1 | tee "$OUT/log.txt"
echo "== conformance (node suite, GPU 0)" | tee -a "$OUT/log.txt"
timeout ${CONF_TIMEOUT:-200} node dist-cuda/test/conformance/run.js --suite node --device 0 --data .gpudata --failures > "$OUT/conformance.txt" 2>&1; echo "rc=$?" >> "$OUT/conformance.txt"
grep -v '^FAIL' "$OUT/conformance.txt" | tail -5; grep -c '^FAIL' "$OUT/conformance.txt"; grep '^FAIL' "$OUT/conformance.txt" | head -40 | cut -c1-300
echo "== kernel checks" | tee -a "$OUT/log.txt"
timeout ${KC_TIMEOUT:-150} node dist-cuda/test/gpu/run.js 2>&1 | grep -v '^ok ' | tail -15 | tee -a "$OUT/log.txt"
