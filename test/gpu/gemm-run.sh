#!/usr/bin/env bash
# One device call for split-K GEMM tactics (gemm-tactics.ts): GEMM checks (heuristic, then forced split-K
# variants), the cuBLASLt census of BERT batch-1 GEMMs with torch's times for the same shapes, and BERT-base
# fp16 plans (1x128/1x128/64x128) built with TENSORJET_GEMM_SPLITK=0 and =1: bench at b1 (wall, compute),
# profile at b1 (GEMM nodes), bench at b64. Carry: .gpu .gpunm $D.
set -u
D=${D:-dist-gemm}
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-k
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT/b"; L=$OUT/log.txt; M=/tmp/m; C=$OUT/checks.txt
cli() { node $D/src/cli/main.js "$@"; }
T() { local s=$1; shift; timeout "$s" bash -c "$(declare -f cli); D=$D; \"\$@\"" _ "$@"; }
(timeout 90 python3 bench/peers/export_models.py --out $M --models bert > /tmp/export.txt 2>&1; echo "export rc=$?" >> /tmp/export.txt) &
EXP=$!
timeout 70 node $D/test/gpu/run.js --no-conformance --filter 'Gemm|MatMul|gemm' > $C 2>&1; echo "checks rc=$?" >> $C
timeout 40 node $D/test/gpu/gemm-census.js --json $OUT/census.json > $OUT/census.txt 2>&1; echo "census rc=$?" >> $OUT/census.txt
timeout 30 python3 test/gpu/gemm-torch.py >> $OUT/census.txt 2>&1
wait $EXP; cat /tmp/export.txt | tail -3 >> $L
S='--shapes input_ids:1x128/1x128/64x128 --shapes attention_mask:1x128/1x128/64x128'
for v in 0 1; do
  export TENSORJET_GEMM_SPLITK=$v
  echo "== split-K $v: build" >> $L
  ( time T 50 cli build $M/bert.onnx -o /tmp/b$v.plan --fp16 --device 0 $S ) 2>&1 | grep -E 'GEMM|real|rror' >> $L
  T 20 cli bench /tmp/b$v.plan --device 0 --duration 2 --json > $OUT/b/b1-$v.json 2>> $L
  T 20 cli bench /tmp/b$v.plan --device 0 --duration 1 --profile --json > $OUT/b/prof-$v.json 2>> $L
  T 20 cli bench /tmp/b$v.plan --device 0 --duration 1 --json --shapes input_ids:64x128 --shapes attention_mask:64x128 > $OUT/b/b64-$v.json 2>> $L
done
node -e '
const fs = require("fs"); const r = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return undefined; } };
for (const v of [0, 1]) {
  const b1 = r(`${process.argv[1]}/b1-${v}.json`), b64 = r(`${process.argv[1]}/b64-${v}.json`), p = r(`${process.argv[1]}/prof-${v}.json`);
  const g = p ? p.profile.nodes.filter((n) => n.opType === "FusedGemm") : [];
  const kinds = [0, 1, 2, 3].map((k) => g.filter((_, i) => i % 4 === k)).map((a) => a.length ? (1000 * a.reduce((s, n) => s + n.ms, 0) / a.length).toFixed(2) : "?");
  console.log(`split-K ${v}: b1 p50 ${b1?.latencyMs.p50} ms min ${b1?.latencyMs.min} compute ${b1?.phasesMs?.computeMs} ms | b64 p50 ${b64?.latencyMs.p50} compute ${b64?.phasesMs?.computeMs} | profile ${g.length} FusedGemm ${(1000 * g.reduce((s, n) => s + n.ms, 0)).toFixed(1)} us, per kind (qkv attn_out ffn_in ffn_out) ${kinds.join(" ")} us, compute ${p?.profile.computeMs}`);
}' $OUT/b >> $L 2>&1
tar czf $OUT/bench.tgz -C $OUT b && rm -rf $OUT/b
for t in '{"splitK":4,"reduction":2}' '{"splitK":3,"reduction":4}' '{"splitK":8,"reduction":1}'; do
  echo "== forced TENSORJET_GEMM_TACTIC=$t" >> $C
  TENSORJET_GEMM_TACTIC=$t timeout 20 node $D/test/gpu/run.js --no-conformance --filter 'gemm_(?!matmul_batched)' >> $C 2>&1; echo "forced rc=$?" >> $C
done
timeout 30 node --test $D/test/gpu/gemm-tactics.test.js > $OUT/gemm-tactics-test.txt 2>&1; echo "gemm-tactics.test rc=$?" >> $L
grep -E '^(FAIL|GPU kernel|== forced|forced rc|checks rc)' $C | head -40; grep -E '^==|stored|rc=' $OUT/census.txt | head; tail -8 $OUT/census.txt; cat $L
