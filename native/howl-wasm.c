/*
 * Howl's training kernels for WebAssembly: the same arithmetic as the native addon
 * (kernel-steps.h), with a matrix product of its own in place of OpenBLAS. Built by
 * scripts/build-wasm-kernels.mjs (clang --target=wasm32, no libc) into the base64 module that
 * src/model/kernels/wasm-kernels-binary.ts holds, twice: with relaxed-SIMD fused multiply-adds and
 * with plain SIMD (for runtimes without relaxed SIMD).
 *
 * The module imports a shared memory. Every thread (the main one and each worker) instantiates it
 * on that memory with a stack of its own (the caller sets `__stack_pointer`); the arrays live where
 * the JavaScript side puts them. Each exported `*_part` function does part `part` of `parts` of one
 * job (a slice of rows or columns, disjoint from every other part's output), so the caller runs the
 * parts on as many threads as it has and the result does not depend on how many.
 *
 * The product: C = op(A)·op(B) + beta·C, row-major, blocked as Goto and van de Geijn describe
 * ("Anatomy of high-performance matrix multiplication", ACM TOMS 34(3), 2008): panels of B packed
 * KC × NC (L2), of A MC × KC, and a 3 × 12 register tile (nine 4-lane accumulators; x64 engines
 * give WebAssembly 16 vector registers). Each element's sum runs over k in the same order whatever
 * the split, so the parts agree bit for bit with one thread.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

#define MR 3
#define NV 3
#define NR (4 * NV)
#define KC 256
#define MC (24 * MR)
#define NC (44 * NR)

/* clang 14 knows relaxed SIMD's fused multiply-add only by its draft name, `f32x4.fma`
 * (a + b·c, opcode 0xaf); the build script rewrites each one to `f32x4.relaxed_madd`
 * (a·b + c, opcode 0x105), whose operands it takes in the same order: so MADD(a, b, c) = a·b + c. */
#ifdef HOWL_FMA
#define MADD(a, b, c) ((v128_t)__builtin_wasm_fma_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif

/* clang emits calls to these for struct and array copies; no libc here. */
void *memcpy(void *dst, const void *src, unsigned long n) {
  __builtin_memcpy(dst, src, n);
  return dst;
}
void *memset(void *dst, int c, unsigned long n) {
  __builtin_memset(dst, c, n);
  return dst;
}

static int min_int(int a, int b) { return a < b ? a : b; }

/* ---- the matrix product -------------------------------------------------------------------- */

/* B[pc : pc+kc, jc : jc+nc] (of op(B)) as panels of NR columns, each kc rows of NR floats. */
static void pack_b(int tb, int kc, int nc, const float *B, int ldb, float *Bp) {
  for (int j0 = 0; j0 < nc; j0 += NR) {
    int nr = min_int(NR, nc - j0);
    float *dst = Bp + j0 * kc;
    if (!tb && nr == NR) {
      for (int k = 0; k < kc; k++)
        for (int v = 0; v < NV; v++) wasm_v128_store(dst + k * NR + 4 * v, wasm_v128_load(B + k * ldb + j0 + 4 * v));
    } else if (!tb) {
      for (int k = 0; k < kc; k++)
        for (int jj = 0; jj < NR; jj++) dst[k * NR + jj] = jj < nr ? B[k * ldb + j0 + jj] : 0.0f;
    } else {
      for (int jj = 0; jj < NR; jj++) {
        const float *src = B + (j0 + jj) * ldb;
        if (jj < nr)
          for (int k = 0; k < kc; k++) dst[k * NR + jj] = src[k];
        else
          for (int k = 0; k < kc; k++) dst[k * NR + jj] = 0.0f;
      }
    }
  }
}

/* A[ic : ic+mc, pc : pc+kc] (of op(A)) as panels of MR rows, each kc columns of MR floats. */
static void pack_a(int ta, int mc, int kc, const float *A, int lda, float *Ap) {
  for (int i0 = 0; i0 < mc; i0 += MR) {
    int mr = min_int(MR, mc - i0);
    float *dst = Ap + i0 * kc;
    if (ta) {
      for (int k = 0; k < kc; k++)
        for (int ii = 0; ii < MR; ii++) dst[k * MR + ii] = ii < mr ? A[k * lda + i0 + ii] : 0.0f;
    } else {
      for (int ii = 0; ii < MR; ii++) {
        const float *src = A + (i0 + ii) * lda;
        if (ii < mr)
          for (int k = 0; k < kc; k++) dst[k * MR + ii] = src[k];
        else
          for (int k = 0; k < kc; k++) dst[k * MR + ii] = 0.0f;
      }
    }
  }
}

