#!/usr/bin/env bash
# One device call for the conv work: conv kernel checks through cuDNN and through the NVRTC fallback
# (TENSORJET_CUDNN=0), then light ResNet-50 built + run on GPU 0 through the public API.
# Carry: .gpu .gpunm dist-cuda .gpuconv (light_resnet50.onnx + light_resnet50_output_0.pb).
set -u
source .gpu/env.sh
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
{
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "== conv kernel checks, cuDNN"
timeout 120 node dist-cuda/test/gpu/run.js --filter 'Conv' --no-conformance 2>&1
echo "== conv kernel checks, NVRTC fallback (TENSORJET_CUDNN=0)"
TENSORJET_CUDNN=0 timeout 60 node dist-cuda/test/gpu/run.js --filter 'Conv' --no-conformance 2>&1
echo "== light ResNet-50 fp32"
timeout 150 node dist-cuda/test/gpu/conv-model.js .gpuconv/light_resnet50.onnx .gpuconv/light_resnet50_output_0.pb --iters 200 2>&1
echo "== light ResNet-50 fp16"
timeout 90 node dist-cuda/test/gpu/conv-model.js .gpuconv/light_resnet50.onnx .gpuconv/light_resnet50_output_0.pb --iters 200 --precision fp16 2>&1
echo "== light ResNet-50 fp32, NVRTC fallback"
TENSORJET_CUDNN=0 timeout 60 node dist-cuda/test/gpu/conv-model.js .gpuconv/light_resnet50.onnx .gpuconv/light_resnet50_output_0.pb --iters 20 2>&1
} 2>&1 | tee "$OUT/conv-log.txt"
