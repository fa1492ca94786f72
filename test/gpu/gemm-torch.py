"""torch's cuBLAS time for BERT-base batch-1 GEMMs (fp16, M = 128), timed like gemm-tactics.ts: 32 calls in
one CUDA graph, weights rotating over copies larger than L2, best of 3 replays. Prints us per call for
torch.matmul, torch.addmm (bias) and F.linear (nn.Linear's [N, K] weight, what BERT runs), plus F.linear + GELU
for ffn_in.   python3 test/gpu/gemm-torch.py
"""
import torch
import torch.nn.functional as F

SHAPES = [('qkv', 128, 2304, 768), ('attn_out', 128, 768, 768), ('ffn_in', 128, 3072, 768), ('ffn_out', 128, 768, 3072)]
REPS = 32
COLD_BYTES = 128 << 20


def graph_us(fn):
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for i in range(3):
            fn(i)
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for i in range(REPS):
            fn(i)
    g.replay()
    torch.cuda.synchronize()
    best = float('inf')
    for _ in range(3):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g.replay()
        b.record()
        b.synchronize()
        best = min(best, a.elapsed_time(b) * 1000 / REPS)
    return best


def main():
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = True
    print(f'torch {torch.__version__} cuBLAS {torch.backends.cuda.preferred_blas_library()} on {torch.cuda.get_device_name()}')
    for name, m, n, k in SHAPES:
        copies = min(REPS, -(-COLD_BYTES // (k * n * 2)))
        x = torch.randn(m, k, device='cuda', dtype=torch.half)
        ws = [torch.randn(k, n, device='cuda', dtype=torch.half) * 0.03 for _ in range(copies)]
        wts = [torch.randn(n, k, device='cuda', dtype=torch.half) * 0.03 for _ in range(copies)]
        bias = torch.randn(n, device='cuda', dtype=torch.half)
        out = {
            'matmul': graph_us(lambda i: torch.matmul(x, ws[i % copies])),
            'addmm': graph_us(lambda i: torch.addmm(bias, x, ws[i % copies])),
            'linear': graph_us(lambda i: F.linear(x, wts[i % copies], bias)),
        }
        if name == 'ffn_in':
            out['linear+gelu'] = graph_us(lambda i: F.gelu(F.linear(x, wts[i % copies], bias), approximate='tanh'))
        print(f'{name:9s} [{m}x{k}]x[{k}x{n}]  ' + '  '.join(f'{key} {us:.2f} us' for key, us in out.items()))


if __name__ == '__main__':
    main()
