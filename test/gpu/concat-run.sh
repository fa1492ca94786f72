#!/usr/bin/env bash
# One device call for channel views (channel-views.ts): GPU checks, then YOLOv8s-style fp16 b16 with
# TENSORJET_CONCAT_VIEWS=0 and =1 (build, bench, profile, outputs compared). Carry: .gpu .gpunm $D.
set -u
D=${D:-dist-concat}
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-k
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; L=$OUT/log.txt; M=/tmp/m
cli() { node $D/src/cli/main.js "$@"; }
# `timeout` runs programs, not shell functions: T <seconds> cli ... wraps the function
T() { local s=$1; shift; timeout "$s" bash -c "$(declare -f cli); D=$D; \"\$@\"" _ "$@"; }
(timeout 100 python3 bench/peers/export_models.py --out $M --models yolo > /tmp/export.txt 2>&1; echo "export rc=$?" >> /tmp/export.txt) &
EXP=$!
if [ -z "${SKIP_CHECKS:-}" ]; then
  timeout 100 node $D/test/gpu/run.js --no-conformance --filter 'Concat|Split|Slice|Conv|concat' > $OUT/checks.txt 2>&1
  echo "checks rc=$?" >> $OUT/checks.txt
fi
wait $EXP; cat /tmp/export.txt >> $L
for v in 0 1; do
  export TENSORJET_CONCAT_VIEWS=$v
  echo "== views $v: build" >> $L
  ( time T 75 cli build $M/yolo.onnx -o /tmp/y$v.plan --fp16 --device 0 --shapes images:16x3x640x640 ) >> $L 2>&1
  [ $v = 1 ] && timeout 20 node $D/test/gpu/concat-report.js /tmp/y1.plan images:16x3x640x640 >> $L 2>&1
  T 25 cli bench /tmp/y$v.plan --device 0 --duration 2 --json > $OUT/bench$v.json 2>> $L
  T 25 cli bench /tmp/y$v.plan --device 0 --duration 2 --profile --json > $OUT/prof$v.json 2>> $L
  T 30 cli run /tmp/y$v.plan --device 0 --random --output-dir /tmp/o$v >> /dev/null 2>> $L
done
timeout 20 node $D/test/gpu/concat-report.js --compare /tmp/o1 /tmp/o0 >> $L 2>&1
tail -4 $OUT/checks.txt 2>/dev/null; tail -30 $L
