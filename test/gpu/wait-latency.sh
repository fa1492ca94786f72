#!/usr/bin/env bash
# waits: event-loop / pinned tests, then batch-1 latency of the MLP and ResNet-50 (fixed-shape plans, CLI bench)
set -u
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels PYTHONUNBUFFERED=1
O=/tmp/wait; rm -rf $O; mkdir -p $O; D=/tmp/tjw; mkdir -p $D; TJ="node ${DIST:-dist-final}/src/cli/main.js"
timeout 90 node --test ${DIST:-dist-final}/test/gpu/event-loop.test.js ${DIST:-dist-final}/test/gpu/pinned.test.js > $O/tests.txt 2>&1; echo "tests rc $?" >> $O/tests.txt
timeout 100 python3 bench/peers/export_models.py --out $D --models mlp,resnet50 > $O/export.log 2>&1
for m in mlp:input:1x1024 resnet50:input:1x3x224x224; do IFS=: read -r n i s <<< "$m"
  timeout 60 $TJ build $D/$n.onnx -o /tmp/$n.plan --fp16 --device 0 --shapes $i:$s > $O/build-$n.log 2>&1
  for w in 1 0; do TENSORJET_CUDA_WORKER_WAIT=$w timeout 30 $TJ bench /tmp/$n.plan --device 0 --duration 2 --json > $O/bench-$n-w$w.json 2>&1; done
done
tar czf $OUT/wait.tgz -C $O .
