#!/usr/bin/env bash
# dynamic-batch plans (as bench/models builds them) vs fixed ones at batch 1: compute, latency, per-layer profile
set -u
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels PYTHONUNBUFFERED=1
O=/tmp/dyn; rm -rf $O; mkdir -p $O; D=/tmp/tjbench; TJ="node ${DIST:-dist-final}/src/cli/main.js"
[ -f $D/yolo.onnx ] || timeout 150 python3 bench/peers/export_models.py --out $D --models bert,yolo > $O/export.log 2>&1
timeout 60 $TJ build $D/bert.onnx -o /tmp/bd.plan --fp16 --device 0 --shapes input_ids:1x128/64x128/64x128 --shapes attention_mask:1x128/64x128/64x128 > $O/build-bert.log 2>&1
timeout 60 $TJ bench /tmp/bd.plan --device 0 --duration 2 --shapes input_ids:1x128 --shapes attention_mask:1x128 --profile --json > $O/bert-dyn-b1.json 2>$O/bert.err
timeout 60 $TJ bench /tmp/bd.plan --device 0 --duration 2 --shapes input_ids:64x128 --shapes attention_mask:64x128 --profile --json > $O/bert-dyn-b64.json 2>>$O/bert.err
timeout 30 $TJ inspect /tmp/bd.plan > $O/inspect-bert.txt 2>&1
timeout 90 $TJ build $D/yolo.onnx -o /tmp/yd.plan --fp16 --device 0 --shapes images:1x3x640x640/16x3x640x640/16x3x640x640 > $O/build-yolo.log 2>&1
timeout 60 $TJ bench /tmp/yd.plan --device 0 --duration 2 --shapes images:1x3x640x640 --profile --json > $O/yolo-dyn-b1.json 2>$O/yolo.err
timeout 60 $TJ bench /tmp/yd.plan --device 0 --duration 2 --shapes images:16x3x640x640 --profile --json > $O/yolo-dyn-b16.json 2>>$O/yolo.err
timeout 30 $TJ inspect /tmp/yd.plan > $O/inspect-yolo.txt 2>&1
tar czf $OUT/dyn.tgz -C $O .
