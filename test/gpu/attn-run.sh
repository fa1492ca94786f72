#!/bin/bash
# Device run for the attention kernel rework: attention checks with TENSORJET_SMALL_GRID=0/1/auto, old (dist-final)
# vs new (dist-attn) per-node times (cases-bert1.js), BERT fp16 b1/b64 compute, b64 profile, latency-gap (b1, b64).
# The new big-grid kernel's instruction count and duration under ncu at b64. QUICK=1: checks, per-node times, ncu only.
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules; export TENSORJET_CACHE_DIR=/tmp/tj-k
R=$OUT/r; mkdir -p $R; M=/tmp/m
(timeout 100 python3 bench/peers/export_models.py --out $M --models bert > $R/export.txt 2>&1; echo "export rc $?" >> $R/export.txt) &
EXP=$!
for sg in 0 1 auto; do
  if [ $sg = auto ]; then unset TENSORJET_SMALL_GRID; else export TENSORJET_SMALL_GRID=$sg; fi
  timeout 80 node dist-attn/test/gpu/run.js --no-conformance --filter 'Attention' > $R/checks-sg$sg.txt 2>&1; echo "sg=$sg $(grep -E 'GPU kernel checks' $R/checks-sg$sg.txt)"; grep -E '^FAIL' $R/checks-sg$sg.txt | head -5
done
unset TENSORJET_SMALL_GRID
timeout 60 node dist-final/test/gpu/cases-bert1.js > $R/perf-old.txt 2>&1; timeout 60 node dist-attn/test/gpu/cases-bert1.js > $R/perf-new.txt 2>&1
paste -d'|' $R/perf-old.txt $R/perf-new.txt | cut -c1-200
/usr/local/cuda/bin/ncu --section SpeedOfLight --section InstructionStats --launch-skip 2 --launch-count 1 --kernel-name regex:attn_mma \
  node dist-attn/test/gpu/attn-one.js 64 4 2>&1 | grep -E 'attn_mma|Duration|Executed Instructions  |Compute \(SM\)|DRAM Throughput'
if [ -n "$QUICK" ]; then kill $EXP 2>/dev/null; tar czf $OUT/r.tgz -C $OUT r; exit 0; fi
wait $EXP; tail -1 $R/export.txt
CLI="node dist-attn/src/cli/main.js"
timeout 60 $CLI build $M/bert.onnx -o /tmp/bert.plan --fp16 --device 0 --shapes input_ids:1x128/64x128/64x128 --shapes attention_mask:1x128/64x128/64x128 > $R/build.txt 2>&1; tail -1 $R/build.txt
B1="--shapes input_ids:1x128 --shapes attention_mask:1x128"; B64="--shapes input_ids:64x128 --shapes attention_mask:64x128"
for rep in a b; do
  timeout 30 $CLI bench /tmp/bert.plan --device 0 --duration 2 --json $B1 > $R/b1-$rep.json 2>&1
  timeout 30 $CLI bench /tmp/bert.plan --device 0 --duration 2 --json $B64 > $R/b64-$rep.json 2>&1
  python3 -c "import json;[print('$rep',f,json.load(open('$R/'+f+'-$rep.json'))['phasesMs']) for f in ('b1','b64')]"
done
timeout 30 $CLI bench /tmp/bert.plan --device 0 --duration 1 --json --profile $B64 > $R/prof64.json 2>&1
python3 -c "
import json;p=json.load(open('$R/prof64.json'))['profile'];print('b64 profile', p['computeMs'], [(o['opType'],o['count'],round(o['ms'],4)) for o in p['byOpType']])"
timeout 150 node dist-attn/test/gpu/latency-gap.js --data $M --models bert --batches 1,64 --iters 100 2>&1 | grep -v '^\[' > $R/gap.txt; tail -30 $R/gap.txt
tar czf $OUT/r.tgz -C $OUT r
