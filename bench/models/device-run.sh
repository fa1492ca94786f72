#!/usr/bin/env bash
# One device call for the model benchmark: GPU kernel checks (beside the export), model export, torch peers
# (eager fp16 + torch.compile fp16, same GPU, same run), TensorJet fp32/fp16 plans timed with bench/models/run.js.
# Carry: .gpu .gpunm and the tsc build ($DIST, default dist-cuda). Everything lands in $OUT/bench.tgz; the
# markdown tables are printed. Step limits keep the whole call under ~570 s.
set -u
source .gpu/env.sh >/dev/null
ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-kernels TORCHINDUCTOR_CACHE_DIR=/tmp/inductor PYTHONUNBUFFERED=1
DIST=${DIST:-dist-cuda}
MODELS=${MODELS:-mlp,resnet50,bert,yolo}
CHECKS=${CHECKS:-}  # a --filter regex for the kernel checks (default: all)
OUT=${OUT:-/tmp/out}; W=/tmp/bench-logs; D=/tmp/tjbench; mkdir -p "$OUT" $W $D bench/results
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > $W/smi.txt
(timeout 180 node $DIST/test/gpu/run.js --no-conformance ${CHECKS:+--filter "$CHECKS"} > $W/gpu-tests.txt 2>&1; echo "rc $?" >> $W/gpu-tests.txt
 TENSORJET_ATTENTION_TACTIC=cudnn timeout 60 node $DIST/test/gpu/run.js --no-conformance --filter Attention > $W/gpu-tests-cudnn-attention.txt 2>&1; echo "cuDNN attention forced: $(grep 'GPU kernel checks' $W/gpu-tests-cudnn-attention.txt)" >> $W/gpu-tests.txt
 timeout 90 node --test $DIST/test/gpu/pinned.test.js $DIST/test/gpu/io-binding.test.js $DIST/test/gpu/event-loop.test.js $DIST/test/gpu/gemm-tactics.test.js $DIST/test/gpu/graph-memsets.test.js >> $W/gpu-tests.txt 2>&1) &
CHECKS_PID=$!
timeout 150 python3 bench/peers/export_models.py --out $D --models $MODELS > $W/export.log 2>&1
wait $CHECKS_PID
rm -f $D/torch.jsonl
timeout 140 python3 bench/peers/torch_peer.py --data $D --out $D/torch.jsonl --models $MODELS --no-fp32 --compile-modes reduce-overhead --budget-s 90 > $W/peers.log 2>&1
cp $D/torch.jsonl $W/ 2>/dev/null
# BERT's GEMMs + attention alone in torch: the floor for any engine on cuBLAS-class GEMMs (bench/peers/bert_floor.py)
case ",$MODELS," in *,bert,*) timeout 60 python3 bench/peers/bert_floor.py --peers $D/torch.jsonl --out $W/bert-floor.jsonl > $W/bert-floor.log 2>&1 ;; esac
timeout 250 node $DIST/bench/models/run.js --data $D --peers $D/torch.jsonl --models $MODELS --budget-s 210 > $W/node.log 2>&1
cp "$(ls -t bench/results/*.md | head -1)" "$(ls -t bench/results/*.json | head -1)" $W/ 2>/dev/null
tar czf "$OUT/bench.tgz" -C $W .
grep -E 'GPU kernel checks|^# (pass|fail|skip)' $W/gpu-tests.txt; grep -E '^(FAIL|not ok)' $W/gpu-tests.txt | head -20; tail -3 $W/export.log; grep -c '"ok"' $W/torch.jsonl; cat $W/bert-floor.jsonl 2>/dev/null
grep -v '^|' $W/node.log | tail -30
