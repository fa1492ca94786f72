#!/usr/bin/env python3
"""Times the PyTorch peers of bench/models/run.ts on GPU 0, one JSON line per (model, batch, variant).

    python3 bench/peers/torch_peer.py [--models mlp,resnet50,bert,yolo] [--data DIR] [--out FILE.jsonl]
        [--compile-modes reduce-overhead[,max-autotune-no-cudagraphs]] [--budget-s 300] [--min-time 1.0]

Variants per model and batch (batches from export_models.BATCHES unless --batches 'resnet50=1,8;bert=1'):
  eager-fp32      reference: torch eager, float32 (PyTorch's default TF32 settings, recorded in the line)
  eager-fp16      torch eager, model.half()
  compile-fp16    torch.compile(model.half(), mode=M, dynamic=False) for each mode in --compile-modes;
                  the line's "compile_mode" says which, "compile_s" how long the first calls took
The models are export_models.build_model(NAME): the same seeded weights as the exported ONNX files.
Latency: each timed call is start event -> model -> end event -> end.synchronize() (one request at a
time, like an awaited infer()); warm-up calls (compilation, autotuning, CUDA-graph capture) are excluded.
Reported: median/p10/p90/mean ms of the events and throughput = batch / median (samples/s); wall_median_ms
is the host clock around the same calls (start.record() to end.synchronize() returning), timed as
TensorJet's awaited infer() is. Inputs are already on the
GPU. With --data DIR (export_models.py output), eager variants also report rel L2 vs the torch fp32
reference at the sample batch. When --budget-s is spent, remaining compile variants are written as
status "skipped" (eager ones are cheap and always run). A failing variant (OOM, compile error) is
written with status "error" and the run goes on.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_models import BATCHES, MODELS, build_model, rel_l2  # noqa: E402


def parse_batches(text: str | None) -> dict[str, list[int]]:
    out = {k: list(v) for k, v in BATCHES.items()}
    for part in filter(None, (text or '').split(';')):
        name, _, values = part.partition('=')
        out[name.strip()] = [int(v) for v in values.split(',') if v.strip()]
    return out


def cast_inputs(inputs: tuple, half: bool) -> tuple:
    return tuple(t.half() if half and t.is_floating_point() else t for t in inputs)


def time_calls(fn, inputs: tuple, warmup: int, min_time: float, max_iters: int) -> dict:
    """Warm-up, then timed calls (each synchronized) until min_time seconds or max_iters calls."""
    with torch.no_grad():
        for _ in range(warmup):
            fn(*inputs)
        torch.cuda.synchronize()
        times: list[float] = []
        walls: list[float] = []
        t0 = time.perf_counter()
        while len(times) < max_iters and (len(times) < 10 or time.perf_counter() - t0 < min_time):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            w0 = time.perf_counter()
            start.record()
            fn(*inputs)
            end.record()
            end.synchronize()
            walls.append((time.perf_counter() - w0) * 1000)
            times.append(start.elapsed_time(end))
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    return {'median_ms': statistics.median(times), 'p10_ms': pick(0.1), 'p90_ms': pick(0.9),
            'mean_ms': statistics.fmean(times), 'iters': len(times), 'wall_median_ms': statistics.median(walls)}


def sample_accuracy(model, spec, data: str | None, half: bool) -> float | None:
    """Max rel L2 over outputs vs the torch fp32 reference, on the exported sample inputs."""
    if not data:
        return None
    path = os.path.join(data, f'{spec.name}.inputs.npz')
    if not os.path.exists(path):
        return None
    z = np.load(path)
    inputs = cast_inputs(tuple(torch.from_numpy(z[n]).cuda() for n in spec.input_names), half)
    with torch.no_grad():
        out = model(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    errs = [rel_l2(o.float().cpu().numpy(), np.load(os.path.join(data, f'{spec.name}.torch-fp32.{n}.npy')))
            for o, n in zip(outs, spec.output_names)]
    return max(errs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--models', default=','.join(MODELS))
    ap.add_argument('--batches', default=None, help="override, e.g. 'resnet50=1,8;bert=1'")
    ap.add_argument('--data', default=None, help='export_models.py output folder (for accuracy of the eager variants)')
    ap.add_argument('--out', default=None, help='also append the JSON lines to this file')
    ap.add_argument('--compile-modes', default='reduce-overhead',
                    help="comma-separated torch.compile modes ('' = no compile), e.g. reduce-overhead,max-autotune-no-cudagraphs")
    ap.add_argument('--no-fp32', action='store_true', help='skip the eager fp32 reference')
    ap.add_argument('--warmup', type=int, default=10)
    ap.add_argument('--min-time', type=float, default=1.0, help='seconds of timed calls per variant (at least 10 calls)')
    ap.add_argument('--max-iters', type=int, default=200)
    ap.add_argument('--budget-s', type=float, default=float('inf'), help='skip compile variants once this much time has passed')
    a = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit('torch_peer.py: CUDA is not available to torch')
    t_start = time.time()
    batches = parse_batches(a.batches)
    modes = [m.strip() for m in a.compile_modes.split(',') if m.strip()]
    gpu = torch.cuda.get_device_name(0)
    sink = open(a.out, 'a') if a.out else None
    base = {'kind': 'peer', 'framework': 'torch', 'torch': torch.__version__, 'gpu': gpu,
            'cudnn_tf32': torch.backends.cudnn.allow_tf32, 'matmul_tf32': torch.backends.cuda.matmul.allow_tf32}

    def emit(row: dict) -> None:
        line = json.dumps({**base, **row})
        print(line, flush=True)
        if sink:
            sink.write(line + '\n')
            sink.flush()

    for name in [m.strip() for m in a.models.split(',') if m.strip()]:
        spec = build_model(name)
        variants = ([] if a.no_fp32 else [('eager-fp32', False, None)]) + [('eager-fp16', True, None)]
        variants += [('compile-fp16', True, m) for m in modes]
        for variant, half, mode in variants:
            model = copy.deepcopy(spec.module).cuda()  # fresh copy: .half() and compile must not leak
            if half:
                model = model.half()
            row0 = {'model': name, 'variant': variant, 'dtype': 'float16' if half else 'float32'}
            if mode:
                row0['compile_mode'] = mode
            acc = None
            if not mode:
                try:
                    acc = sample_accuracy(model, spec, a.data, half)
                except Exception as e:  # noqa: BLE001
                    print(f'{name} {variant}: accuracy check failed: {e}', file=sys.stderr)
            fn = model
            if mode:
                torch._dynamo.reset()
                fn = torch.compile(model, mode=mode, dynamic=False)
            for b in batches.get(name, []):
                row = {**row0, 'batch': b}
                if mode and time.time() - t_start > a.budget_s:
                    emit({**row, 'status': 'skipped', 'error': f'time budget of {a.budget_s:.0f} s spent'})
                    continue
                try:
                    inputs = cast_inputs(spec.inputs(b, device='cuda', seed=3), half)
                    t0 = time.time()
                    with torch.no_grad():
                        for _ in range(3):  # compile / autotune / capture happen here
                            fn(*inputs)
                    torch.cuda.synchronize()
                    first_s = time.time() - t0
                    r = time_calls(fn, inputs, a.warmup, a.min_time, a.max_iters)
                    r['throughput_per_s'] = b * 1000.0 / r['median_ms']
                    if mode:
                        r['compile_s'] = round(first_s, 1)
                    if acc is not None:
                        r['sample_rel_l2'] = acc
                    emit({**row, 'status': 'ok', **r})
                except Exception as e:  # noqa: BLE001 (OOM, compile failure: record and go on)
                    emit({**row, 'status': 'error', 'error': f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'[:500]})
                finally:
                    torch.cuda.empty_cache()
            del fn, model
            torch.cuda.empty_cache()
    if sink:
        sink.close()


if __name__ == '__main__':
    main()
