#!/usr/bin/env bash
# One device call for the pool/resize/norm/misc lowerings: GPU kernel checks (graphs on) filtered to these ops,
# then the matching ONNX node conformance cases on GPU 0. Carry: .gpu .gpunm dist-cuda .gpudata/nn.
set -u
source .gpu/env.sh
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
F='Pool|Resize|Upsample|Norm|Pad|TopK|Arg|Mean'
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/smi.txt"
timeout 200 node dist-cuda/test/gpu/run.js --no-conformance --filter "$F" 2>&1 | tee "$OUT/gpu-nn.txt"
timeout 150 node dist-cuda/test/conformance/run.js --suite node --device 0 --data .gpudata/nn --failures 2>&1 | tee "$OUT/conf-nn.txt" | tail -40
