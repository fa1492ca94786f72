#!/usr/bin/env bash
# glue device run 2: norm checks, glue kernel timings, BERT fp16 accuracy (vs torch fp32) + timing, YOLO fp16 b16 profile.
# Build dist-glue with a fresh tsbuildinfo (a stale one after rm -rf emits nothing): rm -rf dist-glue /tmp/dist-glue.tsbuildinfo first.
set -u
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-k PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; D=/tmp/m; mkdir -p $D
TJ="node dist-glue/src/cli/main.js"
(timeout 100 python3 bench/peers/export_models.py --out $D --models bert,yolo > "$OUT/export.log" 2>&1; echo "export rc $?" >> "$OUT/export.log") &
EXP=$!
timeout 60 node dist-glue/test/gpu/run.js --no-conformance --filter "LayerNorm|RMSNorm|GroupNorm|InstanceNorm" > "$OUT/checks2.txt" 2>&1
tail -1 "$OUT/checks2.txt"; grep -v '^ok ' "$OUT/checks2.txt" | head -20
timeout 60 node dist-glue/test/gpu/glue-perf.js > "$OUT/perf2.txt" 2>&1; grep -i "norm" "$OUT/perf2.txt"
wait $EXP; tail -1 "$OUT/export.log"
timeout 60 node dist-glue/bench/models/run.js --data $D --models bert --precisions fp16 --min-time 0.5 --max-time 1 --budget-s 50 --results /tmp/res > "$OUT/bert-acc.txt" 2>&1; grep -i "rel L2\|fail\|error" "$OUT/bert-acc.txt" | head -5
{ timeout 60 $TJ build $D/yolo.onnx -o /tmp/y.plan --fp16 --device 0 --shapes images:16x3x640x640 && timeout 30 $TJ bench /tmp/y.plan --device 0 --duration 2 --profile; } > "$OUT/yolo.txt" 2>&1
grep -A30 "by op type" "$OUT/yolo.txt"; grep "compute" "$OUT/yolo.txt"
