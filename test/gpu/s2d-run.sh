#!/usr/bin/env bash
# Device run for passes/conv-space-to-depth.ts (one call, ~200 s): the GPU checks for Conv / Pad / SpaceToDepth /
# Layout, then ResNet-50 fp16 fixed-shape plans at batch 256 and 1 built with and without the pass (and the
# channel-padding alternatives), each `bench --profile --json`ed; $OUT/summary.txt has compute, conv1 and the
# copies in front of it per plan; $OUT/compare.txt the rel L2 of batch-1 outputs against an fp32 plan.
# Carry: .gpu .gpunm and DIST (default dist-s2d). Measurement only: TJ_MINC overrides the NHWC pass's channel
# padding target (8) in DIST's compiled layout-nhwc.js (16: the s2d conv's 12 channels padded; 4: RGB to 4).
set -u
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-k PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
DIST=${DIST:-dist-s2d}
TJ="node $DIST/src/cli/main.js"
M=/tmp/m; P=/tmp/p; mkdir -p $P
sed -i 's/^const MIN_CHANNELS = 8;/const MIN_CHANNELS = Number(process.env.TJ_MINC || 8);/' $DIST/src/passes/layout-nhwc.js
(timeout 120 python3 bench/peers/export_models.py --out $M --models resnet50 > $P/export.log 2>&1; echo "export rc $?" >> $P/export.log) &
EXP=$!
timeout 110 node $DIST/test/gpu/run.js --no-conformance --filter 'Conv|Pad|SpaceToDepth|Layout' > $OUT/checks.txt 2>&1; echo "checks rc $?" >> $OUT/checks.txt
tail -3 $OUT/checks.txt
wait $EXP; tail -1 $P/export.log; cp $P/export.log $OUT/
summary() { # tag: compute, conv1 and the nodes before it
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), n = r.profile.nodes;
    const i = n.findIndex((x) => x.opType.endsWith("Conv"));
    const pre = n.slice(0, i).filter((x) => x.ms > 0.0005);
    const f = (v) => v.toFixed(4);
    console.log(`${process.argv[2]}: compute ${r.phasesMs.computeMs} ms (profile sum ${f(n.reduce((a, b) => a + b.ms, 0))}), p50 ${r.latencyMs.p50}; conv1 ${f(n[i].ms)} (${n[i].name}); before it ${f(pre.reduce((a, b) => a + b.ms, 0))} [${pre.map((x) => `${x.opType} ${f(x.ms)}`).join(", ")}]; conv total ${f(n.filter((x) => x.opType.endsWith("Conv")).reduce((a, b) => a + b.ms, 0))}`);
  ' $P/$1.json $1 >> $OUT/summary.txt 2>&1
}
variant() { # tag batch env...
  local tag=$1 b=$2; shift 2
  env "$@" timeout 70 $TJ build $M/resnet50.onnx -o $P/$tag.plan --fp16 --device 0 --shapes input:${b}x3x224x224 > $P/build-$tag.log 2>&1 || { echo "build $tag failed" >> $OUT/summary.txt; tail -3 $P/build-$tag.log >> $OUT/summary.txt; return; }
  timeout 40 $TJ bench $P/$tag.plan --device 0 --duration 1 --profile --json > $P/$tag.json 2> $P/$tag.err || { echo "bench $tag failed" >> $OUT/summary.txt; tail -3 $P/$tag.err >> $OUT/summary.txt; return; }
  summary $tag; tail -1 $OUT/summary.txt
}
variant b256-base 256 TENSORJET_S2D=0
variant b256-s2d 256 TENSORJET_S2D=1
variant b1-base 1 TENSORJET_S2D=0
variant b1-s2d 1 TENSORJET_S2D=1
# outputs at batch 1 (same deterministic random input) against an fp32 plan
timeout 30 $TJ build $M/resnet50.onnx -o $P/b1-fp32.plan --device 0 --shapes input:1x3x224x224 > $P/build-b1-fp32.log 2>&1
for t in b1-fp32 b1-base b1-s2d; do timeout 20 $TJ run $P/$t.plan --device 0 --random --output-dir $P/o-$t > /dev/null 2>> $P/run.err; done
python3 - $P > $OUT/compare.txt 2>&1 <<'PY'
import sys, glob, os, numpy as np
p = sys.argv[1]
for f in sorted(glob.glob(f'{p}/o-b1-fp32/*.npy')):
    ref = np.load(f).astype(np.float64)
    for t in ['b1-base', 'b1-s2d']:
        x = np.load(f.replace('b1-fp32', t)).astype(np.float64)
        print(f'{os.path.basename(f)} {t} vs fp32: rel L2 {np.linalg.norm(x - ref) / np.linalg.norm(ref):.3e}')
    a, b = (np.load(f.replace('b1-fp32', t)).astype(np.float64) for t in ['b1-base', 'b1-s2d'])
    print(f'{os.path.basename(f)} s2d vs base fp16: rel L2 {np.linalg.norm(b - a) / np.linalg.norm(a):.3e}')
PY
cat $OUT/compare.txt
variant b256-s2d-c16 256 TENSORJET_S2D=1 TJ_MINC=16
variant b256-c4 256 TENSORJET_S2D=0 TJ_MINC=4
variant b1-s2d-c16 1 TENSORJET_S2D=1 TJ_MINC=16
variant b1-c4 1 TENSORJET_S2D=0 TJ_MINC=4
variant b256-s2d-again 256 TENSORJET_S2D=1
tar czf $OUT/plans-logs.tgz -C $P --exclude='*.plan' --exclude='o-*' . 2>/dev/null; ls $OUT
