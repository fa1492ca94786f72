"""torch's scaled_dot_product_attention at BERT-base b64 (q, k, v [64, 12, 128, 64] fp16), without and with an
additive padding mask [64, 1, 1, 128]: a profiler target beside test/gpu/attn-one.ts (test/gpu/attn-ncu.sh)."""
import torch
import torch.nn.functional as F

q, k, v = (torch.randn(64, 12, 128, 64, device='cuda', dtype=torch.float16) for _ in range(3))
mask = torch.zeros(64, 1, 1, 128, device='cuda', dtype=torch.float16)
mask[::2, :, :, 100:] = -10000
for _ in range(3):
    F.scaled_dot_product_attention(q, k, v)
    F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
torch.cuda.synchronize()
print('sdpa-ncu done')
