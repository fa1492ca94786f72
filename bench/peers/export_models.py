#!/usr/bin/env python3
"""Builds the benchmark models with seeded random weights (nothing is downloaded) and exports them to ONNX.

    python3 bench/peers/export_models.py --out DIR [--models mlp,resnet50,bert,yolo] [--sample-batch 2]

For each model NAME it writes to DIR:
  NAME.onnx                          opset 17, dim 0 of every input and output named 'batch'
  NAME.inputs.npz                    sample inputs (batch --sample-batch), keyed by input name
  NAME.input.<input>.npy             the same inputs as plain .npy files (what the Node side reads)
  NAME.torch-fp32.<output>.npy       torch fp32 outputs for those inputs (CPU, no TF32): the reference
  NAME.json                          manifest: inputs/outputs (names, dtypes, shapes, files), batch sizes
                                     to time, exporter used, and the onnxruntime check of the export

torch_peer.py imports build_model() from here, so the peer times exactly these modules (same seed, same
weights). Models: torchvision ResNet-50, BERT-base (plain torch.nn, 12 layers, seq 128), a YOLOv8s-like
detector at 640 (C2f/SPPF/PAN neck/decoupled head with DFL decode; no ultralytics) and an MLP
1024-4096-4096-1024 with GELU. Batch-norm statistics are calibrated on random data so activations have
trained-like scales (random BN with identity statistics makes deep ResNets blow up).
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 17
SEED = 1234
# batch sizes timed by torch_peer.py and bench/models/run.ts (the last one is the profile's max)
BATCHES = {'mlp': [1, 256], 'resnet50': [1, 256], 'bert': [1, 64], 'yolo': [1, 16]}  # cheapest first
MODELS = list(BATCHES)


# ----------------------------------------------------------------------------------------------- BERT
class BertLayer(nn.Module):
    def __init__(self, hidden: int, heads: int, inter: int, eps: float):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.q, self.k, self.v = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=eps)
        self.ffn_in = nn.Linear(hidden, inter)
        self.ffn_out = nn.Linear(inter, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=eps)

    def split(self, x: torch.Tensor) -> torch.Tensor:  # [B, S, H*D] -> [B, H, S, D]
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        b, s, h = x.shape
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + mask_bias
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, s, h)
        x = self.ln1(x + self.attn_out(ctx))
        return self.ln2(x + self.ffn_out(F.gelu(self.ffn_in(x))))


class Bert(nn.Module):
    """BERT-base encoder (as HF BertModel: post-LN, exact GELU, pooler); token_type_ids are all 0."""

    def __init__(self, vocab=30522, hidden=768, layers=12, heads=12, inter=3072, max_pos=512, eps=1e-12):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_pos, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.ln = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(BertLayer(hidden, heads, inter, eps) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)
        self.register_buffer('position_ids', torch.arange(max_pos).unsqueeze(0), persistent=False)
        for m in self.modules():  # BERT's init: N(0, 0.02) weights, zero biases
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        s = input_ids.shape[1]
        x = self.word(input_ids) + self.pos(self.position_ids[:, :s]) + self.token_type.weight[0]
        x = self.ln(x)
        # additive mask [B, 1, 1, S]; -10000 (not finfo.min) stays finite in fp16
        mask_bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, mask_bias)
        return x, torch.tanh(self.pooler(x[:, 0]))


# --------------------------------------------------------------------------------------- YOLOv8-like
class Conv(nn.Module):
    """Conv2d (no bias) + BatchNorm + SiLU."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)

    def forward(self, x):
        return F.silu(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c: int, shortcut: bool):
        super().__init__()
        self.cv1, self.cv2, self.add = Conv(c, c, 3), Conv(c, c, 3), shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """CSP bottleneck with 2 convolutions: split, n bottlenecks, concat every intermediate, fuse."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = False):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1: int, c2: int, k: int = 5):
        super().__init__()
        c_ = c1 // 2
        self.cv1, self.cv2 = Conv(c1, c_, 1), Conv(c_ * 4, c2, 1)
        self.pool = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        y = [self.cv1(x)]
        for _ in range(3):
            y.append(self.pool(y[-1]))
        return self.cv2(torch.cat(y, 1))


class Detect(nn.Module):
    """Decoupled anchor-free head: per level a box branch (4 x reg_max DFL bins) and a class branch;
    decodes to [B, 4 + nc, anchors] (cx, cy, w, h in pixels, then class probabilities)."""

    def __init__(self, nc: int, ch: tuple[int, ...], strides: tuple[int, ...], img: int, reg_max: int = 16):
        super().__init__()
        self.nc, self.reg_max = nc, reg_max
        c2, c3 = max(16, ch[0] // 4, reg_max * 4), max(ch[0], min(nc, 100))
        self.box = nn.ModuleList(nn.Sequential(Conv(c, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * reg_max, 1)) for c in ch)
        self.cls = nn.ModuleList(nn.Sequential(Conv(c, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for c in ch)
        self.dfl = nn.Conv2d(reg_max, 1, 1, bias=False).requires_grad_(False)
        self.dfl.weight.data[:] = torch.arange(reg_max, dtype=torch.float32).view(1, reg_max, 1, 1)
        for b, c, s in zip(self.box, self.cls, strides):  # YOLOv8's bias init
            nn.init.constant_(b[-1].bias, 1.0)
            nn.init.constant_(c[-1].bias, math.log(5 / nc / (img / s) ** 2))
        # anchor centres and strides for a fixed img x img input: constants in the exported graph
        points, stride_t = [], []
        for s in strides:
            n = img // s
            sy, sx = torch.meshgrid(torch.arange(n) + 0.5, torch.arange(n) + 0.5, indexing='ij')
            points.append(torch.stack((sx, sy), -1).view(-1, 2))
            stride_t.append(torch.full((n * n, 1), float(s)))
        self.register_buffer('anchors', torch.cat(points).t().unsqueeze(0))  # [1, 2, A]
        self.register_buffer('strides', torch.cat(stride_t).t().unsqueeze(0))  # [1, 1, A]

    def forward(self, feats):
        b = feats[0].shape[0]
        out = torch.cat([torch.cat((bx(f), cl(f)), 1).view(b, 4 * self.reg_max + self.nc, -1)
                         for f, bx, cl in zip(feats, self.box, self.cls)], 2)
        box, cls = out.split((4 * self.reg_max, self.nc), 1)
        a = box.shape[-1]
        dist = self.dfl(box.view(b, 4, self.reg_max, a).transpose(2, 1).softmax(1)).view(b, 4, a)
        lt, rb = dist.chunk(2, 1)
        x1y1, x2y2 = self.anchors - lt, self.anchors + rb
        dbox = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * self.strides
        return torch.cat((dbox, cls.sigmoid()), 1)


class YoloV8Like(nn.Module):
    """YOLOv8s-sized detector (widths 32..512, depths 1/2/2/1): backbone, SPPF, FPN + PAN neck, head."""

    def __init__(self, nc: int = 80, img: int = 640):
        super().__init__()
        self.stem = Conv(3, 32, 3, 2)
        self.s2 = nn.Sequential(Conv(32, 64, 3, 2), C2f(64, 64, 1, True))
        self.s3 = nn.Sequential(Conv(64, 128, 3, 2), C2f(128, 128, 2, True))
        self.s4 = nn.Sequential(Conv(128, 256, 3, 2), C2f(256, 256, 2, True))
        self.s5 = nn.Sequential(Conv(256, 512, 3, 2), C2f(512, 512, 1, True), SPPF(512, 512))
        self.up = nn.Upsample(scale_factor=2.0, mode='nearest')
        self.td4 = C2f(512 + 256, 256, 1)  # top-down (FPN)
        self.td3 = C2f(256 + 128, 128, 1)
        self.down3 = Conv(128, 128, 3, 2)  # bottom-up (PAN)
        self.bu4 = C2f(128 + 256, 256, 1)
        self.down4 = Conv(256, 256, 3, 2)
        self.bu5 = C2f(256 + 512, 512, 1)
        self.head = Detect(nc, (128, 256, 512), (8, 16, 32), img)

    def forward(self, images):
        p3 = self.s3(self.s2(self.stem(images)))
        p4 = self.s4(p3)
        p5 = self.s5(p4)
        n4 = self.td4(torch.cat((self.up(p5), p4), 1))
        o3 = self.td3(torch.cat((self.up(n4), p3), 1))
        o4 = self.bu4(torch.cat((self.down3(o3), n4), 1))
        o5 = self.bu5(torch.cat((self.down4(o4), p5), 1))
        return self.head([o3, o4, o5])


# ------------------------------------------------------------------------------------------------ MLP
class Mlp(nn.Module):
    def __init__(self, dims=(1024, 4096, 4096, 1024)):
        super().__init__()
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x):
        for i, fc in enumerate(self.fcs):
            x = fc(x)
            if i < len(self.fcs) - 1:
                x = F.gelu(x)
        return x


# ------------------------------------------------------------------------------------------ registry
class Spec:
    """A model, how to make its inputs for a batch size, and its IO names."""

    def __init__(self, name, module, inputs, input_names, output_names):
        self.name, self.module, self._inputs = name, module, inputs
        self.input_names, self.output_names = input_names, output_names

    def inputs(self, batch: int, device='cpu', seed: int = 0) -> tuple:
        g = torch.Generator().manual_seed(seed)
        return tuple(t.to(device) for t in self._inputs(batch, g))


def _bert_inputs(batch, g):
    ids = torch.randint(1000, 30522, (batch, 128), generator=g, dtype=torch.int64)
    ids[:, 0] = 101  # [CLS]
    mask = torch.ones(batch, 128, dtype=torch.int64)
    for i in range(1, batch, 2):  # every other sequence is padded after a random length
        n = int(torch.randint(16, 128, (1,), generator=g))
        ids[i, n:], mask[i, n:] = 0, 0
    return ids, mask


def _calibrate_bn(model: nn.Module, make, steps: int = 3, branch_end=lambda name: False) -> None:
    """Random affine BN parameters, then running statistics measured on random inputs (cumulative
    average), so eval-mode activations have trained-like scales and BN folding has real work to do.
    BNs for which branch_end(name) holds (the last BN of a residual branch) get scales in [0.1, 0.4), so each
    residual block perturbs its input rather than adding a full-size random branch to it: with 0.5-1.5 there,
    the random ResNet-50 amplified rounding about 4x per stage (torch's own fp16 logits 3.0e-2 rel L2 from
    fp32, layer4 1.4e-1; now 2.0e-3 and 8.3e-3: test/gpu/resnet_fp16_error.py)."""
    g = torch.Generator().manual_seed(SEED + 7)
    bns = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]
    for name, bn in bns:
        bn.weight.data = (0.1 + 0.3 * torch.rand(bn.num_features, generator=g)) if branch_end(name) else 0.5 + torch.rand(bn.num_features, generator=g)
        bn.bias.data = 0.1 * torch.randn(bn.num_features, generator=g)
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        for i in range(steps):
            model(*make(i))
    model.eval()


def build_model(name: str) -> Spec:
    """The seeded fp32 model in eval mode (CPU), identical on every call."""
    torch.manual_seed(SEED)
    if name == 'resnet50':
        import torchvision
        m = torchvision.models.resnet50(weights=None)
        spec = Spec(name, m, lambda b, g: (torch.randn(b, 3, 224, 224, generator=g),), ['input'], ['logits'])
        _calibrate_bn(m, lambda i: spec.inputs(8, seed=100 + i), branch_end=lambda n: n.endswith('.bn3'))
    elif name == 'bert':
        spec = Spec(name, Bert(), _bert_inputs, ['input_ids', 'attention_mask'], ['last_hidden_state', 'pooler_output'])
    elif name == 'yolo':
        m = YoloV8Like()
        spec = Spec(name, m, lambda b, g: (torch.rand(b, 3, 640, 640, generator=g),), ['images'], ['output0'])
        _calibrate_bn(m, lambda i: spec.inputs(4, seed=100 + i))
    elif name == 'mlp':
        spec = Spec(name, Mlp(), lambda b, g: (torch.randn(b, 1024, generator=g),), ['input'], ['output'])
    else:
        raise SystemExit(f'unknown model {name!r}; known: {", ".join(MODELS)}')
    spec.module.eval()
    return spec


# -------------------------------------------------------------------------------------------- export
def _export(spec: Spec, args: tuple, path: str) -> str:
    """ONNX export, TorchScript-based exporter first (opset 17 + dynamic_axes are its home ground), the
    dynamo exporter as fallback. Returns which one wrote the file."""
    names = spec.input_names + spec.output_names
    common = dict(input_names=spec.input_names, output_names=spec.output_names,
                  dynamic_axes={n: {0: 'batch'} for n in names}, opset_version=OPSET)
    has_dynamo_flag = 'dynamo' in inspect.signature(torch.onnx.export).parameters
    errors = []
    try:
        extra = {'dynamo': False} if has_dynamo_flag else {}
        torch.onnx.export(spec.module, args, path, do_constant_folding=True, **common, **extra)
        return 'torchscript'
    except Exception as e:  # noqa: BLE001 (report and try the other exporter)
        errors.append(f'torchscript exporter: {type(e).__name__}: {e}')
    if has_dynamo_flag:
        for opset in (OPSET, 18):  # the dynamo exporter may fail to down-convert to 17: then say so
            try:
                torch.onnx.export(spec.module, args, path, dynamo=True, external_data=False, **{**common, 'opset_version': opset})
                return 'dynamo' if opset == OPSET else f'dynamo (opset {opset}: {OPSET} failed)'
            except Exception as e:  # noqa: BLE001
                errors.append(f'dynamo exporter, opset {opset}: {type(e).__name__}: {e}')
    raise RuntimeError(f'{spec.name}: ONNX export failed:\n  ' + '\n  '.join(errors))


def _fix_and_check(path: str, spec: Spec) -> dict:
    """Names dim 0 of every graph input/output 'batch', checks the model, reports opset and size."""
    try:
        import onnx
    except ImportError:
        return {'onnx_check': 'skipped (no onnx package)'}
    model = onnx.load(path)
    for vi in list(model.graph.input) + list(model.graph.output):
        if vi.name not in spec.input_names + spec.output_names:
            continue
        dims = vi.type.tensor_type.shape.dim
        if dims and not dims[0].HasField('dim_value'):
            dims[0].dim_param = 'batch'
    onnx.save(model, path)
    onnx.checker.check_model(path)
    opset = next((o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')), None)
    ops: dict[str, int] = {}
    for n in model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    return {'opset': opset, 'nodes': len(model.graph.node), 'op_counts': dict(sorted(ops.items()))}


def rel_l2(actual: np.ndarray, expected: np.ndarray) -> float:
    a, e = actual.astype(np.float64).ravel(), expected.astype(np.float64).ravel()
    return float(np.linalg.norm(a - e) / max(np.linalg.norm(e), 1e-30))


def _ort_check(path: str, feeds: dict, refs: list) -> dict:
    try:
        import onnxruntime as ort
    except ImportError:
        return {'ort': 'skipped (no onnxruntime)'}
    sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    outs = sess.run(None, feeds)
    return {'ort_rel_l2': [rel_l2(o, r) for o, r in zip(outs, refs)]}


def export_one(name: str, out: str, sample_batch: int) -> dict:
    t0 = time.time()
    spec = build_model(name)
    params = sum(p.numel() for p in spec.module.parameters())
    sample = spec.inputs(sample_batch, seed=1)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    with torch.no_grad():
        ref = spec.module(*sample)
    refs = [r.numpy() for r in (ref if isinstance(ref, (tuple, list)) else (ref,))]
    onnx_path = os.path.join(out, f'{name}.onnx')
    exporter = _export(spec, spec.inputs(2, seed=2), onnx_path)
    info = _fix_and_check(onnx_path, spec)

    feeds = {n: t.numpy() for n, t in zip(spec.input_names, sample)}
    np.savez(os.path.join(out, f'{name}.inputs.npz'), **feeds)
    inputs = []
    for n, a in feeds.items():
        f = f'{name}.input.{n}.npy'
        np.save(os.path.join(out, f), np.ascontiguousarray(a))
        inputs.append({'name': n, 'dtype': str(a.dtype), 'shape': ['batch', *a.shape[1:]], 'file': f})
    outputs = []
    for n, a in zip(spec.output_names, refs):
        f = f'{name}.torch-fp32.{n}.npy'
        np.save(os.path.join(out, f), np.ascontiguousarray(a.astype(np.float32)))
        outputs.append({'name': n, 'dtype': 'float32', 'shape': ['batch', *a.shape[1:]], 'file': f})
    info.update(_ort_check(onnx_path, feeds, refs))
    manifest = {
        'name': name, 'onnx': f'{name}.onnx', 'exporter': exporter, 'torch': torch.__version__,
        'seed': SEED, 'params': params, 'onnx_bytes': os.path.getsize(onnx_path),
        'sample_batch': sample_batch, 'batches': BATCHES[name], 'inputs': inputs, 'outputs': outputs,
        'reference': 'torch fp32 eager on CPU (TF32 off)', **info,
        'export_s': round(time.time() - t0, 1),
    }
    with open(os.path.join(out, f'{name}.json'), 'w') as fh:
        json.dump(manifest, fh, indent=1)
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True, help='output folder')
    ap.add_argument('--models', default=','.join(MODELS), help=f'comma-separated subset of {",".join(MODELS)}')
    ap.add_argument('--sample-batch', type=int, default=2, help='batch of the sample inputs / reference outputs')
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    failed = 0
    for name in [m.strip() for m in a.models.split(',') if m.strip()]:
        try:
            m = export_one(name, a.out, a.sample_batch)
            ort_note = ', '.join(f'{x:.1e}' for x in m.get('ort_rel_l2', [])) or m.get('ort', '')
            print(f'{name}: {m["params"] / 1e6:.1f}M params, {m["onnx_bytes"] / 2**20:.0f} MiB, {m["exporter"]} exporter, '
                  f'opset {m.get("opset")}, {m.get("nodes")} nodes, ort rel L2 vs torch {ort_note} ({m["export_s"]} s)', flush=True)
        except Exception as e:  # noqa: BLE001 (one model failing must not stop the others)
            failed += 1
            print(f'{name}: EXPORT FAILED: {type(e).__name__}: {e}', file=sys.stderr, flush=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
