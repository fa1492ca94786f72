#!/bin/bash
# Device run: BERT fp16 b1 device-I/O latency from bench/models/run.js alone (twice, then after an fp32 plan) and
# from latency-gap.js, to compare the two measurements on one GPU (no torch peers).
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules; export TENSORJET_CACHE_DIR=/tmp/tj-k
M=/tmp/m; timeout 100 python3 bench/peers/export_models.py --out $M --models bert > /dev/null 2>&1; echo "export rc $?"
R="node dist-final/bench/models/run.js --data $M --models bert --batches 1 --peers /dev/null --results /tmp/res"
for i in 1 2; do timeout 60 $R --precisions fp16 2>&1 | grep -E "^\| 1 " | cut -d'|' -f2-6; done
timeout 80 $R --precisions fp32,fp16 2>&1 | grep -E "^\| 1 " | cut -d'|' -f2-6
timeout 60 node dist-final/test/gpu/latency-gap.js --data $M --models bert --batches 1 --iters 100 2>&1 | grep -v '^\[' | head -5