/* One MR × NR tile of C over kc: C = beta·C + A·B on the first k block (first), else C += A·B. */
static void tile(int kc, const float *Ap, const float *Bp, float *C, int ldc, int mr, int nr, int first,
                 float beta) {
  v128_t acc[MR][NV];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < kc; k++) {
    v128_t b[NV];
#pragma unroll
    for (int v = 0; v < NV; v++) b[v] = wasm_v128_load(Bp + k * NR + 4 * v);
#pragma unroll
    for (int r = 0; r < MR; r++) {
      v128_t a = wasm_v128_load32_splat(Ap + k * MR + r);
#pragma unroll
      for (int v = 0; v < NV; v++) acc[r][v] = MADD(a, b[v], acc[r][v]);
    }
  }
  float t[MR * NR];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) wasm_v128_store(t + r * NR + 4 * v, acc[r][v]);
  for (int r = 0; r < mr; r++) {
    float *c = C + r * ldc;
    const float *s = t + r * NR;
    if (!first)
      for (int j = 0; j < nr; j++) c[j] += s[j];
    else if (beta == 0.0f)
      for (int j = 0; j < nr; j++) c[j] = s[j];
    else
      for (int j = 0; j < nr; j++) c[j] = beta * c[j] + s[j];
  }
}

/*
 * A right operand packed once for many products (the recurrent matrix, used at every step): the
 * step loops call gemm() with U itself, and gemm() takes the packed copy when B, its transpose flag
 * and its sizes match. Set by the caller between parallel runs, read-only during one.
 */
typedef struct {
  const float *source;
  int tb, K, N, ldb;
  const float *packed;
} Prepacked;

static Prepacked prepacked[2];

/* The packed size of op(B) [K, N]: every block's panels, NR columns each (zero-padded). */
EXPORT("packed_size") int packed_size(int K, int N) { return K * ((N + NR - 1) / NR) * NR; }

static const float *packed_block(const Prepacked *p, int jc, int pc) {
  /* blocks in the product's order: jc outer, pc inner; a block is kc × round_up(nc, NR) */
  int ncPadded = ((min_int(NC, p->N - jc) + NR - 1) / NR) * NR;
  return p->packed + jc * p->K + pc * ncPadded;
}

/* Packs op(B) [K, N] into dst (packed_size floats) and registers it in slot `slot` (0 or 1). */
EXPORT("prepack") void prepack(int slot, int tb, int K, int N, const float *B, int ldb, float *dst) {
  Prepacked *p = &prepacked[slot & 1];
  *p = (Prepacked){B, tb, K, N, ldb, dst};
  for (int jc = 0; jc < N; jc += NC) {
    int nc = min_int(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC)
      pack_b(tb, min_int(KC, K - pc), nc, tb ? B + jc * ldb + pc : B + pc * ldb + jc, ldb,
             (float *)packed_block(p, jc, pc));
  }
}

/* Forgets the packed operands (before their memory is reused). */
EXPORT("clear_prepacked") void clear_prepacked(void) {
  prepacked[0].source = prepacked[1].source = 0;
}

static const Prepacked *find_prepacked(int tb, int K, int N, const float *B, int ldb) {
  for (int s = 0; s < 2; s++) {
    const Prepacked *p = &prepacked[s];
    if (p->source == B && p->tb == tb && p->K == K && p->N == N && p->ldb == ldb) return p;
  }
  return 0;
}

/* C[M,N] = op(A)·op(B) + beta·C on this thread; its packing buffers are on this thread's stack. */
static void gemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    return;
  }
  float Ap[MC * KC], Bp[KC * NC];
  const Prepacked *pre = find_prepacked(tb, K, N, B, ldb);
  for (int jc = 0; jc < N; jc += NC) {
    int nc = min_int(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      int kc = min_int(KC, K - pc);
      const float *panel = Bp;
      if (pre != 0) panel = packed_block(pre, jc, pc);
      else pack_b(tb, kc, nc, tb ? B + jc * ldb + pc : B + pc * ldb + jc, ldb, Bp);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = min_int(MC, M - ic);
        pack_a(ta, mc, kc, ta ? A + pc * lda + ic : A + ic * lda + pc, lda, Ap);
        for (int jr = 0; jr < nc; jr += NR)
          for (int ir = 0; ir < mc; ir += MR)
            tile(kc, Ap + ir * kc, panel + jr * kc, C + (ic + ir) * ldc + jc + jr, ldc, min_int(MR, mc - ir),
                 min_int(NR, nc - jr), pc == 0, beta);
      }
    }
  }
}

#include "kernel-steps.h"

/* [lo, hi) of part `part` of `parts` over n items, in steps of `unit` (parts end on unit boundaries). */
static void part_range(int n, int unit, int part, int parts, int *lo, int *hi) {
  int units = (n + unit - 1) / unit;
  int u0 = (int)((long long)units * part / parts), u1 = (int)((long long)units * (part + 1) / parts);
  *lo = min_int(n, u0 * unit);
  *hi = min_int(n, u1 * unit);
}

