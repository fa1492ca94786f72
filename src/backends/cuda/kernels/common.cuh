// Shared helpers for TensorJet kernels (prepended to each family source; no system headers so NVRTC needs no include path).
typedef long long i64;
typedef unsigned short f16;  // float16 raw bits; arithmetic happens in float

__device__ __forceinline__ float h2f(f16 h) { float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ f16 f2h(float f) { f16 h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
__device__ __forceinline__ float ld(const float* p, i64 i) { return p[i]; }
__device__ __forceinline__ float ld(const f16* p, i64 i) { return h2f(p[i]); }
__device__ __forceinline__ void st(float* p, i64 i, float v) { p[i] = v; }
__device__ __forceinline__ void st(f16* p, i64 i, float v) { p[i] = f2h(v); }

// Programmatic dependent launch (sm_90+): every kernel opens with PDL_ENTER(). It waits until the grid before it
// in the stream has finished and its writes are visible (a no-op when launched without the PDL attribute), then
// lets the next grid start launching, so its launch overlaps this one's run (engine.ts Launcher.blocks).
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define PDL_ENTER() asm volatile("griddepcontrol.wait;\n\tgriddepcontrol.launch_dependents;" ::: "memory")
#else
#define PDL_ENTER() do {} while (0)
#endif

#define MAX_RANK 8
// Index map for up to 8 dims: output dims plus strides (in elements) of up to three operands.
struct Idx { int rank; int pad; i64 dims[MAX_RANK]; i64 s0[MAX_RANK]; i64 s1[MAX_RANK]; i64 s2[MAX_RANK]; };

#define GRID_STRIDE(i, n) for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)blockDim.x * gridDim.x)
