#!/usr/bin/env python3
"""torch's side of test/gpu/sustained.ts: one bench model in fp16 (eager or torch.compile), timed by CUDA
events after 1.5 s of idle (5 samples), then in synchronized calls back to back for --seconds (median of the
last half), as torch_peer.py times it. Prints `PHASE name start end` (epoch ms) lines for the clock log.

    python3 test/gpu/sustained_torch.py --model bert --batch 64 [--mode reduce-overhead|eager] [--seconds 5]
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'bench', 'peers'))
from export_models import build_model  # noqa: E402
from torch_peer import cast_inputs  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--model', default='bert')
ap.add_argument('--batch', type=int, default=64)
ap.add_argument('--mode', default='reduce-overhead')
ap.add_argument('--seconds', type=float, default=5)
a = ap.parse_args()

spec = build_model(a.model)
model = spec.module.cuda().half()
fn = model if a.mode == 'eager' else torch.compile(model, mode=a.mode, dynamic=False)
inputs = cast_inputs(spec.inputs(a.batch, device='cuda', seed=3), True)
name = f'torch-{a.mode}'


def timed() -> float:
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    fn(*inputs)
    e.record()
    e.synchronize()
    return s.elapsed_time(e)


def phase(label, f):
    t0 = int(time.time() * 1000)
    r = f()
    print(f'PHASE {name}-{label} {t0} {int(time.time() * 1000)}', flush=True)
    return r


with torch.no_grad():
    for _ in range(15):
        timed()
    idle = []
    for _ in range(5):
        time.sleep(1.5)
        idle.append(phase('after-idle', timed))

    def sustained():
        w, t0 = [], time.perf_counter()
        while time.perf_counter() - t0 < a.seconds:
            w.append(timed())
        return w
    w = phase('sustained', sustained)
print(f'{name} {a.model} b{a.batch}: after idle {statistics.median(idle):.3f} ms; sustained {statistics.median(w[len(w) // 2:]):.3f} ms ({len(w)} calls)')
