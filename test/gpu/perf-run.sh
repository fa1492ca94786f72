#!/usr/bin/env bash
# cuda-perf device run: fused kernel checks, per-layer profiles (MLP fp16 b256, BERT fp16 b64), models vs torch.
# Carry: .gpu .gpunm dist-cuda. Logs under $OUT.
set -u
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels TORCHINDUCTOR_CACHE_DIR=/tmp/inductor PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; D=/tmp/tjbench; mkdir -p $D bench/results
TJ="node dist-cuda/src/cli/main.js"
(timeout 50 python3 bench/peers/export_models.py --out $D --models mlp,bert > "$OUT/export.log" 2>&1; echo "export rc $?" >> "$OUT/export.log") &
EXP=$!
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$OUT/gpu-tests.txt"
timeout 50 node dist-cuda/test/gpu/run.js --filter 'Fused(Elementwise|Gemm)|^Gemm|^MatMul' --no-conformance >> "$OUT/gpu-tests.txt" 2>&1; tail -1 "$OUT/gpu-tests.txt"; grep -v '^ok ' "$OUT/gpu-tests.txt" | head -20
wait $EXP; tail -2 "$OUT/export.log"
{
  timeout 40 $TJ build $D/mlp.onnx -o /tmp/mlp16.plan --fp16 --device 0 --shapes input:256x1024 && timeout 30 $TJ bench /tmp/mlp16.plan --device 0 --duration 2 --profile
  timeout 60 $TJ build $D/bert.onnx -o /tmp/bert16.plan --fp16 --device 0 --shapes input_ids:64x128 --shapes attention_mask:64x128 && timeout 30 $TJ bench /tmp/bert16.plan --device 0 --duration 2 --profile
} > "$OUT/profile.txt" 2>&1; cat "$OUT/profile.txt"
timeout 60 python3 bench/peers/torch_peer.py --data $D --out $D/torch.jsonl --models mlp,bert --compile-modes reduce-overhead --min-time 0.5 --budget-s 40 > "$OUT/peers.log" 2>&1; cp $D/torch.jsonl "$OUT/" 2>/dev/null
timeout 100 node dist-cuda/bench/models/run.js --data $D --peers $D/torch.jsonl --models mlp,bert --min-time 0.5 --max-time 2 --budget-s 70 > "$OUT/node.log" 2>&1; grep -v '^|' "$OUT/node.log" | head -30
cp "$(ls -t bench/results/*.md | head -1)" "$(ls -t bench/results/*.json | head -1)" "$OUT/" 2>/dev/null; ls "$OUT"
