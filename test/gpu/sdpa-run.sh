#!/bin/bash
# Device run for cuDNN fused attention (ffi/cudnn-sdpa.ts, attention-tactics.ts): the attention checks with cuDNN
# forced (TENSORJET_ATTENTION_TACTIC=cudnn; cuDNN's executes counted from its log) and not; BERT-base fp16 built
# with attention tuning and with cuDNN attention off (TENSORJET_CUDNN_SDPA=0), benched alternately at b1 / b64.
# PROBE=1 adds sdpa-probe.js (forms, configs, times, accuracy). Carry .gpu .gpunm and $DIST (default dist-final).
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules; export TENSORJET_CACHE_DIR=/tmp/tj-k
DIST=${DIST:-dist-final}; R=$OUT/r; mkdir -p $R; M=/tmp/m
(timeout 100 python3 bench/peers/export_models.py --out $M --models bert > $R/export.txt 2>&1; echo "export rc $?" >> $R/export.txt) &
EXP=$!
[ -n "$PROBE" ] && timeout 120 node $DIST/test/gpu/sdpa-probe.js --batches 1,64 2>&1 | tee $R/probe.txt
CUDNN_LOGLEVEL_DBG=3 CUDNN_LOGDEST_DBG=$R/cudnn-forced.log TENSORJET_ATTENTION_TACTIC=cudnn timeout 120 node $DIST/test/gpu/run.js --no-conformance --filter 'Attention' > $R/checks-cudnn.txt 2>&1
echo "forced cuDNN: $(grep -E 'GPU kernel checks' $R/checks-cudnn.txt); cudnnBackendExecute calls: $(grep -c 'cudnnBackendExecute' $R/cudnn-forced.log)"; grep -E '^FAIL' $R/checks-cudnn.txt | head -8
timeout 120 node $DIST/test/gpu/run.js --no-conformance --filter 'Attention' > $R/checks.txt 2>&1; echo "default: $(grep -E 'GPU kernel checks' $R/checks.txt)"
wait $EXP; tail -1 $R/export.txt
CLI="node $DIST/src/cli/main.js"; SH="--shapes input_ids:1x128/64x128/64x128 --shapes attention_mask:1x128/64x128/64x128"
timeout 90 $CLI build $M/bert.onnx -o /tmp/bert-cudnn.plan --fp16 --device 0 $SH > $R/build-cudnn.txt 2>&1; grep -E 'attention|built|rror' $R/build-cudnn.txt | tail -4
TENSORJET_CUDNN_SDPA=0 timeout 90 $CLI build $M/bert.onnx -o /tmp/bert-ours.plan --fp16 --device 0 $SH > $R/build-ours.txt 2>&1; tail -1 $R/build-ours.txt
B1="--shapes input_ids:1x128 --shapes attention_mask:1x128"; B64="--shapes input_ids:64x128 --shapes attention_mask:64x128"
for rep in a b; do for p in ours cudnn; do
  timeout 30 $CLI bench /tmp/bert-$p.plan --device 0 --duration 2 --json $B1 > $R/b1-$p-$rep.json 2>&1
  timeout 30 $CLI bench /tmp/bert-$p.plan --device 0 --duration 2 --json $B64 > $R/b64-$p-$rep.json 2>&1
  python3 -c "import json;[print('$rep $p',f,json.load(open('$R/'+f+'-$p-$rep.json'))['phasesMs']) for f in ('b1','b64')]"
done; done
timeout 30 $CLI bench /tmp/bert-cudnn.plan --device 0 --duration 1 --json --profile $B64 > $R/prof64.json 2>&1
python3 -c "
import json;p=json.load(open('$R/prof64.json'))['profile'];print('b64 profile (cudnn plan)', p['computeMs'], [(o['opType'],o['count'],round(o['ms'],4)) for o in p['byOpType']])"
tar czf $OUT/r.tgz -C $OUT r
