#!/bin/bash
# SASS of the attention kernels (attention.cu compiled here by nvcc for sm_90, as NVRTC would) and ncu's per-
# instruction execution counts of attn_mma64 at BERT-base b64 (DIST, default dist-attn): $OUT/sass.
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules; export TENSORJET_CACHE_DIR=/tmp/tj-k
D=${DIST:-dist-attn}; R=$OUT/sass; mkdir -p $R; K=$D/src/backends/cuda/kernels
/usr/local/cuda/bin/nvcc -arch=sm_90 -cubin -std=c++17 -o /tmp/attn.cubin -I $K $K/attention.cu && /usr/local/cuda/bin/cuobjdump -sass /tmp/attn.cubin > $R/attention.sass; echo "sass rc $?"
timeout 200 /usr/local/cuda/bin/ncu --section SourceCounters --section InstructionStats --launch-skip 2 --launch-count 1 --kernel-name regex:attn_mma64 \
  --page source --print-source sass --csv node $D/test/gpu/attn-one.js 64 4 > $R/ours-source.csv 2>&1; echo "ncu rc $?"
timeout 200 /usr/local/cuda/bin/ncu --section InstructionStats --launch-skip 2 --launch-count 1 --kernel-name regex:attn_mma64 \
  --page raw --print-units base node $D/test/gpu/attn-one.js 64 4 > $R/ours-raw.txt 2>&1; echo "ncu raw rc $?"
grep -c . $R/ours-source.csv; head -5 $R/ours-source.csv | cut -c1-300
grep -E "inst_executed_op|pipe_.*inst_executed|sass_thread_inst" $R/ours-raw.txt | head -60
