#!/bin/bash
# Device run for programmatic dependent launch (kernel-launch.ts): every GPU kernel check with PDL on, then fp16
# BERT (b1, b64), ResNet-50 (b1, b256) and YOLO (b1) plans timed with `tensorjet bench` under TENSORJET_PDL=0 and
# the default, alternating (off, on, off, on) so drift shows; BERT also built with TENSORJET_FUSE_EMBED=0; the BERT
# floor (bench/peers/bert_floor.py) and a BERT b64 per-node profile. D = the dist folder; results in $OUT/r.tgz.
D=${D:-dist-final}
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-k
O=${OUT:-/tmp/pdl-out}; M=/tmp/m; R=$O/r; mkdir -p $R
CLI="node $D/src/cli/main.js"  # a variable, not a function: timeout runs programs only
(timeout 200 node $D/test/gpu/run.js --no-conformance > $R/checks.txt 2>&1; echo "checks rc $?" >> $R/checks.txt) &
CHK=$!
timeout 150 python3 bench/peers/export_models.py --out $M --models ${MODELS:-bert,resnet50,yolo} > $R/export.txt 2>&1
echo "export rc $?"
wait $CHK; grep -E 'GPU kernel checks|checks rc' $R/checks.txt; grep -E '^FAIL' $R/checks.txt | head
timeout 90 python3 bench/peers/bert_floor.py --out $R/floor.jsonl 2>&1 | tail -3
build() { # name model shapes... (plans land in /tmp/NAME.plan)
  local name=$1 model=$2; shift 2
  timeout 90 $CLI build $M/$model.onnx -o /tmp/$name.plan --fp16 --device 0 "$@" > $R/build-$name.txt 2>&1; echo "build $name rc $? $(tail -1 $R/build-$name.txt)"
}
bench() { # tag plan shapes...
  local tag=$1 plan=$2; shift 2
  timeout 40 $CLI bench /tmp/$plan.plan --device 0 --duration ${DUR:-2} --json "$@" > $R/$tag.json 2>&1
  python3 -c "import json;d=json.load(open('$R/$tag.json'));l=d.get('latencyMs',d);print('$tag', json.dumps({k:d[k] for k in d if k in ('latencyMs','phasesMs','throughput')})[:300])" 2>&1 | tail -1
}
build bert bert --shapes input_ids:1x128/64x128/64x128 --shapes attention_mask:1x128/64x128/64x128
TENSORJET_FUSE_EMBED=0 build bert-noembed bert --shapes input_ids:1x128/64x128/64x128 --shapes attention_mask:1x128/64x128/64x128
build resnet resnet50 --shapes input:1x3x224x224/256x3x224x224/256x3x224x224
build yolo yolo --shapes images:1x3x640x640
B1="--shapes input_ids:1x128 --shapes attention_mask:1x128"; B64="--shapes input_ids:64x128 --shapes attention_mask:64x128"
for rep in a b; do
  for pdl in 0 1; do
    export TENSORJET_PDL=$pdl
    bench bert-b1-pdl$pdl-$rep bert $B1
    bench bert-b64-pdl$pdl-$rep bert $B64
    bench resnet-b1-pdl$pdl-$rep resnet --shapes input:1x3x224x224
    bench resnet-b256-pdl$pdl-$rep resnet --shapes input:256x3x224x224
    bench yolo-b1-pdl$pdl-$rep yolo
  done
  unset TENSORJET_PDL
  bench bert-noembed-b1-$rep bert-noembed $B1
done
DUR=1 bench bert-b64-profile bert $B64 --profile
DUR=1 bench bert-b1-profile bert $B1 --profile
tar czf $O/r.tgz -C $O r && rm -rf $R
