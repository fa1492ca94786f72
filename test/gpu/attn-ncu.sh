#!/bin/bash
# Nsight Compute on the attention kernels at BERT-base b64: ours (attn_mma64, DIST, default dist-attn) and torch's
# SDPA with and without a padding mask. Details pages under $OUT/ncu.
source .gpu/env.sh >/dev/null; ln -sfn .gpunm/node_modules node_modules; export TENSORJET_CACHE_DIR=/tmp/tj-k
D=${DIST:-dist-attn}; R=$OUT/ncu; mkdir -p $R
NCU="timeout 200 /usr/local/cuda/bin/ncu --set full --launch-skip 2 --launch-count 1 --page details --print-units base"
$NCU --kernel-name regex:attn_mma node $D/test/gpu/attn-one.js 64 4 > $R/ours.txt 2>&1; echo "ours rc $?"
$NCU --kernel-name regex:'fmha|flash|attention|sdpa|cudnn' python3 test/gpu/sdpa-ncu.py > $R/torch.txt 2>&1; echo "torch rc $?"
/usr/local/cuda/bin/ncu --launch-skip 0 --launch-count 12 --kernel-name regex:'fmha|flash|attention|cudnn' --print-summary per-kernel python3 test/gpu/sdpa-ncu.py > $R/torch-kernels.txt 2>&1
for f in ours torch; do grep -E '^  [a-zA-Z_].*\(|Duration|Memory Throughput|DRAM Throughput|Compute \(SM\) Throughput|Achieved Occupancy|Registers Per|Issued Ipc|No Eligible|One or More|Warp Cycles Per Issued|Stall|L2 Hit|L1/TEX Hit|Block Size|Grid Size|Dynamic Shared|Static Shared' $R/$f.txt | head -60; echo ----; done
grep -E '^\s+[a-zA-Z_].*\(' $R/torch-kernels.txt | sort | uniq -c | head
