#!/usr/bin/env bash
# Device run: GPU clocks and power while TensorJet and torch.compile run BERT b64 fp16 after idle and under
# sustained load (test/gpu/sustained.ts, sustained_torch.py, nvidia-smi sampled every 50 ms, split by phase),
# and the ResNet-50 fp16 error study (resnet_fp16_error.py). Carry .gpu .gpunm and the tsc build (DIST).
set -u
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules
export TENSORJET_CACHE_DIR=/tmp/tj-k TORCHINDUCTOR_CACHE_DIR=/tmp/inductor PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; D=/tmp/m; mkdir -p $D "$OUT"; DIST=${DIST:-dist-final}
MODEL=${MODEL:-bert}; BATCH=${BATCH:-64}
(timeout 120 python3 test/gpu/resnet_fp16_error.py > "$OUT/resnet-fp16-error.txt" 2>&1; echo "rc $?" >> "$OUT/resnet-fp16-error.txt") &
timeout 150 python3 bench/peers/export_models.py --out $D --models $MODEL > "$OUT/export.log" 2>&1; echo "export rc $?"
wait
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_event_reasons.active \
  --format=csv,noheader,nounits -lms 50 > "$OUT/smi.csv" &
SMI=$!
timeout 120 node $DIST/test/gpu/sustained.js --data $D --model $MODEL --batch $BATCH --seconds ${SECONDS_LOAD:-5} > "$OUT/phases.txt" 2>&1
sleep 2
timeout 240 python3 test/gpu/sustained_torch.py --model $MODEL --batch $BATCH --mode reduce-overhead --seconds ${SECONDS_LOAD:-5} >> "$OUT/phases.txt" 2>&1
kill $SMI
python3 - "$OUT/smi.csv" "$OUT/phases.txt" <<'PY' | tee "$OUT/clocks.txt"
import sys, datetime, statistics as st
rows = []
for line in open(sys.argv[1]):
    f = [x.strip() for x in line.split(',')]
    try:
        t = datetime.datetime.strptime(f[0], '%Y/%m/%d %H:%M:%S.%f').timestamp() * 1000
        rows.append((t, float(f[1]), float(f[2]), float(f[3]), float(f[4]), f[5]))
    except (ValueError, IndexError):
        pass
spans = {}
for line in open(sys.argv[2]):
    if line.startswith('PHASE '):
        _, name, s, e = line.split()
        spans.setdefault(name, []).append((float(s), float(e)))
    elif line.strip():
        print(line.rstrip())
for name, ss in spans.items():
    inside = [r for r in rows if any(s - 25 <= r[0] <= e + 25 for s, e in ss)]
    if not inside:
        print(f'{name}: no samples'); continue
    reasons = sorted({r[5] for r in inside})
    print(f'{name}: {len(inside)} samples, SM clock median {st.median(r[1] for r in inside):.0f} MHz (min {min(r[1] for r in inside):.0f}), '
          f'power median {st.median(r[3] for r in inside):.0f} W (max {max(r[3] for r in inside):.0f}), temp {max(r[4] for r in inside):.0f} C, clock event reasons {reasons}')
PY
cat "$OUT/resnet-fp16-error.txt"
