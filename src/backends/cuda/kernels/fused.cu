// Activations applied in place after a cuBLASLt matmul (FusedGemm activations without a cuBLASLt epilogue).
#include "common.cuh"

// kind: 1 Relu, 2 LeakyRelu(p0), 3 Sigmoid, 4 SiLU, 5 HardSwish, 6 Clip(p0, p1), 7 Gelu (exact, erf)
__device__ __forceinline__ float fused_act(float x, int kind, float p0, float p1) {
  switch (kind) {
    case 1: return x < 0.f ? 0.f : x;
    case 2: return x < 0.f ? p0 * x : x;
    case 3: return 1.0f / (1.0f + expf(-x));
    case 4: return x / (1.0f + expf(-x));
    case 5: return x * fmaxf(0.f, fminf(1.f, x * (1.0f / 6.0f) + 0.5f));
    case 6: return fminf(fmaxf(x, p0), p1);
    case 7: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    default: return x;
  }
}

extern "C" __global__ void fused_act_f32(float* x, i64 n, int kind, float p0, float p1) { PDL_ENTER();
  GRID_STRIDE(i, n) x[i] = fused_act(x[i], kind, p0, p1);
}
extern "C" __global__ void fused_act_f16(f16* x, i64 n, int kind, float p0, float p1) { PDL_ENTER();
  GRID_STRIDE(i, n) x[i] = f2h(fused_act(h2f(x[i]), kind, p0, p1));
}
