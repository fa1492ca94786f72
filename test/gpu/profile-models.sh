#!/usr/bin/env bash
# Device run: export the four bench models, build fp16 plans at the timed batches and record per-layer
# profiles (`tensorjet bench --profile --json`) into $OUT/profile-<model>-b<batch>.json.
# Carry: .gpu .gpunm and the tsc build (DIST, default dist-cuda). MODELS / CASES override what runs.
set -u
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; D=/tmp/tjbench; mkdir -p $D
DIST=${DIST:-dist-cuda}
TJ="node $DIST/src/cli/main.js"
MODELS=${MODELS:-resnet50,bert,yolo}
CASES=${CASES:-"resnet50:input:1x3x224x224 resnet50:input:256x3x224x224 bert:input_ids,attention_mask:64x128 bert:input_ids,attention_mask:1x128 yolo:images:1x3x640x640 yolo:images:16x3x640x640"}
[ -f $D/yolo.onnx ] || timeout 150 python3 bench/peers/export_models.py --out $D --models "$MODELS" > "$OUT/export.log" 2>&1; echo "export rc $?" >> "$OUT/export.log"
for c in $CASES; do
  IFS=: read -r model names dims <<< "$c"
  shapes=(); for n in ${names//,/ }; do shapes+=(--shapes "$n:$dims"); done
  tag="$model-b${dims%%x*}"
  timeout 90 $TJ build $D/$model.onnx -o /tmp/$tag.plan --fp16 --device 0 "${shapes[@]}" > "$OUT/build-$tag.log" 2>&1 || { echo "build $tag failed"; tail -3 "$OUT/build-$tag.log"; continue; }
  timeout 60 $TJ bench /tmp/$tag.plan --device 0 --duration 2 --profile --json > "$OUT/profile-$tag.json" 2> "$OUT/profile-$tag.err" || echo "bench $tag failed"
done
tar czf /tmp/profiles.tgz -C "$OUT" . && rm -f "$OUT"/* && mv /tmp/profiles.tgz "$OUT"/  # at most 8 files come back
ls "$OUT"
