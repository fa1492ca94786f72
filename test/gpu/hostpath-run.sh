#!/bin/bash
# Device run: BERT fp16 b1 awaited infer() with device I/O (test/gpu/infer-cpuprof.js, no profiler), the build in
# $A against the build in $B, alternating twice, on one GPU in one run.
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules; export TENSORJET_CACHE_DIR=/tmp/tj-k
M=/tmp/m; timeout 100 python3 bench/peers/export_models.py --out $M --models ${MODEL:-bert} > /dev/null 2>&1; echo "export rc $?"
for rep in 1 2; do
  for D in ${A:-dist-final} ${B:-dist-fast}; do
    echo -n "$D: "; timeout 60 node $D/test/gpu/infer-cpuprof.js --data $M --model ${MODEL:-bert} --batch 1 --iters ${ITERS:-4000} 2>&1 | tail -1
  done
done
