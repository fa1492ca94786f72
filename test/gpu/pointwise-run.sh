#!/usr/bin/env bash
# Device run: 1x1 NHWC convs as cuBLASLt GEMMs (lowering/conv.ts pointwiseGemm) against cuDNN on ResNet-50
# fp16 fixed-shape plans (TENSORJET_POINTWISE_GEMM=0 / 1): build time, compute, per-op-type profile; plus the
# kernel checks of the conv cases. Carry .gpu .gpunm and the tsc build (DIST).
set -u
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; D=/tmp/tjbench; mkdir -p $D "$OUT"; DIST=${DIST:-dist-final}; TJ="node $DIST/src/cli/main.js"
node $DIST/test/gpu/run.js --no-conformance --filter "${FILTER:-Conv|Gemm}" > "$OUT/checks.txt" 2>&1; tail -3 "$OUT/checks.txt"; grep -i "fail" "$OUT/checks.txt" | head
[ -f $D/resnet50.onnx ] || timeout 150 python3 bench/peers/export_models.py --out $D --models resnet50 > "$OUT/export.log" 2>&1
for b in ${BATCHES:-256 1}; do
  for g in 0 1; do
    s=$(date +%s%N)
    TENSORJET_POINTWISE_GEMM=$g timeout 120 $TJ build $D/resnet50.onnx -o /tmp/r.plan --fp16 --device 0 --shapes input:${b}x3x224x224 > "$OUT/build-b$b-g$g.log" 2>&1 || { echo "build b$b g$g failed"; tail -3 "$OUT/build-b$b-g$g.log"; continue; }
    echo "b$b pointwise=$g build $(( ($(date +%s%N) - s) / 1000000 )) ms"
    TENSORJET_POINTWISE_GEMM=$g timeout 60 $TJ bench /tmp/r.plan --device 0 --duration 2 --profile --json > /tmp/p.json 2>/dev/null
    python3 - /tmp/p.json <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1])); n = d['profile']['nodes']; agg = collections.defaultdict(lambda: [0, 0.0])
for x in n: agg[x['opType']][0] += 1; agg[x['opType']][1] += x['ms']
print('  compute %.3f ms, p50 %.3f ms; ' % (d['phasesMs']['computeMs'], d['latencyMs']['p50']) + ', '.join('%s x%d %.3f' % (k, v[0], v[1]) for k, v in sorted(agg.items(), key=lambda kv: -kv[1][1])[:6]))
print('  ' + ', '.join('%s %.3f' % (x['name'].replace('/layer', 'L').replace('/Conv', '')[-18:], x['ms']) for x in n if x['opType'] in ('FusedConv', 'Conv'))[:1500])
PY
  done
done
