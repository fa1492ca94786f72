#!/bin/bash
# Device run: JS CPU profile of BERT fp16 b1 awaited infer() calls with device I/O (test/gpu/infer-cpuprof.ts).
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules; export TENSORJET_CACHE_DIR=/tmp/tj-k
M=/tmp/m; D=${DIST:-dist-final}; timeout 100 python3 bench/peers/export_models.py --out $M --models ${MODEL:-bert} > /dev/null 2>&1; echo "export rc $?"
timeout 120 node --cpu-prof --cpu-prof-interval 10 --cpu-prof-dir $OUT/prof $D/test/gpu/infer-cpuprof.js --data $M --model ${MODEL:-bert} --batch 1 --iters ${ITERS:-5000}
cd $OUT && tar czf prof.tgz prof && rm -rf prof && ls -la
