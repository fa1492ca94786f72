#!/usr/bin/env bash
# glue device run: glue GPU checks, glue kernel timings, BERT-base fp16 b64 per-layer profile. Carry: .gpu .gpunm dist-glue.
set -u
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-k PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; D=/tmp/m; mkdir -p $D
TJ="node dist-glue/src/cli/main.js"
(timeout 100 python3 bench/peers/export_models.py --out $D --models bert > "$OUT/export.log" 2>&1; echo "export rc $?" >> "$OUT/export.log") &
EXP=$!
timeout 90 node dist-glue/test/gpu/run.js --no-conformance --filter "${FILTER:-SkipLayerNorm|_inner_|FusedElementwise|tensorjet_Gelu|FusedGemm|LayerNorm|Softmax}" > "$OUT/checks.txt" 2>&1
tail -1 "$OUT/checks.txt"; grep -v '^ok ' "$OUT/checks.txt" | head -20
timeout 60 node dist-glue/test/gpu/glue-perf.js > "$OUT/perf.txt" 2>&1; cat "$OUT/perf.txt" | tail -20
wait $EXP; tail -2 "$OUT/export.log"
{ timeout 60 $TJ build $D/bert.onnx -o /tmp/b.plan --fp16 --device 0 --shapes input_ids:64x128 --shapes attention_mask:64x128 && timeout 40 $TJ bench /tmp/b.plan --device 0 --duration 2 --profile; } > "$OUT/bert.txt" 2>&1
cat "$OUT/bert.txt" | tail -45
