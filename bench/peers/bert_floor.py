#!/usr/bin/env python3
"""Lower bound for BERT-base s128 fp16 on this GPU: its matrix work alone, run by PyTorch's own libraries.

    python3 bench/peers/bert_floor.py [--batches 1,64] [--out FILE.jsonl] [--peers torch.jsonl]

Per batch, three CUDA graphs of fp16 work with BERT-base's shapes (12 layers, hidden 768, 12 heads, FFN 3072,
sequence 128), each replayed and timed with CUDA events (median of 50 replays after warm-up):
  gemms      the 48 weight GEMMs with bias (F.linear -> cuBLASLt): QKV 768->2304, attention out 768->768,
             FFN in 768->3072, FFN out 3072->768, on [batch*128, K] activations
  attention  12 x F.scaled_dot_product_attention on [batch, 12, 128, 64] (flash / cuDNN / efficient kernels)
  both       the two interleaved, as a model runs them
Everything else a model does (LayerNorm, GELU, residual adds, embeddings, mask) is left out, so `both` is
a floor for any engine that uses cuBLAS-class GEMMs. With --peers (torch_peer.py output of the same run), it
prints the best torch fp16 time per batch and best / floor: the most speedup over torch such an engine can have.
"""
from __future__ import annotations

import argparse
import json
import statistics

import torch
import torch.nn.functional as F

H, HEADS, FFN, S, LAYERS = 768, 12, 3072, 128, 12


def graph_ms(fn, reps: int = 50) -> float:
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn()
    for _ in range(5):
        g.replay()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g.replay()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def floor(batch: int) -> dict:
    torch.manual_seed(0)
    dev, dt = 'cuda', torch.float16
    m = batch * S
    shapes = [(H, 3 * H), (H, H), (H, FFN), (FFN, H)]
    weights = [[(torch.randn(n, k, device=dev, dtype=dt) * 0.02, torch.randn(n, device=dev, dtype=dt) * 0.02) for k, n in shapes] for _ in range(LAYERS)]
    xs = {k: torch.randn(m, k, device=dev, dtype=dt) for k in (H, FFN)}
    outs = {n: torch.empty(m, n, device=dev, dtype=dt) for n in (H, 3 * H, FFN)}
    q, k, v = (torch.randn(batch, HEADS, S, H // HEADS, device=dev, dtype=dt) for _ in range(3))

    def gemm(layer: int, i: int) -> None:
        (kk, n), (w, b) = shapes[i], weights[layer][i]
        torch.addmm(b, xs[kk], w.t(), out=outs[n])

    def attention() -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v)

    def gemms() -> None:
        for layer in range(LAYERS):
            for i in range(4):
                gemm(layer, i)

    def attentions() -> None:
        for _ in range(LAYERS):
            attention()

    def both() -> None:
        for layer in range(LAYERS):
            gemm(layer, 0)
            attention()
            for i in range(1, 4):
                gemm(layer, i)

    with torch.no_grad():
        r = {'batch': batch, 'gemms_ms': graph_ms(gemms), 'attention_ms': graph_ms(attentions), 'both_ms': graph_ms(both)}
    flops = 2 * m * sum(k * n for k, n in shapes) * LAYERS
    r['gemm_tflops'] = flops / (r['gemms_ms'] * 1e-3) / 1e12
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', default='1,64')
    ap.add_argument('--out')
    ap.add_argument('--peers', help='torch_peer.py jsonl of the same run')
    a = ap.parse_args()
    best: dict[int, float] = {}
    if a.peers:
        for line in open(a.peers):
            p = json.loads(line)
            if p.get('model') == 'bert' and p.get('status') == 'ok' and p.get('variant', '').endswith('fp16'):
                best[p['batch']] = min(best.get(p['batch'], float('inf')), p['median_ms'])
    rows = []
    for b in (int(x) for x in a.batches.split(',')):
        r = floor(b)
        r['gpu'] = torch.cuda.get_device_name(0)
        if b in best:
            r['torch_best_ms'] = best[b]
            r['max_speedup_over_torch'] = best[b] / r['both_ms']
        rows.append(r)
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}), flush=True)
    if a.out:
        with open(a.out, 'w') as f:
            f.writelines(json.dumps(r) + '\n' for r in rows)


if __name__ == '__main__':
    main()
