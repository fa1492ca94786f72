#!/usr/bin/env bash
# Device run: fp16 builds on a cold machine (CUDA_CACHE_DISABLE=1: no driver or NVRTC cache; a fresh TensorJet
# cache) with conv tuning on one thread (TENSORJET_TUNING_THREADS=1) and in parallel lanes (default); the
# plans' compute at their largest batch (tuning quality); the conv GPU checks. Carry .gpu .gpunm and DIST.
set -u
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules
DIST=${DIST:-dist-final}; M=/tmp/m; OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
TJ="node $DIST/src/cli/main.js"
[ -f $M/bert.onnx ] || timeout 150 python3 bench/peers/export_models.py --out $M --models resnet50,yolo,bert > /dev/null 2>&1
build() { # tag model shapes threads
  CUDA_CACHE_DISABLE=1 TENSORJET_CACHE_DIR=/tmp/tj-$1 TENSORJET_TUNING_THREADS=$4 timeout 150 $TJ build $M/$2.onnx -o /tmp/$1.plan --fp16 --device 0 "${@:5}" --shapes "$3" > "$OUT/build-$1.log" 2>&1
  echo "$1 (tuning threads ${4:-default}): $(grep -E 'conv tactics|conv tuning on' "$OUT/build-$1.log" | sed 's/^\[[^]]*\] //' | tr '\n' ' ')| $(tail -1 "$OUT/build-$1.log")"
}
compute() { # tag shapes...
  local s=(); for x in "${@:2}"; do s+=(--shapes "$x"); done
  echo "$1 compute: $(for i in 1 2; do $TJ bench /tmp/$1.plan --device 0 --duration 1 --json "${s[@]}" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["phasesMs"]["computeMs"])'; done | tr '\n' ' ') ms"
}
R=input:1x3x224x224/256x3x224x224/256x3x224x224; Y=images:1x3x640x640/16x3x640x640/16x3x640x640
build resnet-1 resnet50 $R 1
build resnet-par resnet50 $R ""
build yolo-1 yolo $Y 1
build yolo-par yolo $Y ""
build bert-par bert input_ids:1x128/64x128/64x128 "" --shapes attention_mask:1x128/64x128/64x128
for p in resnet-1 resnet-par; do compute $p input:256x3x224x224; done
for p in yolo-1 yolo-par; do compute $p images:16x3x640x640; done
compute bert-par input_ids:64x128 attention_mask:64x128
TENSORJET_CACHE_DIR=/tmp/tj-checks timeout 150 node $DIST/test/gpu/run.js --no-conformance --filter 'Conv' > "$OUT/conv-checks.txt" 2>&1; echo "conv checks rc $?: $(grep 'GPU kernel checks' "$OUT/conv-checks.txt")"; grep -E '^FAIL' "$OUT/conv-checks.txt" | head
