#!/bin/bash
# Device run for the embedding fusion (helper "embed"): GPU checks, then BERT-base fp16 with
# TENSORJET_FUSE_EMBED=0 (before) and default (after): graph census, b1 bench + profile, b64 bench, and
# accuracy against the torch fp32 reference (bench/models/run.ts). D = the dist folder.
D=${D:-dist-embed}
cd "$(dirname "$0")/../.." 2>/dev/null || true
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules; export TENSORJET_CACHE_DIR=/tmp/tj-k
O=${OUT:-/tmp/embed-out}; mkdir -p $O/r
(timeout 150 node $D/test/gpu/run.js --no-conformance --filter "${FILTER:-Embed|LayerNorm|Gather|Cast|SkipLayerNorm|FusedElementwise}" > $O/checks.txt 2>&1; echo "checks rc $?" >> $O/checks.txt) &
CHK=$!
timeout 100 python3 bench/peers/export_models.py --out /tmp/m --models bert > $O/r/export.txt 2>&1
echo "export rc $?"
wait $CHK; tail -4 $O/checks.txt
CLI="node $D/src/cli/main.js"  # a variable, not a function: timeout runs programs only
for v in 0 1; do
  export TENSORJET_FUSE_EMBED=$v
  timeout 30 node $D/test/gpu/embed-graph.js /tmp/m/bert.onnx 30 > $O/r/graph-$v.txt 2>&1; grep "op counts" $O/r/graph-$v.txt
  timeout 60 $CLI build /tmp/m/bert.onnx -o /tmp/b$v.plan --fp16 --device 0 --shapes input_ids:1x128/1x128/64x128 --shapes attention_mask:1x128/1x128/64x128 > $O/r/build-$v.txt 2>&1; tail -1 $O/r/build-$v.txt
  for rep in a; do
    timeout 25 $CLI bench /tmp/b$v.plan --device 0 --duration 2 --shapes input_ids:1x128 --shapes attention_mask:1x128 --json > $O/r/b1-$v-$rep.json 2>&1
    python3 -c "import json,sys;d=json.load(open('$O/r/b1-$v-$rep.json'));print('embed=$v b1 $rep', {k:d[k] for k in d if k in ('latencyMs','phasesMs')})" 2>&1 | cut -c1-400
  done
  timeout 25 $CLI bench /tmp/b$v.plan --device 0 --duration 1 --shapes input_ids:1x128 --shapes attention_mask:1x128 --profile --json > $O/r/prof1-$v.json 2>&1
  python3 -c "
import json;p=json.load(open('$O/r/prof1-$v.json'))['profile'];n=p['nodes'];print('embed=$v profile b1: nodes',len(n),'sum ms',round(sum(x.get('ms',0) for x in n),4));print(' first:',[(x.get('name'),x.get('opType'),round(x.get('ms',0)*1000,1)) for x in n[:8]]);print(' last:',[(x.get('name'),x.get('opType'),round(x.get('ms',0)*1000,1)) for x in n[-6:]])" 2>&1 | cut -c1-900
  timeout 25 $CLI bench /tmp/b$v.plan --device 0 --duration 2 --shapes input_ids:64x128 --shapes attention_mask:64x128 --json > $O/r/b64-$v.json 2>&1
  python3 -c "import json;d=json.load(open('$O/r/b64-$v.json'));print('embed=$v b64', {k:d[k] for k in d if k in ('latencyMs','phasesMs')})" 2>&1 | cut -c1-400
  timeout 60 node $D/bench/models/run.js --data /tmp/m --models bert --precisions fp16 --batches 1 --min-time 0.3 --max-time 1 --results $O/r/acc-$v > $O/r/acc-$v.txt 2>&1; grep -i "rel\|bert" $O/r/acc-$v.txt | head -5
done
tar czf $O/r.tgz -C $O r && rm -rf $O/r
