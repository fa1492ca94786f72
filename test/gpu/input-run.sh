#!/usr/bin/env bash
# Device run for passes/fuse-input-layout.ts (one call, < 240 s): the GPU checks for NchwToNhwc / Pad / Transpose /
# Cast / Layout, then ResNet-50 fp16 fixed-shape plans at batch 256 built with the pass on and off
# (TENSORJET_FUSE_INPUT=0), each `bench --profile --json`ed; $OUT/summary.txt has compute and the input chain (the
# nodes before conv1) per plan, $OUT/compare.txt the on-vs-off difference of the outputs on the same random input;
# last, the fused plan benched again with the kernel's vector width capped (TENSORJET_NCHW_VEC=2, 1, 0 = generic).
# Carry: .gpu .gpunm and DIST (default dist-input).
set -u
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-k PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
DIST=${DIST:-dist-input}
TJ="node $DIST/src/cli/main.js"
M=/tmp/m; P=/tmp/p; mkdir -p $P
(timeout 120 python3 bench/peers/export_models.py --out $M --models resnet50 > $P/export.log 2>&1; echo "export rc $?" >> $P/export.log) &
EXP=$!
timeout 100 node $DIST/test/gpu/run.js --no-conformance --filter 'NchwToNhwc|Input|Layout|Pad|Transpose|Cast' > $OUT/checks.txt 2>&1; echo "checks rc $?" >> $OUT/checks.txt
tail -3 $OUT/checks.txt
wait $EXP; tail -1 $P/export.log; cp $P/export.log $OUT/
summary() { # json tag: compute and the nodes before conv1
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), n = r.profile.nodes;
    const i = n.findIndex((x) => x.opType.endsWith("Conv"));
    const pre = n.slice(0, i);
    const f = (v) => v.toFixed(4);
    console.log(`${process.argv[2]}: compute ${r.phasesMs.computeMs} ms (profile sum ${f(n.reduce((a, b) => a + b.ms, 0))}), p50 ${r.latencyMs.p50}; conv1 ${f(n[i].ms)}; input chain ${f(pre.reduce((a, b) => a + b.ms, 0))} [${pre.map((x) => `${x.opType} ${x.name} ${f(x.ms)}`).join(", ")}]`);
  ' $1 $2 >> $OUT/summary.txt 2>&1
}
variant() { # tag env...
  local tag=$1; shift
  env "$@" timeout 70 $TJ build $M/resnet50.onnx -o $P/$tag.plan --fp16 --device 0 --shapes input:256x3x224x224 > $P/build-$tag.log 2>&1 || { echo "build $tag failed" >> $OUT/summary.txt; tail -3 $P/build-$tag.log >> $OUT/summary.txt; return; }
  timeout 40 $TJ bench $P/$tag.plan --device 0 --duration 1 --profile --json > $P/$tag.json 2> $P/$tag.err || { echo "bench $tag failed" >> $OUT/summary.txt; tail -3 $P/$tag.err >> $OUT/summary.txt; return; }
  summary $P/$tag.json $tag; tail -1 $OUT/summary.txt
}
variant b256-on
variant b256-off TENSORJET_FUSE_INPUT=0
for t in on off; do timeout 30 $TJ run $P/b256-$t.plan --device 0 --random --output-dir $P/o-$t > /dev/null 2>> $P/run.err; done
python3 - $P > $OUT/compare.txt 2>&1 <<'PY'
import sys, glob, os, numpy as np
p = sys.argv[1]
for f in sorted(glob.glob(f'{p}/o-off/*.npy')):
    a = np.load(f).astype(np.float64); b = np.load(f.replace('o-off', 'o-on')).astype(np.float64)
    print(f'{os.path.basename(f)} {a.shape}: on vs off max abs {np.abs(b - a).max():.3e}, rel L2 {np.linalg.norm(b - a) / np.linalg.norm(a):.3e}, argmax agree {np.mean(a.argmax(-1) == b.argmax(-1)):.4f}, identical {np.array_equal(a, b)}')
PY
cat $OUT/compare.txt; cat $P/run.err 2>/dev/null | tail -3
for v in 2 1 0; do
  TENSORJET_NCHW_VEC=$v timeout 40 $TJ bench $P/b256-on.plan --device 0 --duration 1 --profile --json > $P/vec$v.json 2> $P/vec$v.err && summary $P/vec$v.json b256-on-vec$v; tail -1 $OUT/summary.txt
done
tar czf $OUT/logs.tgz -C $P --exclude='*.plan' --exclude='o-*' . 2>/dev/null; ls $OUT
