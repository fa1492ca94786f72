"""PyTorch eager peer for bench/gpu/user-bench.ts, same GPU, same run.
1. SimpleNet (Linear 5x5, W = 2I, no bias) batch 1: host tensor in -> .cuda() -> matmul -> .cpu(), median latency.
2. Compute-bound MLP (batch 512, 256 -> 4096 x 6 -> 256, Gemm + bias + ReLU, fp32, TF32 off): host in -> host out,
   one stream, throughput.   python3 bench/gpu/peer_torch.py [--json out.json]
"""
import json, sys, time
import torch

torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device('cuda:0')
res = {'torch': torch.__version__, 'gpu': torch.cuda.get_device_name(0)}

# 1. SimpleNet
w = (2 * torch.eye(5)).to(dev)
x = torch.tensor([[0., 1., 2., 3., 4.]])
with torch.inference_mode():
    print('torch simplenet output:', (x.to(dev) @ w.T).cpu().tolist())
    for _ in range(500):
        (x.to(dev) @ w.T).cpu()
    lat = []
    for _ in range(5000):
        t0 = time.perf_counter()
        (x.to(dev) @ w.T).cpu()
        lat.append((time.perf_counter() - t0) * 1e6)
lat.sort()
res['simplenet'] = {'p50Us': lat[len(lat) // 2], 'p90Us': lat[int(len(lat) * 0.9)], 'p99Us': lat[int(len(lat) * 0.99)]}
print(f"torch eager SimpleNet b1 host->host: p50 {res['simplenet']['p50Us']:.1f} us  p90 {res['simplenet']['p90Us']:.1f} us  p99 {res['simplenet']['p99Us']:.1f} us")

# 2. compute-bound MLP
dims = [256] + [4096] * 7 + [256]
layers = [torch.nn.Linear(dims[i], dims[i + 1]) for i in range(8)]
mods = []
for l in layers:
    mods += [l, torch.nn.ReLU()]
net = torch.nn.Sequential(*mods).to(dev).eval()
xin = torch.randn(512, 256)
flops = 2 * 512 * sum(dims[i] * dims[i + 1] for i in range(8))
with torch.inference_mode():
    for _ in range(10):
        net(xin.to(dev)).cpu()
    torch.cuda.synchronize()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 3:
        net(xin.to(dev)).cpu()
        n += 1
    s = time.perf_counter() - t0
res['mlp'] = {'inferPerS': n / s, 'tflops': n * flops / s / 1e12}
print(f"torch eager MLP b512 256->4096x6->256 fp32 host->host: {n / s:.1f} infer/s, {n * flops / s / 1e12:.1f} TFLOP/s")
if '--json' in sys.argv:
    json.dump(res, open(sys.argv[sys.argv.index('--json') + 1], 'w'), indent=2)
