#!/usr/bin/env python3
"""Where the bench ResNet-50's fp16 error comes from (torch only, on the GPU): rel L2 against the fp32 CPU
model of the logits and of each stage's output, for the whole model in fp16 and with its first stage kept in
fp32, for the bench model and for the former one (every BN scale in [0.5, 1.5), residual branches included).

    python3 test/gpu/resnet_fp16_error.py [--samples 8]
"""
import argparse
import copy
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'bench', 'peers'))
import export_models  # noqa: E402
from export_models import build_model, rel_l2  # noqa: E402

STAGES = ['conv1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc']


def run(model, x, dtype):
    """Logits and each stage's output (float64, CPU)."""
    acts = {}
    hooks = [getattr(model, s).register_forward_hook(lambda m, i, o, s=s: acts.__setitem__(s, o.detach().double().cpu().numpy()))
             for s in STAGES]
    with torch.no_grad():
        out = model(x.to(next(model.parameters()).device, dtype)).double().cpu().numpy()
    for h in hooks:
        h.remove()
    return out, acts


def study(label, model, x):
    ref, ref_acts = run(model.eval(), x, torch.float32)
    print(f'=== {label}: logits rms {np.sqrt((ref ** 2).mean()):.3g}; stage rms ' +
          ', '.join(f'{s} {np.sqrt((ref_acts[s] ** 2).mean()):.3g}' for s in STAGES))
    print(f'{"fp32 on the GPU (no TF32)":24s} logits rel L2 {rel_l2(run(copy.deepcopy(model).cuda(), x, torch.float32)[0], ref):.2e}')
    for variant, keep in [('fp16', ()), ('fp16, layer1 in fp32', ('layer1',))]:
        m = copy.deepcopy(model).cuda().half()
        for name in keep:
            sub = getattr(m, name).float()
            sub.forward = lambda t, fwd=sub.forward: fwd(t.float()).half()
        out, acts = run(m, x, torch.float16)
        print(f'{variant:24s} logits rel L2 {rel_l2(out, ref):.2e} | per stage: ' +
              ', '.join(f'{s} {rel_l2(acts[s], ref_acts[s]):.1e}' for s in STAGES))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--samples', type=int, default=8)
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    spec = build_model('resnet50')
    x = spec.inputs(a.samples, seed=1)[0]
    study('bench model', spec.module, x)
    calibrate = export_models._calibrate_bn
    export_models._calibrate_bn = lambda m, make, steps=3, branch_end=None: calibrate(m, make, steps)
    try:
        study('former model (residual branch BN scales in [0.5, 1.5))', build_model('resnet50').module, x)
    finally:
        export_models._calibrate_bn = calibrate


if __name__ == '__main__':
    main()
