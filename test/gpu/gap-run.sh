#!/usr/bin/env bash
# Device run: export the bench models, then test/gpu/latency-gap.js (wall vs GPU time per wait strategy)
# and per-layer profiles of fixed-shape plans. Carry .gpu .gpunm and the tsc build (DIST).
set -u
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; D=/tmp/tjbench; mkdir -p $D "$OUT"; DIST=${DIST:-dist-final}
timeout 150 python3 bench/peers/export_models.py --out $D --models ${MODELS:-resnet50,bert,yolo} > "$OUT/export.log" 2>&1; echo "export rc $?"
for m in ${GAP:-yolo:1,16 bert:1,64 resnet50:1,256}; do
  timeout ${GAP_S:-120} node $DIST/test/gpu/latency-gap.js --data $D --models ${m%%:*} --batches ${m#*:} 2>&1 | grep -v '^\[' | tee -a "$OUT/gap.txt"
done
[ -n "${CASES:-}" ] && OUT=/tmp/prof DIST=$DIST bash test/gpu/profile-models.sh > /dev/null 2>&1 && cp /tmp/prof/profiles.tgz "$OUT"/
ls "$OUT"