/* The product, split over the larger of M and N. */
EXPORT("gemm_part")
void gemm_part(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
               float *C, int ldc, int part, int parts) {
  int lo, hi;
  if (M >= N) {
    part_range(M, MR, part, parts, &lo, &hi);
    gemm(ta, tb, hi - lo, N, K, ta ? A + lo : A + lo * lda, lda, B, ldb, beta, C + lo * ldc, ldc);
  } else {
    part_range(N, NR, part, parts, &lo, &hi);
    gemm(ta, tb, M, hi - lo, K, A, lda, tb ? B + lo * ldb : B + lo, ldb, beta, C + lo, ldc);
  }
}

/* `count` products C_i = op(A_i)·op(B_i) + beta·C_i (X_i at X + i·strideX; a stride of 0 shares
 * the operand), split over the products. */
EXPORT("gemm_batch_part")
void gemm_batch_part(int count, int ta, int tb, int M, int N, int K, const float *A, int strideA, int lda,
                     const float *B, int strideB, int ldb, float beta, float *C, int strideC, int ldc, int part,
                     int parts) {
  int lo, hi;
  part_range(count, 1, part, parts, &lo, &hi);
  for (int i = lo; i < hi; i++)
    gemm(ta, tb, M, N, K, A + (long long)i * strideA, lda, B + (long long)i * strideB, ldb, beta,
         C + (long long)i * strideC, ldc);
}

/* ---- the recurrent layers: a slice of the batch's rows through every step ------------------ */

EXPORT("lstm_forward_part")
void lstm_forward_part(int B, int T, int H, const float *U, const float *bias, const float *h0, const float *c0,
                       float *out, float *acts, float *cs, float *z, int part, int parts) {
  LstmJob job = {T, H, U, bias, h0, c0, out, acts, cs, z, 0, 0, 0};
  int lo, hi;
  part_range(B, 1, part, parts, &lo, &hi);
  if (hi > lo) lstm_forward_rows(&job, lo, hi);
}

EXPORT("lstm_backward_part")
void lstm_backward_part(int B, int T, int H, const float *U, const float *h0, const float *c0, float *out,
                        float *acts, float *cs, const float *dOut, float *dZ, float *dhNext, float *dc, int part,
                        int parts) {
  LstmJob job = {T, H, U, 0, h0, c0, out, acts, cs, dZ, dOut, dhNext, dc};
  int lo, hi;
  part_range(B, 1, part, parts, &lo, &hi);
  if (hi > lo) lstm_backward_rows(&job, lo, hi);
}

EXPORT("gru_forward_part")
void gru_forward_part(int B, int T, int H, const float *U, const float *bIn, const float *bRec, const float *h0,
                      float *out, float *gates, float *hpn, float *hp, int part, int parts) {
  GruJob job = {T, H, U, bIn, bRec, h0, out, gates, hpn, hp, 0, 0, 0, 0};
  int lo, hi;
  part_range(B, 1, part, parts, &lo, &hi);
  if (hi > lo) gru_forward_rows(&job, lo, hi);
}

EXPORT("gru_backward_part")
void gru_backward_part(int B, int T, int H, const float *U, const float *h0, float *out, float *gates, float *hpn,
                       const float *dOut, float *dhNext, float *dXP, float *dHP, int part, int parts) {
  GruJob job = {T, H, U, 0, 0, h0, out, gates, hpn, 0, dOut, dhNext, dXP, dHP};
  int lo, hi;
  part_range(B, 1, part, parts, &lo, &hi);
  if (hi > lo) gru_backward_rows(&job, lo, hi);
}

/* hPrev [B·T, H]: each row's previous hidden state (h0 at t = 0), for dU = hPrevᵀ·dZ. */
EXPORT("previous_states")
void previous_states(int B, int T, int H, const float *h0, const float *out, float *hPrev) {
  for (int b = 0; b < B; b++) {
    __builtin_memcpy(hPrev + b * T * H, h0 + b * H, sizeof(float) * (unsigned long)H);
    if (T > 1) __builtin_memcpy(hPrev + (b * T + 1) * H, out + b * T * H, sizeof(float) * (unsigned long)((T - 1) * H));
  }
}

/* ---- heads and element-wise ---------------------------------------------------------------- */

/* out[k] = Σ_i x[i, k] for this part's columns. */
EXPORT("column_sums_part") void column_sums_part(int N, int K, const float *x, float *out, int part, int parts) {
  int lo, hi;
  part_range(K, 4, part, parts, &lo, &hi);
  for (int k = lo; k < hi; k++) out[k] = 0.0f;
  if (hi > lo)
    for (int i = 0; i < N; i++) add_row(out + lo, x + (long long)i * K + lo, hi - lo);
}

/* Each row's softmax into probs, and stats[2i] = max, stats[2i+1] = Σ exp(z − max). */
EXPORT("softmax_part")
void softmax_part(int N, int K, const float *z, float *probs, float *stats, int part, int parts) {
  int lo, hi;
  part_range(N, 1, part, parts, &lo, &hi);
  for (int i = lo; i < hi; i++) {
    float m = 0.0f;
    stats[2 * i + 1] = softmax_row(z + (long long)i * K, probs + (long long)i * K, K, &m);
    stats[2 * i] = m;
  }
}

/* dlogits = coef · mask_i · (p_i − onehot(t_i)) for this part's rows. */
EXPORT("cross_entropy_backward_part")
void cross_entropy_backward_part(int N, int K, const float *probs, const float *targets, const float *mask, float coef,
                                 float *d, int part, int parts) {
  int lo, hi;
  part_range(N, 1, part, parts, &lo, &hi);
  for (int i = lo; i < hi; i++) {
    float w = coef * mask[i];
    const float *p = probs + (long long)i * K;
    float *di = d + (long long)i * K;
    for (int j = 0; j < K; j++) di[j] = w * p[j];
    int t = (int)targets[i];
    if (w != 0.0f && t >= 0 && t < K) di[t] -= w;
  }
}

EXPORT("selu_part") void selu_part(int n, const float *x, float *y, int part, int parts) {
  int lo, hi;
  part_range(n, 16, part, parts, &lo, &hi);
  selu_loop(x + lo, y + lo, hi - lo);
}

EXPORT("selu_backward_part")
void selu_backward_part(int n, const float *y, const float *dy, float *dx, int part, int parts) {
  int lo, hi;
  part_range(n, 16, part, parts, &lo, &hi);
  selu_backward_loop(y + lo, dy + lo, dx + lo, hi - lo);
}

EXPORT("affine_part") void affine_part(int n, const float *x, float s, float t, float *y, int part, int parts) {
  int lo, hi;
  part_range(n, 16, part, parts, &lo, &hi);
  affine_loop(x + lo, s, t, y + lo, hi - lo);
}

/* out[i] = W[rows[i]] + b for this part's rows (the caller has checked every index). */
EXPORT("gather_rows_part")
void gather_rows_part(int N, int E, const float *W, const int *rows, const float *b, float *out, int part,
                      int parts) {
  int lo, hi;
  part_range(N, 1, part, parts, &lo, &hi);
  for (int i = lo; i < hi; i++) {
    const float *w = W + (long long)rows[i] * E;
    float *o = out + (long long)i * E;
    for (int j = 0; j < E; j++) o[j] = w[j] + b[j];
  }
}

/* dW = 0, then dW[rows[i]] += dY[i], for this part's columns of dW. */
EXPORT("scatter_add_rows_part")
void scatter_add_rows_part(int N, int K, int E, const float *dY, const int *rows, float *dW, int part, int parts) {
  int lo, hi;
  part_range(E, 4, part, parts, &lo, &hi);
  if (hi <= lo) return;
  for (int r = 0; r < K; r++)
    for (int j = lo; j < hi; j++) dW[(long long)r * E + j] = 0.0f;
  for (int i = 0; i < N; i++)
    if (rows[i] >= 0 && rows[i] < K) add_row(dW + (long long)rows[i] * E + lo, dY + (long long)i * E + lo, hi - lo);
}

/* ---- the transformer's layer norm -------------------------------------------------------- */

EXPORT("layer_norm_part")
void layer_norm_part(int N, int d, const float *x, const float *gamma, const float *beta, float eps, float *y,
                     float *stats, int part, int parts) {
  int lo, hi;
  part_range(N, 1, part, parts, &lo, &hi);
  layer_norm_rows(lo, hi, d, x, gamma, beta, eps, y, stats);
}

/* dx for this part's rows, and dgamma, dbeta for this part's columns (d ≤ 65536: the caller checks). */
EXPORT("layer_norm_backward_part")
void layer_norm_backward_part(int N, int d, const float *x, const float *gamma, const float *stats, const float *dy,
                              float *dx, float *dgamma, float *dbeta, int part, int parts) {
  float scratch[2 * d];
  int lo, hi;
  part_range(N, 1, part, parts, &lo, &hi);
  layer_norm_backward_rows(lo, hi, d, x, gamma, stats, dy, dx, scratch);
  part_range(d, 4, part, parts, &lo, &hi);
  layer_norm_param_grads(N, d, lo, hi, x, stats, dy, dgamma, dbeta);
}
